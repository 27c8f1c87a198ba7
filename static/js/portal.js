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

  // <select data-clear-after-request="id" data-clear-label="…">: once htmx has reloaded the next list,
  // the list after it no longer matches and goes back to its empty choice.
  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail && event.detail.elt;
    var targetId = source && source.getAttribute && source.getAttribute("data-clear-after-request");
    var target = targetId && document.getElementById(targetId);
    if (target) {
      target.replaceChildren(new Option(source.getAttribute("data-clear-label") || "", ""));
    }
  });
})();
