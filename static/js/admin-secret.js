/* Admin, "API key issued" page: a click selects the secret for copying
   (was an inline onclick; the Content-Security-Policy allows none). */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-select-on-click]")) ev.target.select();
  });
})();
