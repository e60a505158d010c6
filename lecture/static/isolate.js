// Cross-origin isolation where the server cannot set headers (a static course site): a
// service worker adds COOP/COEP to every response of this folder, then the page reloads once.
// `npm run lecture` sets the headers itself, so there this does nothing.
(function () {
  if (self.crossOriginIsolated || !('serviceWorker' in navigator) || !window.isSecureContext) return;
  if (sessionStorage.getItem('minitorch-isolating') === '1') return; // tried once: run without threads
  navigator.serviceWorker.register('isolate-sw.js').then(
    function (registration) {
      sessionStorage.setItem('minitorch-isolating', '1');
      if (registration.active && !navigator.serviceWorker.controller) location.reload();
      else
        navigator.serviceWorker.addEventListener('controllerchange', function () {
          location.reload();
        });
    },
    function (error) {
      console.warn('lecture demos: no service worker (' + error + '): running without threads');
    },
  );
})();
