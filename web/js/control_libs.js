// The control room's map and chart libraries (Leaflet, Chart.js: about 350 KB) are loaded only
// after login, when first needed, so the login form comes up with none of them. They are classic
// scripts (they set window.L and window.Chart), added as <script> and <link> elements from this
// origin, which the page's CSP allows. The server adds each file's content hash (?v=) to the
// paths below, so a cached library is never mixed with a newer page.
const loads = new Map(); // URL → promise, so each file is requested once

function once(url, start) {
  if (!loads.has(url)) {
    // A failed load (offline) is forgotten, so the next call tries again.
    loads.set(url, start().catch((e) => { loads.delete(url); throw e; }));
  }
  return loads.get(url);
}

function addElement(el, url) {
  return new Promise((resolve, reject) => {
    el.addEventListener('load', resolve, { once: true });
    el.addEventListener('error', () => { el.remove(); reject(new Error(`could not load ${url}`)); }, { once: true });
    document.head.append(el);
  });
}

function loadScript(url) {
  return once(url, () => {
    const s = document.createElement('script');
    s.src = url;
    return addElement(s, url);
  });
}

function loadStyle(url) {
  return once(url, () => {
    const l = document.createElement('link');
    l.rel = 'stylesheet';
    l.href = url;
    return addElement(l, url);
  });
}

// Leaflet and its style sheet; resolves to window.L.
export async function loadMapLibrary() {
  await Promise.all([loadStyle('/vendor/leaflet.css'), loadScript('/vendor/leaflet.js')]);
  return window.L;
}

// Chart.js; resolves to window.Chart.
export async function loadChartLibrary() {
  await loadScript('/vendor/chart.umd.min.js');
  return window.Chart;
}

// Resolves once `el` is shown and comes within `margin` of the screen (at once where
// IntersectionObserver is missing).
export function whenNear(el, margin = '400px') {
  if (!('IntersectionObserver' in window)) return Promise.resolve();
  return new Promise((resolve) => {
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { seen.disconnect(); resolve(); }
    }, { rootMargin: margin });
    seen.observe(el);
  });
}
