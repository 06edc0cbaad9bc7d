// The offline worker's rules, run in Node on a fake scope: an in-memory
// CacheStorage and a network that is either up (a map of files) or down.
import { describe, expect, it } from 'vitest';
import { CACHE_PREFIX, installOfflineWorker, type OfflineManifest, type WorkerScope } from './sw';

const ORIGIN = 'https://hdr.example';
const WORKER = `${ORIGIN}/sw.js`;

class FakeCache {
  readonly entries = new Map<string, Response>();
  async match(request: RequestInfo | URL): Promise<Response | undefined> {
    const url = request instanceof Request ? request.url : String(request);
    return this.entries.get(url)?.clone();
  }
  async put(request: RequestInfo | URL, response: Response): Promise<void> {
    this.entries.set(request instanceof Request ? request.url : String(request), response);
  }
}

class FakeCaches {
  readonly stores = new Map<string, FakeCache>();
  async open(name: string) {
    if (!this.stores.has(name)) this.stores.set(name, new FakeCache());
    return this.stores.get(name)!;
  }
  async keys() {
    return [...this.stores.keys()];
  }
  async delete(name: string) {
    return this.stores.delete(name);
  }
}

type Listener = (e: { request?: Request; waitUntil(p: Promise<unknown>): void; respondWith(r: Promise<Response>): void }) => void;

function setup(site: Record<string, string>, manifest: OfflineManifest) {
  const caches = new FakeCaches();
  const listeners = new Map<string, Listener>();
  const net = { online: true, requests: [] as Request[] };
  let claimed = 0;
  const scope = {
    location: { href: WORKER },
    caches: caches as unknown as CacheStorage,
    clients: { claim: async () => void claimed++ },
    async fetch(request: Request) {
      net.requests.push(request);
      if (!net.online) throw new TypeError('Failed to fetch');
      const path = new URL(request.url).pathname;
      return path in site ? new Response(site[path], { headers: { 'content-type': 'text/plain', vary: 'Origin' } }) : new Response('not found', { status: 404 });
    },
    addEventListener: (type: string, listener: Listener) => void listeners.set(type, listener),
  } as unknown as WorkerScope;
  installOfflineWorker(scope, manifest);

  /** Runs a lifecycle event to its end. */
  const lifecycle = async (type: 'install' | 'activate') => {
    let done: Promise<unknown> = Promise.resolve();
    listeners.get(type)!({ waitUntil: (p) => (done = p), respondWith: () => {} });
    await done;
  };
  /** A fetch event: the worker's answer, or null when it leaves the request alone. */
  const request = async (url: string, init: RequestInit & { navigate?: boolean } = {}) => {
    const req = new Request(url, init);
    if (init.navigate) Object.defineProperty(req, 'mode', { value: 'navigate' });
    let answer: Promise<Response> | null = null;
    listeners.get('fetch')!({ request: req, waitUntil: () => {}, respondWith: (r) => (answer = r) });
    return answer === null ? null : ((await answer) as Response);
  };
  return { caches, net, lifecycle, request, claimed: () => claimed };
}

const SITE = {
  '/': '<!doctype html>app',
  '/index.html': '<!doctype html>app',
  '/assets/index-abc.js': 'js',
  '/assets/libraw-def.wasm': 'wasm',
  '/sample/manifest.json': '{}',
  '/unlisted.txt': 'not in the build',
};
const MANIFEST: OfflineManifest = { cache: `${CACHE_PREFIX}0123456789ab`, files: ['assets/index-abc.js', 'assets/libraw-def.wasm', 'index.html', 'sample/manifest.json'] };

describe('offline service worker', () => {
  it('install keeps every file of the build, index.html under the page address, fetched past the HTTP cache', async () => {
    const w = setup(SITE, MANIFEST);
    await w.lifecycle('install');
    const cache = w.caches.stores.get(MANIFEST.cache)!;
    expect([...cache.entries.keys()].sort()).toEqual([`${ORIGIN}/`, `${ORIGIN}/assets/index-abc.js`, `${ORIGIN}/assets/libraw-def.wasm`, `${ORIGIN}/sample/manifest.json`]);
    expect(w.net.requests.every((r) => r.cache === 'reload')).toBe(true);
  });

  it('a file the server does not have fails the install', async () => {
    const w = setup(SITE, { ...MANIFEST, files: [...MANIFEST.files, 'assets/gone.js'] });
    await expect(w.lifecycle('install')).rejects.toThrow(/gone\.js answered 404/);
  });

  it('activate deletes earlier builds’ caches, keeps other caches of the origin, and takes over open pages', async () => {
    const w = setup(SITE, MANIFEST);
    await w.caches.open(`${CACHE_PREFIX}olderbuild00`);
    await w.caches.open('someone-else');
    await w.lifecycle('install');
    await w.lifecycle('activate');
    expect((await w.caches.keys()).sort()).toEqual([MANIFEST.cache, 'someone-else'].sort());
    expect(w.claimed()).toBe(1);
  });

  it('files of the build come from the cache, without the network', async () => {
    const w = setup(SITE, MANIFEST);
    await w.lifecycle('install');
    w.net.online = false;
    w.net.requests.length = 0;
    expect(await (await w.request(`${ORIGIN}/assets/libraw-def.wasm`))!.text()).toBe('wasm');
    expect(await (await w.request(`${ORIGIN}/sample/manifest.json`))!.text()).toBe('{}');
    expect(w.net.requests).toEqual([]);
  });

  it('leaves alone other origins, other methods and URLs outside the build', async () => {
    const w = setup(SITE, MANIFEST);
    await w.lifecycle('install');
    expect(await w.request('https://elsewhere.example/assets/index-abc.js')).toBeNull();
    expect(await w.request(`${ORIGIN}/assets/index-abc.js`, { method: 'POST', body: 'x' })).toBeNull();
    expect(await w.request(`${ORIGIN}/unlisted.txt`)).toBeNull();
    expect(await w.request(`${ORIGIN}/assets/index-abc.js?v=2`)).toBeNull();
  });

  it('a page load goes to the network first, and to the page kept at install when offline', async () => {
    const site: Record<string, string> = { ...SITE };
    const w = setup(site, MANIFEST);
    await w.lifecycle('install');
    // The server has a newer build now: online, it is what opens; the kept page stays the one installed with its files.
    site['/'] = '<!doctype html>newer build';
    expect(await (await w.request(`${ORIGIN}/?sample=0`, { navigate: true }))!.text()).toBe('<!doctype html>newer build');
    w.net.online = false;
    expect(await (await w.request(`${ORIGIN}/?sample=0`, { navigate: true }))!.text()).toBe('<!doctype html>app');
    expect(await (await w.request(`${ORIGIN}/index.html`, { navigate: true }))!.text()).toBe('<!doctype html>app');
    // A kept file opened as a page is itself.
    expect(await (await w.request(`${ORIGIN}/sample/manifest.json`, { navigate: true }))!.text()).toBe('{}');
  });

  it('offline with nothing kept, a page load fails as it would without the worker', async () => {
    const w = setup(SITE, MANIFEST);
    w.net.online = false;
    await expect(w.request(`${ORIGIN}/`, { navigate: true })).rejects.toThrow('Failed to fetch');
  });
});
