// ICD-10 autocomplete for the diagnosis field: suggestions for the last
// comma-separated term, from /cases/icd10?q=. No library; works offline.
(function () {
  var input = document.getElementById("icd10");
  var list = document.getElementById("icd10-options");
  if (!input || !list) return;
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var parts = input.value.split(",");
      var term = parts[parts.length - 1].trim();
      if (term.length < 2) return;
      var prefix = parts.slice(0, -1).map(function (p) { return p.trim(); }).filter(Boolean);
      fetch(input.dataset.icdUrl + "?q=" + encodeURIComponent(term), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (data) {
          list.innerHTML = "";
          data.items.forEach(function (item) {
            var option = document.createElement("option");
            option.value = prefix.concat([item.code]).join(", ");
            option.label = item.code + " " + item.description;
            option.textContent = item.code + " " + item.description;
            list.appendChild(option);
          });
        });
    }, 250);
  });
})();
