// Control room: every station in a sortable, filterable table and on a map, alerts, district and
// constituency totals, turnout by slot, CSV exports. Kept live by SSE all day.
import { api, ApiError, get, getDistrict, serverNow } from './api.js';
import { minutesSince, num } from './format.js';
import { connectLive } from './live.js';
import { StationMap, waitClass } from './control_map.js';
import { AlertsPanel } from './control_alerts.js';
import { TurnoutView } from './control_turnout.js';
import { loadChartLibrary, loadMapLibrary, whenNear } from './control_libs.js';

const $ = (id) => document.getElementById(id);
const SESSION_KEY = 'psm.control'; // sessionStorage, never a cookie
const STALE_MIN = 30;
const STATE_TEXT = { not_started: 'Not started', open: 'Open', interrupted: 'Interrupted', closed: 'Closed' };

let session = null;
const stations = new Map(); // id → Station
let sortKey = 'id';
let sortDir = 'asc';
let map = null;
let alerts = null;
let turnout = null;
let live = null;

const token = () => session && session.token;

// --- login -----------------------------------------------------------------------------------
$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('login-msg').textContent = '';
  try {
    const { body } = await api('POST', '/api/v1/sessions', { body: { user: $('user').value.trim(), password: $('password').value } });
    if (body.role !== 'admin' && body.role !== 'sector') throw new Error('This page is for control-room users (admin or sector officer).');
    session = { token: body.token, role: body.role, user: body.user || $('user').value.trim(), expires_at: body.expires_at };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    $('password').value = '';
    enter();
  } catch (e) {
    $('login-msg').textContent = e instanceof ApiError && e.status === 0 ? 'No connection to the server.' : e.message;
  }
});

$('logout').addEventListener('click', () => {
  const t = token();
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
  if (t) api('DELETE', '/api/v1/sessions/current', { token: t }).catch(() => {});
  location.reload();
});

// --- table -----------------------------------------------------------------------------------
// Largest first for wait/queue/turnout, longest silence first for last_report; unknown last.
function sortValue(s, key, now) {
  const st = s.status;
  switch (key) {
    case 'wait': return st.wait_minutes ? st.wait_minutes.high : null;
    case 'queue': return st.queue ? st.queue.total : null;
    case 'turnout': return st.turnout_pct;
    case 'last_report': return st.reported_at ? minutesSince(st.reported_at, now) : Infinity;
    default: return null;
  }
}
const byId = (a, b) => a.ac - b.ac || a.part - b.part;

function visibleStations() {
  const ac = $('filter-ac').value;
  const q = $('search').value.trim().toLowerCase();
  const now = serverNow();
  const list = [...stations.values()].filter((s) => (!ac || String(s.ac) === ac) &&
    (!q || s.id === q || `${s.name} ${s.building} ${s.locality}`.toLowerCase().includes(q)));
  if (sortKey === 'id') return list.sort((a, b) => (sortDir === 'asc' ? byId(a, b) : byId(b, a)));
  return list.sort((a, b) => {
    const va = sortValue(a, sortKey, now);
    const vb = sortValue(b, sortKey, now);
    if (va === null && vb === null) return byId(a, b);
    if (va === null) return 1;
    if (vb === null) return -1;
    return (sortDir === 'desc' ? vb - va : va - vb) || byId(a, b);
  });
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

let renderQueued = false;
function renderTable() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; drawTable(); });
}

