// Offline reading for citizens on a weak signal: the catalogue and "my dossiers" pages they have
// opened stay readable without a connection. Nothing is ever queued: a form sent while offline
// fails visibly (the browser's own error or the offline page), never silently later.
const VERSION = "v2";
const PAGES = "pages-" + VERSION;
const ASSETS = "assets-" + VERSION;
const OFFLINE = "/ngoai-tuyen";
const READABLE = [/^\/$/, /^\/thu-tuc(\/[^/]+)?$/, /^\/ho-so\/$/, /^\/ho-so\/\d+$/, /^\/ho-so\/tra-cuu$/];

// The first pages are kept without the session cookie: a background request carrying the cookie
// gets it back refreshed as it was when the request started, and could overwrite a change made
// meanwhile (the state of a VNeID sign-in begun while the worker installs).
const FIRST_PAGES = [OFFLINE, "/", "/thu-tuc"].map((url) => new Request(url, {credentials: "omit"}));

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(PAGES).then((cache) => cache.addAll(FIRST_PAGES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((key) => key !== PAGES && key !== ASSETS).map((key) => caches.delete(key))
  )).then(() => self.clients.claim()));
});

function storable(response) {
  const control = response.headers.get("Cache-Control") || "";
  return response.ok && response.type === "basic" && !control.includes("no-store");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;  // sending is never intercepted, so never queued
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request).then((response) => {
      if (storable(response)) {
        const copy = response.clone();
        caches.open(ASSETS).then((cache) => cache.put(request, copy));
      }
      return response;
    })));
    return;
  }
  if (request.mode !== "navigate") {
    return;
  }
  const readable = READABLE.some((pattern) => pattern.test(url.pathname));
  event.respondWith(fetch(request).then((response) => {
    if (readable && storable(response)) {
      const copy = response.clone();
      caches.open(PAGES).then((cache) => cache.put(request, copy));
    }
    return response;
  }).catch(() => caches.match(request).then((hit) => hit || caches.match(OFFLINE))));
});
