/* Every page: install the service worker (the app opens with no signal),
 * say plainly when the phone is offline and what waits on it to be sent,
 * and forget the kept pages at log-out (a shared phone). No library. */
(function () {
  "use strict";
  var node = document.getElementById("app-i18n");
  var T = node ? JSON.parse(node.textContent) : {};
  var banner = document.getElementById("net-banner");
  var text = document.getElementById("net-banner-text");

  function fmt(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  /* What the phone holds for the server: chat messages in the outbox
   * (sent by themselves when the signal returns) and case drafts. */
  function waiting() {
    var chat = 0, drafts = 0, ls;
    try { ls = window.localStorage; } catch (e) { return {chat: 0, drafts: 0}; }
    if (!ls) { return {chat: 0, drafts: 0}; }
    for (var i = 0; i < ls.length; i++) {
      var key = ls.key(i);
      if (key.indexOf("mentoring.chat.outbox.") === 0) {
        try { chat += (JSON.parse(ls.getItem(key)) || []).length; } catch (e) { /* a damaged entry counts nothing */ }
      } else if (key.indexOf("mentoring.cases.draft.") === 0) {
        drafts += 1;
      }
    }
    return {chat: chat, drafts: drafts};
  }

  function describeWaiting() {
    var w = waiting(), parts = [];
    if (w.chat) { parts.push(fmt(T.chat_messages, {n: w.chat})); }
    if (w.drafts) { parts.push(fmt(T.case_drafts, {n: w.drafts})); }
    return parts.length ? fmt(T.waiting, {what: parts.join(", ")}) : "";
  }

  /* The offline page lists, word for word, what the phone holds for the
   * server: each chat message in an outbox and each case draft. */
  function listWaiting(list) {
    var ls;
    try { ls = window.localStorage; } catch (e) { return; }
    if (!ls) { return; }
    var items = [];
    for (var i = 0; i < ls.length; i++) {
      var key = ls.key(i), value;
      try { value = JSON.parse(ls.getItem(key)); } catch (e) { continue; }
      if (key.indexOf("mentoring.chat.outbox.") === 0 && Array.isArray(value)) {
        value.forEach(function (m) { items.push(fmt(T.item_chat, {text: String(m.body || "").slice(0, 80)})); });
      } else if (key.indexOf("mentoring.cases.draft.") === 0 && value && value.values) {
        items.push(fmt(T.item_case, {text: String(value.values.complaint || value.values.question || "").slice(0, 80)}));
      }
    }
    list.replaceChildren.apply(list, items.map(function (text) {
      var li = document.createElement("li");
      li.className = "list-group-item";
      li.textContent = text;
      return li;
    }));
    var none = document.getElementById("waiting-none");
    if (none) { none.hidden = items.length > 0; }
  }
  var waitingList = document.getElementById("waiting-list");
  if (waitingList) { listWaiting(waitingList); }

  var hideTimer = null;
  function show(online) {
    if (!banner) { return; }
    window.clearTimeout(hideTimer);
    if (online) {
      if (banner.hidden) { return; }
      banner.classList.add("online");
      text.textContent = T.back_online;
      hideTimer = window.setTimeout(function () { banner.hidden = true; }, 4000);
      return;
    }
    banner.classList.remove("online");
    text.textContent = [T.offline, describeWaiting()].filter(Boolean).join(" ");
    banner.hidden = false;
  }
  window.addEventListener("offline", function () { show(false); });
  window.addEventListener("online", function () { show(true); });
  if (navigator.onLine === false) { show(false); }
  window.mentoringNetBanner = {refresh: function () { if (navigator.onLine === false) { show(false); } }};

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () { /* the app works without it */ });
    });
    /* The kept offline page is in the language it was fetched in: when this
     * page is in another (the person switched), ask for a fresh copy. */
    navigator.serviceWorker.ready.then(function (registration) {
      var lang = document.documentElement.lang, key = "mentoring.offline.lang", ls;
      try { ls = window.localStorage; } catch (e) { return; }
      if (!ls || !registration.active || navigator.onLine === false || ls.getItem(key) === lang) { return; }
      registration.active.postMessage("refresh-offline");
      ls.setItem(key, lang);
    });
  }

  document.querySelectorAll('form[action$="/logout"]').forEach(function (form) {
    form.addEventListener("submit", function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("forget-pages");
      }
      if (window.caches) { window.caches.delete("pages"); }
    });
  });
})();
