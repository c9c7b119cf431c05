// Facility form: when the province changes, load its communes into the
// commune select (a few KB of JSON; the form still works without this).
(function () {
  "use strict";
  var form = document.getElementById("facility-form");
  if (!form) return;
  var province = form.querySelector("#province_code");
  var commune = form.querySelector("#commune_code");
  province.addEventListener("change", function () {
    var blank = commune.options[0];
    commune.replaceChildren(blank);
    if (!province.value) return;
    fetch(form.dataset.communesUrl + "?province=" + encodeURIComponent(province.value),
          {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) {
        data.items.forEach(function (c) {
          var option = document.createElement("option");
          option.value = c.code;
          option.textContent = c.name;
          commune.appendChild(option);
        });
      });
  });
})();
