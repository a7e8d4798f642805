/* Admin, "secret shown once" page: the secret in monospace, selected on click for copying
   (was an inline onclick and style attribute; the Content-Security-Policy allows neither,
   while styles set through the DOM are fine). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-secret]").forEach(function (input) {
      input.style.fontFamily = "monospace";
      input.addEventListener("click", function () { input.select(); });
    });
  });
})();
