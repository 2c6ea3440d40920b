// Voter page: find a station (EPIC, AC + part, near me), then show its live status, today's
// queue chart and the best time to go. Updates arrive over SSE; nothing needs a reload.
import { ApiError, get, getDistrict, serverNow } from './api.js';
import { bindLangSelect, t } from './i18n.js';
import { ago, clock, minutesSince, num, stateText, waitText } from './format.js';
import { connectLive } from './live.js';
import { bestTime } from './besttime.js';
import { renderQueueChart } from './queuechart.js';

const $ = (id) => document.getElementById(id);
const STALE_MIN = 30; // the server's default stale-after; the server's own `stale` flag also counts
const LAST_KEY = 'psm.voter.station';

let district = null;
let station = null;
let timeline = { queue: [], turnout: [], events: [] };
let live = null;
let liveOn = false;
let findMsgKey = null; // the message shown under the search forms, re-translated on a switch
let findMsgText = null;
let nearStations = [];

function setFindMsg(key, text = null) {
  findMsgKey = key;
  findMsgText = text;
  $('find-msg').className = key || text ? 'msg bad' : 'msg';
  $('find-msg').textContent = text ?? (key ? t(key) : '');
}

function showError(e) {
  if (e instanceof ApiError && e.status === 0) setFindMsg('network_error');
  else setFindMsg(null, e.message);
}

function setLive(on) {
  liveOn = on;
  $('live').className = `live ${on ? 'on' : 'off'}`;
  $('live').textContent = t(on ? 'live_on' : 'live_off');
}

// --- finding ---------------------------------------------------------------------------------
async function loadConstituencies() {
  const { constituencies } = await get('/api/v1/constituencies');
  $('ac').replaceChildren(...constituencies.map((c) => {
    const o = document.createElement('option');
    o.value = c.ac;
    o.textContent = `${c.ac} ${c.name}`;
    return o;
  }));
}

$('epic-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const epic = $('epic').value.trim().toUpperCase();
  if (!/^[A-Z]{3}[0-9]{7}$/.test(epic)) { setFindMsg('bad_epic'); $('epic').focus(); return; }
  setFindMsg(null);
  try {
    const { station: s } = await get(`/api/v1/lookup?epic=${encodeURIComponent(epic)}`);
    await showStation(s);
  } catch (e) { showError(e); }
});

$('part-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const ac = $('ac').value;
  const part = Number($('part').value);
  if (!ac || !Number.isInteger(part) || part < 1) { setFindMsg('bad_part'); $('part').focus(); return; }
  setFindMsg(null);
  try {
    await showStation(await get(`/api/v1/stations/${ac}-${part}`));
  } catch (e) { showError(e); }
});

$('near').addEventListener('click', () => {
  if (!navigator.geolocation) { setFindMsg('no_location'); return; }
  $('find-msg').className = 'msg info';
  $('find-msg').textContent = t('locating');
  navigator.geolocation.getCurrentPosition(async (pos) => {
    setFindMsg(null);
    const near = `${pos.coords.latitude.toFixed(5)},${pos.coords.longitude.toFixed(5)}`;
    try {
      const { stations } = await get(`/api/v1/stations?near=${near}&limit=5`);
      renderNear(stations);
    } catch (e) { showError(e); }
  }, () => setFindMsg('no_location'), { timeout: 15000, maximumAge: 300000 });
});

function renderNear(stations, focus = true) {
  nearStations = stations;
  $('near-results').hidden = false;
  $('near-list').replaceChildren(...stations.map((s) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = s.name;
    const info = document.createElement('span');
    info.textContent = `${t('km', { km: s.distance_km })} · ${t('wait_label')}: ${waitText(s.status.wait_minutes)}`;
    b.append(name, info);
    b.addEventListener('click', () => showStation(s).catch(showError));
    li.append(b);
    return li;
  }));
  if (focus) $('near-list').querySelector('button')?.focus();
}

// --- one station -----------------------------------------------------------------------------
async function showStation(s, { focus = true } = {}) {
  if (!station || station.id !== s.id) timeline = { queue: [], turnout: [], events: [] };
  station = s;
  try { localStorage.setItem(LAST_KEY, s.id); } catch { /* not remembered */ }
  if (location.hash !== `#${s.id}`) history.replaceState(null, '', `#${s.id}`);
  $('find').hidden = true;
  $('station').hidden = false;
  render();
  if (focus) $('st-name').focus();
  timeline = await get(`/api/v1/stations/${s.id}/timeline`).catch(() => timeline);
  render();
  startLive(s.id);
}

function startLive(id) {
  if (live) live.close();
  $('live').hidden = false;
  // Only this station's status is shown here: the district summary (every second) and alerts
  // would cost each voter's phone data it never uses.
  live = connectLive(`/api/v1/events?station=${encodeURIComponent(id)}&types=status`, {
    onState: setLive,
    onEvent: (type, data) => {
      if (type !== 'status' || !station || data.id !== station.id) return;
      const before = station.status.reported_at;
      station = data;
      const q = data.status.queue;
      // A new queue report extends the chart without another request.
      if (q && data.status.reported_at && data.status.reported_at !== before) {
        timeline.queue = [...timeline.queue, { ...q, at: data.status.reported_at }];
      }
      render();
    },
    onReset: async () => {
      if (!station) return;
      try {
        const id = station.id;
        const [s, tl] = await Promise.all([get(`/api/v1/stations/${id}`), get(`/api/v1/stations/${id}/timeline`)]);
        if (station && station.id === id) { station = s; timeline = tl; render(); }
      } catch { /* the next event or tick will do */ }
    },
  });
}

