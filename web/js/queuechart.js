// Today's queue as a small SVG line chart (no library: the voter page must stay small).
// Solid line: reported queue; dashed: the expected queue for the rest of the day; a vertical
// line marks now. Colours come from CSS classes (the CSP forbids inline styles).
const NS = 'http://www.w3.org/2000/svg';
const W = 340, H = 150, L = 34, R = 8, T = 10, B = 24;

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// points/forecast: [{at: ms, total}]; hours: [{at: ms, label}] axis ticks.
export function renderQueueChart(svg, { points, forecast, opensMs, closesMs, nowMs, hours, label }) {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const max = Math.max(10, ...points.map((p) => p.total), ...forecast.map((p) => p.total));
  const top = Math.ceil(max / 10) * 10;
  const x = (ms) => L + ((W - L - R) * (ms - opensMs)) / (closesMs - opensMs);
  const y = (v) => H - B - ((H - B - T) * v) / top;
  const kids = [el('title', {}, label)];
  for (const v of [0, top / 2, top]) {
    kids.push(el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
    kids.push(el('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, String(v)));
  }
  for (const h of hours) {
    kids.push(el('text', { x: x(h.at), y: H - 6, 'text-anchor': 'middle', class: 'axis' }, h.label));
  }
  const path = (pts) => pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.total).toFixed(1)}`).join(' ');
  if (forecast.length > 1) kids.push(el('path', { d: path(forecast), class: 'forecast' }));
  if (points.length) {
    kids.push(el('path', { d: path(points), class: 'reported' }));
    for (const p of points) kids.push(el('circle', { cx: x(p.at), cy: y(p.total), r: 3, class: 'dot' }));
  }
  if (nowMs > opensMs && nowMs < closesMs) {
    kids.push(el('line', { x1: x(nowMs), x2: x(nowMs), y1: T, y2: H - B, class: 'now' }));
  }
  svg.replaceChildren(...kids);
}
