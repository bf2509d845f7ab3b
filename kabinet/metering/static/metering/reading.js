// Shows the consumption a typed reading implies against the previous one, before saving.
// Progressive enhancement only: the server checks every rule again.
(function () {
  "use strict";
  var form = document.querySelector(".reading-form");
  if (!form) return;
  var out = form.querySelector(".consumption");
  var inputs = form.querySelectorAll("input.register[data-previous]");
  if (!out || !inputs.length) return;
  function update() {
    var total = 0, shown = false, rolled = false;
    inputs.forEach(function (input) {
      var text = input.value.trim().replace(",", ".");
      if (!/^\d+(\.\d+)?$/.test(text)) return;
      var value = parseFloat(text), previous = parseFloat(input.dataset.previous);
      var diff = value - previous;
      if (diff < 0) { diff += Math.pow(10, parseInt(input.dataset.digits, 10)); rolled = true; }
      total += diff; shown = true;
    });
    out.hidden = !shown;
    if (shown) {
      out.textContent = out.dataset.label + ": " + (Math.round(total * 1000) / 1000).toLocaleString(document.documentElement.lang) + " " + out.dataset.unit + (rolled ? " (↻)" : "");
    }
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
