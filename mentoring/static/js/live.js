/* Notifications arrive live on every page of a signed-in user: the bell's
 * count goes up and a notice with its link shows under the header, without
 * reloading. On a case page, a notification about that case (a reply, an
 * escalation) fetches the page again and swaps in the new replies and
 * status, so the asker sees the answer arrive.
 *
 * One Socket.IO connection per page: the chat room's (chat.js leaves it in
 * window.mentoringSocket) or one of our own. */
(function () {
  "use strict";
  var bell = document.getElementById("bell-count");
  if (!bell || typeof io === "undefined") { return; }
  var socket = window.mentoringSocket || io({reconnectionDelayMax: 10000});
  window.mentoringSocket = socket;
  var notice = document.getElementById("live-notice");

  function samePage(link) {
    if (!link) { return false; }
    var url = new URL(link, location.href);
    return url.origin === location.origin && url.pathname === location.pathname;
  }

  function refreshCase() {
    fetch(location.pathname, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ['[data-testid="replies"]', '[data-case-page] [data-testid="status"]'].forEach(function (selector) {
          var now = document.querySelector(selector), next = fresh.querySelector(selector);
          if (now && next) { now.replaceWith(document.importNode(next, true)); }
        });
      });
  }

  socket.on("notification", function (note) {
    bell.textContent = String((Number(bell.textContent) || 0) + 1);
    bell.classList.remove("d-none");
    if (notice) {
      var link = document.createElement(note.link ? "a" : "span");
      if (note.link) { link.href = note.link; link.className = "alert-link"; }
      link.textContent = note.text;
      notice.replaceChildren(link);
      notice.classList.remove("d-none");
    }
    if (document.querySelector("[data-case-page]") && samePage(note.link)) { refreshCase(); }
  });
})();
