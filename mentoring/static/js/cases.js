/* Case pages, no library, works offline.
 *
 * - ICD-10 autocomplete for the diagnosis field (/cases/icd10?q=), names
 *   in the reader's language shown under the field.
 * - Character counters on long fields (textarea[data-limit]).
 * - The NCD follow-up section: only the rows in use, the screenings of the
 *   chosen condition; the referral tier only for "referred up".
 * - A case being typed is kept on the phone (localStorage, like the chat
 *   outbox) until it is sent or discarded: a lost signal or a closed tab
 *   loses nothing. The case page after a successful send clears it. */
(function () {
  "use strict";
  var i18nNode = document.getElementById("cases-i18n");
  var T = i18nNode ? JSON.parse(i18nNode.textContent) : {};

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }
  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  /* --- character counters ------------------------------------------------ */
  function counter(area) {
    var out = document.querySelector('[data-count-for="' + area.name + '"]');
    var max = Number(area.getAttribute("data-limit"));
    if (!out || !max || !T.chars) { return; }
    function update() {
      var n = area.value.length;
      out.textContent = fmt(T.chars, {n: n, max: max});
      out.classList.toggle("text-danger", n > max);
    }
    area.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("textarea[data-limit]").forEach(counter);

  /* --- ICD-10 autocomplete ------------------------------------------------ */
  (function () {
    var input = document.getElementById("icd10");
    var list = document.getElementById("icd10-options");
    var names = document.getElementById("icd10-names");
    if (!input || !list) { return; }
    var known = {};
    var timer = null;
    function codes() {
      return input.value.split(",").map(function (p) { return p.trim().toUpperCase(); }).filter(Boolean);
    }
    function showNames() {
      if (!names) { return; }
      names.innerHTML = "";
      codes().forEach(function (code) {
        if (!known[code]) { return; }
        var li = document.createElement("li");
        li.textContent = code + " " + known[code];
        names.appendChild(li);
      });
    }
    input.addEventListener("input", function () {
      showNames();
      clearTimeout(timer);
      timer = setTimeout(function () {
        var parts = input.value.split(",");
        var term = parts[parts.length - 1].trim();
        if (term.length < 2) { return; }
        var prefix = parts.slice(0, -1).map(function (p) { return p.trim(); }).filter(Boolean);
        fetch(input.dataset.icdUrl + "?q=" + encodeURIComponent(term), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {items: []}; })
          .then(function (data) {
            list.innerHTML = "";
            data.items.forEach(function (item) {
              known[item.code] = item.description;
              var option = document.createElement("option");
              option.value = prefix.concat([item.code]).join(", ");
              option.label = item.code + " " + item.description;
              option.textContent = item.code + " " + item.description;
              list.appendChild(option);
            });
            showNames();
          })
          .catch(function () { /* offline: the codes typed are checked on sending */ });
      }, 250);
    });
  })();

  /* --- a case being typed stays on the phone ------------------------------- */
  (function () {
    var form = document.getElementById("case-form");
    var ls = store();
    if (!form || !ls) { return; }
    var key = form.getAttribute("data-draft-key");
    var discard = form.querySelector('[data-action="discard"]');
    var skip = {csrf_token: true, file: true, identifier_signature: true, action: true};

    function fields() {
      return Array.prototype.filter.call(form.elements, function (el) { return el.name && !skip[el.name]; });
    }
    function snapshot() {
      var values = {};
      fields().forEach(function (el) {
        if (el.type === "checkbox") {
          if (el.name === "ncd.complications_screened") {
            values[el.name] = values[el.name] || [];
            if (el.checked) { values[el.name].push(el.value); }
          } else {
            values[el.name] = el.checked;
          }
        } else if (el.type !== "submit" && el.type !== "button") {
          values[el.name] = el.value;
        }
      });
      return values;
    }
    function save() {
      try {
        ls.setItem(key, JSON.stringify({saved_at: Date.now(), values: snapshot()}));
        if (discard) { discard.classList.remove("d-none"); }
      } catch (e) { /* storage full or refused: the form still works */ }
    }
    function load() {
      try { return JSON.parse(ls.getItem(key) || "null"); } catch (e) { return null; }
    }
    function restore(values) {
      fields().forEach(function (el) {
        if (!(el.name in values)) { return; }
        var value = values[el.name];
        if (el.type === "checkbox") {
          el.checked = Array.isArray(value) ? value.indexOf(el.value) >= 0 : !!value;
        } else {
          el.value = value;
        }
        el.dispatchEvent(new Event("input", {bubbles: true}));
        el.dispatchEvent(new Event("change", {bubbles: true}));
      });
    }

    var kept = load();
    if (kept && kept.values) {
      if (form.getAttribute("data-restore") === "yes") {
        restore(kept.values);
        var note = document.getElementById("draft-restored");
        if (note) { note.classList.remove("d-none"); }
      }
      if (discard) { discard.classList.remove("d-none"); }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    if (discard) {
      discard.addEventListener("click", function () {
        if (T.discard && !window.confirm(T.discard)) { return; }
        ls.removeItem(key);
        window.location.replace(window.location.pathname);
      });
    }
  })();

  /* --- NCD follow-up section ---------------------------------------------- */
  function rowFilled(row) {
    return Array.prototype.some.call(row.querySelectorAll("input"), function (el) { return el.value.trim(); }) ||
      !!row.querySelector(".is-invalid");
  }
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var kind = button.getAttribute("data-add-row");
    var rows = Array.prototype.slice.call(document.querySelectorAll('[data-row="' + kind + '"]'));
    var last = rows.map(rowFilled).lastIndexOf(true);
    var shown = Math.max(kind === "reading" ? 3 : 1, last + 2);   // the rows in use and one empty
    shown = Math.min(rows.length, shown);
    function render() {
      rows.forEach(function (row, n) { row.classList.toggle("d-none", n >= shown); });
      button.classList.toggle("d-none", shown >= rows.length);
    }
    button.addEventListener("click", function () {
      shown = Math.min(rows.length, shown + 1);
      render();
      var first = rows[shown - 1].querySelector("input");
      if (first) { first.focus(); }
    });
    render();
  });
  (function () {
    var kind = document.getElementById("ncd.kind");
    var section = document.getElementById("ncd-section");
    if (!kind) { return; }
    if (kind.value && section) { section.open = true; }   // a restored follow-up shows itself
    function render() {
      document.querySelectorAll("[data-ncd-kind]").forEach(function (group) {
        var mine = group.getAttribute("data-ncd-kind") === kind.value;
        group.classList.toggle("d-none", !mine);
        if (!mine) { group.querySelectorAll("input").forEach(function (el) { el.checked = false; }); }
      });
    }
    kind.addEventListener("change", render);
    render();
  })();
  (function () {
    var referred = document.querySelector('[data-when-outcome="referred"]');
    var radios = document.querySelectorAll('input[name="outcome_code"]');
    if (!referred || !radios.length) { return; }
    function render() {
      var chosen = document.querySelector('input[name="outcome_code"]:checked');
      referred.classList.toggle("d-none", !chosen || chosen.value !== "referred");
    }
    radios.forEach(function (r) { r.addEventListener("change", render); });
    render();
  })();

  /* After a send or a saved draft the case page says which copies to drop. */
  (function () {
    var page = document.querySelector("[data-clear-drafts]");
    var ls = store();
    if (!page || !ls) { return; }
    page.getAttribute("data-clear-drafts").split(" ").forEach(function (key) {
      try { ls.removeItem(key); } catch (e) { /* nothing kept */ }
    });
  })();
})();