function render() {
  if (!station) return;
  const s = station;
  const st = s.status;
  const now = serverNow();
  $('st-name').textContent = s.name;
  $('st-where').textContent = `${s.id} · ${t('station_part', { ac: s.ac, part: s.part })} · ${s.locality}`;
  $('st-state').textContent = stateText(st.state);
  $('st-state').className = `badge state-${st.state}`;
  $('st-reason').textContent = st.state === 'interrupted' && st.interruption_reason
    ? t('interrupted_reason', { reason: st.interruption_reason }) : '';
  const q = st.queue;
  $('st-queue').textContent = q ? num(q.total) : '—';
  $('st-men').textContent = q ? num(q.men) : '—';
  $('st-women').textContent = q ? num(q.women) : '—';
  $('st-others').textContent = q ? num(q.others) : '—';
  $('st-wait').textContent = st.state === 'closed' ? '—' : waitText(st.wait_minutes);
  $('st-trend').textContent = ['rising', 'falling', 'steady'].includes(st.trend) && q ? t(`trend_${st.trend}`) : '';

  const mins = minutesSince(st.reported_at, now);
  $('st-updated').textContent = mins === null ? t('no_report') : t('updated', { ago: ago(mins) });
  const stale = mins !== null && st.state !== 'closed' && (st.stale || mins >= STALE_MIN);
  $('st-stale').textContent = stale ? t('stale', { n: mins }) : '';
  $('st-closed').textContent = st.state === 'closed' ? t('closed_note') : '';
  $('st-turnout').textContent = st.votes_polled
    ? t('turnout', { votes: num(st.votes_polled.total), electors: num(s.electors.total), pct: st.turnout_pct ?? '—' }) : '';
  renderBest(now);
}

function renderBest(now) {
  if (!district) return;
  const opensMs = Date.parse(district.polling.opens);
  const closesMs = Date.parse(district.polling.closes);
  const b = bestTime({ status: station.status, timeline, nowMs: now, opensMs, closesMs, utcOffset: district.utc_offset });
  const texts = {
    closed: () => t('best_closed'),
    late: () => t('best_late', { close: clock(closesMs) }),
    now: () => t('best_now'),
    window: () => t('best_at', { from: clock(b.from), to: clock(b.to), wait: b.wait }),
    typical: () => t('best_typical_at', { from: clock(b.from), to: clock(b.to) }),
  };
  $('best').textContent = texts[b.kind]();
  $('best-basis').textContent = b.basis ? t(b.basis === 'station' ? 'best_basis_station' : 'best_basis_typical') : '';

  const points = timeline.queue.map((p) => ({ at: Date.parse(p.at), total: p.total }));
  const hours = [];
  for (let h = opensMs; h <= closesMs; h += 2 * 3600000) hours.push({ at: h, label: clock(h) });
  $('chart-empty').hidden = points.length > 0;
  renderQueueChart($('chart'), {
    points, forecast: b.forecast, opensMs, closesMs, nowMs: now, hours,
    label: `${t('chart_title')}: ${points.map((p) => `${clock(p.at)} ${p.total}`).join(', ') || t('chart_empty')}`,
  });
  $('hours').textContent = t('poll_hours', { open: clock(opensMs), close: clock(closesMs) });
}

$('again').addEventListener('click', () => {
  if (live) { live.close(); live = null; }
  station = null;
  history.replaceState(null, '', location.pathname);
  $('station').hidden = true;
  $('find').hidden = false;
  $('live').hidden = true;
  $('epic').focus();
});

window.addEventListener('psm:lang', () => {
  setLive(liveOn);
  if (findMsgKey || findMsgText) setFindMsg(findMsgKey, findMsgText);
  render();
  if (!$('near-results').hidden) renderNear(nearStations, false);
});

// A hidden tab needs no live feed (it costs a phone data and battery): drop it, and catch up
// when the page is looked at again.
document.addEventListener('visibilitychange', () => {
  if (!station) return;
  if (document.hidden) {
    if (live) { live.close(); live = null; }
  } else if (!live) {
    get(`/api/v1/stations/${station.id}`).then((s) => showStation(s, { focus: false })).catch(() => startLive(station.id));
  }
});

// A link or a typed address like /#34-112 opens that station.
window.addEventListener('hashchange', () => {
  const id = decodeURIComponent(location.hash.slice(1));
  if (/^[1-9][0-9]{0,2}-[1-9][0-9]{0,3}$/.test(id) && (!station || station.id !== id)) {
    get(`/api/v1/stations/${id}`).then((s) => showStation(s)).catch(showError);
  }
});

// --- start -----------------------------------------------------------------------------------
async function start() {
  bindLangSelect($('lang'));
  $('st-name').tabIndex = -1;
  try {
    [district] = await Promise.all([getDistrict(), loadConstituencies()]);
  } catch (e) { showError(e); }
  const wanted = decodeURIComponent(location.hash.slice(1)) || localStorage.getItem(LAST_KEY);
  if (wanted && /^[1-9][0-9]{0,2}-[1-9][0-9]{0,3}$/.test(wanted)) {
    try { await showStation(await get(`/api/v1/stations/${wanted}`)); } catch (e) { showError(e); }
  }
  setInterval(render, 30000); // "6 min ago", the stale warning and the forecast move with time
  // Keep the clock difference fresh (demo clocks may run faster than real time).
  setInterval(() => getDistrict().then((d) => { district = d; }).catch(() => {}), 60000);
}
start();
