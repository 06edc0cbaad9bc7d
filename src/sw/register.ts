// Offline use: a production build registers the service worker its build
// wrote (sw.js, see build/offline.ts and ./sw.ts) once the page has loaded.
// Only on secure pages (https, localhost), where browsers allow one. Nothing
// here may break the app: without the worker it simply needs the network.

const log = (what: string, err: unknown) => console.warn(`Offline mode: ${what}:`, err);

export function registerOfflineWorker(): void {
  try {
    if (!('serviceWorker' in navigator)) return;
    const script = new URL(`${import.meta.env.BASE_URL}sw.js`, location.href).href;
    if (import.meta.env.DEV) {
      // The dev server has no sw.js; drop this app's worker if a production
      // build served on the same address left one (`npm start` uses the dev server's port).
      void navigator.serviceWorker.getRegistrations().then(
        (all) => all.filter((r) => (r.active ?? r.waiting ?? r.installing)?.scriptURL === script).forEach((r) => void r.unregister()),
        (err: unknown) => log('could not list workers', err),
      );
      return;
    }
    if (!import.meta.env.PROD || !window.isSecureContext) return;
    const register = () => navigator.serviceWorker.register(script).catch((err: unknown) => log('the service worker could not be registered', err));
    // After the load, so precaching does not compete with the first picture's files.
    if (document.readyState === 'complete') void register();
    else window.addEventListener('load', () => void register(), { once: true });
  } catch (err) {
    log('unavailable', err);
  }
}
