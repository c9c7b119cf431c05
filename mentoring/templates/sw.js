/* The service worker (hand-written: three strategies in sixty lines, where
 * Workbox would add a runtime of its own to every phone's first load).
 * - Static files have content-hashed names: cache first, kept for good.
 * - Pages: network first; with no signal, the last copy kept, else /offline
 *   (which lists what waits on the phone to be sent). A page the server marks
 *   no-store is never kept: today that is every signed-in page (health data
 *   stays off a shared phone), so offline the app opens on /offline.
 * - Anything else (POST, the API, Socket.IO) goes to the network untouched:
 *   what waits to be sent waits in localStorage (case drafts, chat outbox). */
"use strict";
var VERSION = {{ version|tojson }};
var SHELL = {{ shell|tojson }};
var OFFLINE = {{ offline|tojson }};
var STATIC_CACHE = "static-" + VERSION;
var PAGE_CACHE = "pages";
var MAX_PAGES = 40;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return cache.addAll(SHELL.concat([OFFLINE]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("static-") === 0 && k !== STATIC_CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  if (event.data === "forget-pages") { event.waitUntil(caches.delete(PAGE_CACHE)); }
  // The offline page speaks the language of the person: fetched again when
  // a page in another language than the kept copy's is shown (js/app.js).
  if (event.data === "refresh-offline") {
    event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) { return cache.add(OFFLINE); }));
  }
});

function keepPage(request, response) {
  var cc = response.headers.get("Cache-Control") || "";
  if (!response.ok || response.redirected || /no-store/.test(cc)) { return; }
  var copy = response.clone();
  caches.open(PAGE_CACHE).then(function (cache) {
    return cache.put(request, copy).then(function () { return cache.keys(); });
  }).then(function (keys) {
    if (keys.length > MAX_PAGES) { caches.open(PAGE_CACHE).then(function (c) { c.delete(keys[0]); }); }
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok && /immutable/.test(response.headers.get("Cache-Control") || "")) {
          var copy = response.clone();
          caches.open(STATIC_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      keepPage(request, response);
      return response;
    }).catch(function () {
      return caches.match(request, {cacheName: PAGE_CACHE}).then(function (hit) {
        return hit || caches.match(OFFLINE);
      });
    }));
  }
});
