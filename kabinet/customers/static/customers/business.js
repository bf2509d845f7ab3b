/* Business pages: buttons marked data-print open the browser's print dialogue (the page has
   print styles). Without this script the button is hidden and the browser's menu prints. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
