/* The address cascade of “Add a personal account” (customers/accounts.py): each select fills
   the next one from the address_options endpoint, so the “Next” button is not needed. Without
   this script the form still works step by step. */
(function () {
  "use strict";
  var form = document.getElementById("address-form");
  var final = document.getElementById("account-final");
  if (!form || !final || !window.fetch) { return; }
  var levels = ["branch", "settlement", "street", "building", "apartment"];
  var url = form.getAttribute("data-options-url");
  var placeholder = form.getAttribute("data-placeholder");
  var nextButtons = form.querySelectorAll(".js-next");

  function showNext(show) {
    for (var i = 0; i < nextButtons.length; i++) { nextButtons[i].hidden = !show; }
  }
  function wrapper(level) { return form.querySelector('[data-level="' + level + '"]'); }
  function select(level) { return form.elements[level]; }

  function finish(complete) {
    levels.forEach(function (level) {
      final.elements[level].value = complete ? select(level).value : "";
    });
    final.hidden = !complete;
    if (complete) { final.elements.number.focus(); }
  }

  function clearAfter(index) {
    for (var i = index + 1; i < levels.length; i++) {
      select(levels[i]).innerHTML = "";
      wrapper(levels[i]).hidden = true;
    }
    finish(false);
  }

  function fill(index, items) {
    var next = select(levels[index + 1]);
    next.appendChild(new Option(placeholder, ""));
    items.forEach(function (item) { next.appendChild(new Option(item.name, String(item.id))); });
    wrapper(levels[index + 1]).hidden = false;
  }

  function changed(index) {
    clearAfter(index);
    var value = select(levels[index]).value;
    if (!value) { return; }
    if (levels[index] === "apartment") { finish(true); return; }
    var query = "?level=" + levels[index] + "&id=" + encodeURIComponent(value);
    fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (items) {
        if (levels[index] === "building" && items.length === 0) { finish(true); return; }
        fill(index, items);
      })
      .catch(function () { showNext(true); });  // fall back to the step-by-step form
  }

  levels.forEach(function (level, index) {
    select(level).addEventListener("change", function () { changed(index); });
  });
  showNext(false);
})();
