/* Small behaviours shared by every page, kept out of the HTML so the Content-Security-Policy can forbid
   inline script. Each is a progressive enhancement: the pages work without it. */
(function () {
  "use strict";

  // <button data-print>: print the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // <button data-locate data-lat="#id" data-lng="#id" data-status="#id" data-found="…" data-failed="…">: the
  // browser's position into the form's hidden fields (a patrol report); the grid stays the reporter's own.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-locate]");
    if (!button || !navigator.geolocation) return;
    var status = document.querySelector(button.getAttribute("data-status"));
    navigator.geolocation.getCurrentPosition(function (position) {
      document.querySelector(button.getAttribute("data-lat")).value = position.coords.latitude.toFixed(6);
      document.querySelector(button.getAttribute("data-lng")).value = position.coords.longitude.toFixed(6);
      if (status) status.textContent = button.getAttribute("data-found");
    }, function () {
      if (status) status.textContent = button.getAttribute("data-failed");
    }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
  });

  // <select data-clear-after-request="id id…" data-clear-label="…">: once htmx has reloaded the next list,
  // the lists after it no longer match and go back to their empty choice.
  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail && event.detail.elt;
    var targetIds = source && source.getAttribute && source.getAttribute("data-clear-after-request");
    (targetIds || "").split(/\s+/).forEach(function (targetId) {
      var target = targetId && document.getElementById(targetId);
      if (target) {
        target.replaceChildren(new Option(source.getAttribute("data-clear-label") || "", ""));
      }
    });
  });
})();
