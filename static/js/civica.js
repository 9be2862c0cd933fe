// Civica site script: progressive enhancement only; every page must work
// without it. CSP-safe (script-src 'self'): no eval, no inline handlers,
// no injected <style>.
//
// Load with `defer` BEFORE bootstrap-italia.bundle.min.js (also `defer`, so
// document order is execution order):
//   <script src="/static/js/civica.js" defer></script>
//   <script src="/static/vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.js" defer></script>
(function () {
  'use strict';

  // The video.js copy inside the Bootstrap Italia bundle injects a <style>
  // element when the bundle loads, which our CSP (style-src 'self') blocks
  // and reports. This documented video.js switch turns that off.
  window.VIDEOJS_NO_DYNAMIC_STYLE = true;

  // Mark the document so CSS can tell JavaScript is running (.js selector).
  function markJS() {
    document.documentElement.classList.add('js');
  }

  markJS();
})();
