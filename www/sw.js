// The service worker: after a first visit, the page works with the network off.
//
// What it keeps, in two Cache Storage caches named after their contents (the build's post_build
// hook, sw_manifest.mjs, hashes the built files and writes MANIFEST below):
// - the app (index.html, the JS, wasm and CSS Trunk emits, the lane workers): copied when this
//   service worker installs, so the copy is this build's, whole;
// - MNIST: put there by the lanes' workers once they have checked the files (never a broken
//   download), so the first visit downloads it once, and the next visit not at all.
//
// Why names from a hash of the built files, and not "cache what is fetched": the worker scripts
// (worker.js, worker_bg.wasm…) keep their names from build to build, so only a name that changes
// with the contents tells an old copy from a new one. A new build gives a new sw.js (its
// MANIFEST changed); the browser installs it at the next visit, and its activation deletes the
// caches of older builds. MNIST keeps its cache across builds while the files are the same.
//
// How it answers:
// - the app: from the network first (online, a page is always the latest build, and
//   `trunk serve` development is not served stale copies), from the cache when the network
//   fails or has not answered within NETWORK_WAIT_MS;
// - MNIST: from the cache first (the same URLs mean the same bytes within a cache).
const MANIFEST = /* written by sw_manifest.mjs */ null;

const NETWORK_WAIT_MS = 4000;
// Cache names carry the service worker's scope: two copies of the page under different paths of
// one origin (e.g. two GitHub Pages projects) keep separate caches.
const SCOPE = new URL(self.registration.scope).pathname;
const SHELL_CACHE = MANIFEST && `${MANIFEST.shellCache}@${SCOPE}`;
const MNIST_CACHE = MANIFEST && `${MANIFEST.mnistCache}@${SCOPE}`;
const OURS = /^activation-race-(shell|mnist)-[0-9a-f]+@/;

self.addEventListener("install", (event) => {
  if (!MANIFEST) return; // not a build (sw.js straight from www/): nothing to keep
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // "reload": this build's files from the server, not older ones from the HTTP cache.
    await cache.addAll(MANIFEST.shell.map((url) => new Request(url, { cache: "reload" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (OURS.test(name) && name.endsWith(`@${SCOPE}`) && name !== SHELL_CACHE && name !== MNIST_CACHE) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!MANIFEST || request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  const file = url.pathname.slice(SCOPE.length);
  if (MANIFEST.mnist.includes(file)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" || MANIFEST.shell.includes(file)) {
    // Any address of the page (its settings are in the query) is the page.
    const key = request.mode === "navigate" ? "./" : file;
    event.respondWith(networkFirst(request, key));
  }
});

async function cacheFirst(request) {
  const cached = await (await caches.open(MNIST_CACHE)).match(request);
  return cached || fetch(request);
}

async function networkFirst(request, key) {
  const cache = await caches.open(SHELL_CACHE);
  const network = fetch(request);
  network.catch(() => {}); // answered from the cache instead: not an error
  const cached = await cache.match(key);
  if (!cached) return network;
  // A link that is up but hangs ("lie-fi") waits NETWORK_WAIT_MS, then gets the copy.
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(cached), NETWORK_WAIT_MS); });
  try {
    return await Promise.race([network, late]);
  } catch {
    return cached;
  } finally {
    clearTimeout(timer);
  }
}
