// Starts the app. A file of its own, not a script inside index.html: the server's
// Content-Security-Policy allows no inline script. scripts/build-web names it by the hash of
// its content and puts the app's hashed JS name in place of './zakupka.js'.
import init from './zakupka.js';
// The app draws into #main beside the frame index.html shows; the frame goes as soon as the
// app's first screen is there, in the same task, before the browser paints again.
const main = document.getElementById('main');
new MutationObserver((_, observer) => {
  const boot = document.getElementById('boot');
  if (boot && main.children.length > 1) boot.remove();
  if (!document.getElementById('boot')) observer.disconnect();
}).observe(main, { childList: true });
init();
// The app shell is cached by a service worker so the app opens with no network.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').catch((e) => console.warn('no offline cache:', e));
}