function drawTable() {
  const now = serverNow();
  const list = visibleStations();
  $('stations').tBodies[0].replaceChildren(...list.map((s) => {
    const st = s.status;
    const tr = document.createElement('tr');
    tr.dataset.id = s.id;
    tr.className = `w-${waitClass(st)}-row`;
    const mins = minutesSince(st.reported_at, now);
    const stale = st.stale || (mins !== null && mins >= STALE_MIN && st.state !== 'closed');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = s.id;
    tr.append(th, cell(s.name), cell((STATE_TEXT[st.state] || st.state) + (st.interruption_reason ? `: ${st.interruption_reason}` : '')),
      cell(st.queue ? num(st.queue.total) : '—', 'num queue'),
      cell(st.wait_minutes ? `${st.wait_minutes.low}–${st.wait_minutes.high}` : '—', 'num wait'),
      cell(mins === null ? 'never' : `${mins} min`, `num since${stale ? ' stale' : ''}`),
      cell(st.turnout_pct === null || st.turnout_pct === undefined ? '—' : `${st.turnout_pct}%`, 'num turnout'));
    return tr;
  }));
  $('shown').textContent = `Showing ${list.length} of ${stations.size} stations, sorted by ${sortKey.replace('_', ' ')}.`;
  for (const th of $('stations').tHead.querySelectorAll('th')) {
    const b = th.querySelector('button.sort');
    if (b && b.dataset.sort === sortKey) th.setAttribute('aria-sort', sortDir === 'asc' ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
  }
}

for (const b of document.querySelectorAll('button.sort')) {
  b.addEventListener('click', () => {
    const key = b.dataset.sort;
    if (key === sortKey) sortDir = sortDir === 'desc' ? 'asc' : 'desc';
    else { sortKey = key; sortDir = key === 'id' ? 'asc' : 'desc'; }
    drawTable();
  });
}
$('filter-ac').addEventListener('change', drawTable);
$('search').addEventListener('input', renderTable);

// --- exports ---------------------------------------------------------------------------------
function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

const csvCell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
$('export-stations').addEventListener('click', () => {
  const now = serverNow();
  const rows = [['station', 'ac', 'part', 'name', 'state', 'queue', 'wait_low', 'wait_high', 'minutes_since_report', 'stale', 'turnout_pct']];
  for (const s of visibleStations()) {
    const st = s.status;
    rows.push([s.id, s.ac, s.part, s.name, st.state, st.queue ? st.queue.total : '', st.wait_minutes ? st.wait_minutes.low : '',
      st.wait_minutes ? st.wait_minutes.high : '', minutesSince(st.reported_at, now) ?? '', st.stale, st.turnout_pct ?? '']);
  }
  download('stations.csv', new Blob([rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'], { type: 'text/csv' }));
});

// The CSV is fetched with the token (in case the server restricts it) and saved as a file.
$('turnout-csv').addEventListener('click', async (ev) => {
  ev.preventDefault();
  try {
    const res = await fetch('/api/v1/turnout.csv', { headers: { Authorization: `Bearer ${token()}` }, cache: 'no-store' });
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    download('turnout.csv', await res.blob());
  } catch (e) {
    $('app-msg').textContent = `Could not download turnout.csv: ${e.message}`;
  }
});

// --- data ------------------------------------------------------------------------------------
function describe(s) {
  const st = s.status;
  return `${s.id} ${s.name} — ${STATE_TEXT[st.state] || st.state}; queue ${st.queue ? st.queue.total : '—'}; ` +
    `wait ${st.wait_minutes ? `${st.wait_minutes.low}–${st.wait_minutes.high} min` : '—'}${st.stale ? '; stale' : ''}`;
}

function putStation(s) {
  stations.set(s.id, s);
  if (map) map.update(s, describe);
}

function renderTotals(d) {
  $('district-name').textContent = d.district ? `· ${d.district}` : '';
  const tiles = [
    ['Stations', num(d.stations)], ['Reporting', num(d.reporting_stations)], ['Stale', num(d.stale_stations)],
    ['Open', num(d.states && d.states.open)], ['Interrupted', num(d.states && d.states.interrupted)],
    ['Closed', num(d.states && d.states.closed)], ['In queues now', num(d.queue && d.queue.total)],
    ['Votes polled', num(d.votes_polled && d.votes_polled.total)],
    ['Turnout', d.turnout_pct === null || d.turnout_pct === undefined ? '—' : `${d.turnout_pct}%`],
    ['Electors', num(d.electors && d.electors.total)],
  ];
  $('totals').replaceChildren(...tiles.map(([k, v]) => {
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    div.append(dt, dd);
    return div;
  }));
}

async function loadAll() {
  try {
    const [d, { stations: list }] = await Promise.all([getDistrict(), get('/api/v1/stations?limit=5000')]);
    renderTotals(d);
    for (const s of list) putStation(s);
    if (map) map.fit();
    drawTable();
    $('app-msg').textContent = '';
  } catch (e) {
    $('app-msg').textContent = `Could not load the stations: ${e.message}`;
  }
  turnout.load();
  alerts.load();
}

function enter() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  $('live').hidden = false;
  $('who').textContent = `${session.user} (${session.role})`;
  // The map and chart libraries come after login; the table works without them.
  loadMapLibrary().then((L) => {
    map = new StationMap($('map'), $('map-note'), L);
    for (const s of stations.values()) map.update(s, describe);
    map.fit();
  }).catch(() => { $('map-note').textContent = 'The map library did not load; the table lists every station.'; });
  alerts = new AlertsPanel({
    list: $('alerts'), count: $('alerts-count'), msg: $('alerts-msg'), filter: $('alert-filter'), token,
    stationName: (id) => (stations.get(id) ? stations.get(id).name : ''),
  });
  turnout = new TurnoutView({ canvas: $('turnout-chart'), table: $('slots'), acTable: $('acs'), acFilter: $('filter-ac') });
  // Watched once the first data is in: before, the empty tables would put the chart on screen.
  loadAll().then(() => whenNear($('turnout-chart'))).then(loadChartLibrary).then((Chart) => turnout.useChart(Chart)).catch(() => {});
  live = connectLive('/api/v1/events', {
    onState: (on) => {
      $('live').className = `live ${on ? 'on' : 'off'}`;
      $('live').textContent = on ? 'Live' : 'Reconnecting…';
    },
    onEvent: (type, data) => {
      if (type === 'status') { putStation(data); renderTable(); alerts.soon(); }
      else if (type === 'summary') { renderTotals(data); turnout.soon(); }
      else if (type === 'alert') { alerts.upsert(data.alert || data); alerts.soon(); } // events omit the detail
    },
    onReset: loadAll,
  });
  // "Minutes since" moves with time, and alerts raised by the clock alone (no report for 30 min)
  // come with no station change.
  setInterval(() => { drawTable(); getDistrict().catch(() => {}); alerts.soon(); }, 30000);
}

try { session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null'); } catch { session = null; }
if (session && Date.parse(session.expires_at) > Date.now()) enter();
else { session = null; $('user').focus(); }
window.addEventListener('beforeunload', () => live && live.close());
