// The offline service worker. build/offline.ts compiles this file into the
// build's sw.js, with the list of files it wrote, and calls
// installOfflineWorker(self, manifest) there; nothing else imports it at run
// time. It keeps one cache per build:
// - install: every file of the build goes into a cache named after a hash of
//   them (a new build, a new cache); a file that cannot be fetched fails the
//   install, and the previous worker stays in charge;
// - activate: caches of earlier builds are deleted, and open pages are taken
//   over (on a first visit, so the rest of the session is cached too);
// - fetch: a file of the build comes from the cache (the network only if the
//   cache lost it); a page load goes to the network first, so an update is
//   seen as soon as it is online, and to the cache when offline;
// - anything else (another origin, a method other than GET, a URL not in the
//   build) is not touched: the browser handles it as if there were no worker.
// Kept free of DOM globals: a scope is passed in, so the unit test runs it in
// Node with a fake one.

/** Every cache this worker makes is named with this prefix; the plugin appends the build's hash. */
export const CACHE_PREFIX = 'hdr-studio-offline-';

/** The page itself: index.html is kept under the scope's URL (the address that is opened; a host may redirect /index.html there). */
export const INDEX_FILE = 'index.html';

/** What the build tells the worker: its cache and the files to keep, relative to the worker's own URL. */
export interface OfflineManifest {
  cache: string;
  files: string[];
}

interface ExtendableEvent {
  waitUntil(done: Promise<unknown>): void;
}

interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}

/** The parts of ServiceWorkerGlobalScope this worker uses. */
export interface WorkerScope {
  readonly location: { readonly href: string };
  readonly caches: CacheStorage;
  readonly clients: { claim(): Promise<void> };
  fetch(request: Request): Promise<Response>;
  addEventListener(type: 'install' | 'activate', listener: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchEvent) => void): void;
}

/** The URL a build file is kept under: index.html under the scope's own URL, the others as they are. */
export function cacheUrl(file: string, workerUrl: string): string {
  return new URL(file === INDEX_FILE ? './' : file, workerUrl).href;
}

// Static files whose responses may say `Vary: Origin` (CORS middleware): a
// module script's request carries Origin and the precache request does not.
const exact: CacheQueryOptions = { ignoreVary: true };

export function installOfflineWorker(scope: WorkerScope, manifest: OfflineManifest): void {
  const here = scope.location.href;
  const origin = new URL(here).origin;
  const urls = new Set(manifest.files.map((f) => cacheUrl(f, here)));
  const index = cacheUrl(INDEX_FILE, here);
  const open = () => scope.caches.open(manifest.cache);

  async function precache(): Promise<void> {
    const cache = await open();
    await Promise.all(
      [...urls].map(async (url) => {
        // 'reload': the files as the server has them now, not the HTTP cache's copies of an older build.
        const response = await scope.fetch(new Request(url, { cache: 'reload' }));
        if (!response.ok) throw new Error(`offline cache: ${url} answered ${response.status}`);
        // A redirected response may not answer a navigation: keep its body and headers only.
        await cache.put(url, response.redirected ? new Response(await response.blob(), response) : response);
      }),
    );
  }

  async function dropOlder(): Promise<void> {
    const names = await scope.caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== manifest.cache).map((n) => scope.caches.delete(n)));
  }

  async function cacheFirst(request: Request): Promise<Response> {
    return (await (await open()).match(request, exact)) ?? scope.fetch(request);
  }

  async function networkFirst(request: Request): Promise<Response> {
    try {
      return await scope.fetch(request);
    } catch (offline) {
      const cache = await open();
      const kept = (await cache.match(request, exact)) ?? (await cache.match(index, exact));
      if (!kept) throw offline;
      return kept;
    }
  }

  scope.addEventListener('install', (e) => e.waitUntil(precache()));
  scope.addEventListener('activate', (e) => e.waitUntil(dropOlder().then(() => scope.clients.claim())));
  scope.addEventListener('fetch', (e) => {
    const { request } = e;
    if (request.method !== 'GET') return;
    const url = new URL(request.url);
    if (url.origin !== origin) return;
    if (request.mode === 'navigate') e.respondWith(networkFirst(request));
    else if (urls.has(url.href)) e.respondWith(cacheFirst(request));
  });
}
