// Talks to the psm API. Errors become ApiError carrying the problem+json `detail`, which is a
// sentence meant for people and is shown as is.

export class ApiError extends Error {
  constructor(status, detail, reason) {
    super(detail);
    this.status = status;   // HTTP status, or 0 when the network failed
    this.reason = reason;   // the problem type's last word, e.g. "turnout_decreased"
  }
}

async function problemOf(res) {
  let detail = `${res.status} ${res.statusText}`;
  let reason = '';
  try {
    const p = await res.json();
    if (p && typeof p.detail === 'string') detail = p.detail;
    if (p && typeof p.type === 'string') reason = p.type.split('/').pop();
  } catch { /* not JSON: keep the status line */ }
  return new ApiError(res.status, detail, reason);
}

// Sends a request and returns { status, body } (body parsed as JSON when there is one).
// Throws ApiError(0, …) when the network fails and ApiError(status, detail) for 4xx/5xx.
export async function api(method, path, { body, token, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method, headers, signal, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'network');
  }
  if (!res.ok) throw await problemOf(res);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const get = (path, opts) => api('GET', path, opts).then((r) => r.body);

// The server's polling-day clock may run ahead of (or faster than) this device's clock in
// demos, and a phone's clock may simply be wrong: remember the difference seen in the last
// `GET /district` and use it for "now" everywhere (observed_at, "6 min ago").
let clockOffsetMs = 0;
try { clockOffsetMs = Number(localStorage.getItem('psm.clockOffset')) || 0; } catch { /* storage disabled */ }
export function noteServerNow(iso, requestStartedAt = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return;
  clockOffsetMs = t - Math.round((requestStartedAt + Date.now()) / 2);
  try { localStorage.setItem('psm.clockOffset', String(clockOffsetMs)); } catch { /* full */ }
}
export const serverNow = () => Date.now() + clockOffsetMs;

export async function getDistrict() {
  const started = Date.now();
  const d = await get('/api/v1/district');
  if (d && d.now) noteServerNow(d.now, started);
  return d;
}
