// Officer page: log in with station + PIN, then report the queue, the turnout (typed twice)
// and poll events. Reports go through the Outbox, so they survive a dead network.
import { api, ApiError, get, getDistrict, serverNow } from './api.js';
import { bindLangSelect, t } from './i18n.js';
import { clock } from './format.js';
import { Outbox } from './outbox.js';

const $ = (id) => document.getElementById(id);
const SESSION_KEY = 'psm.officer'; // sessionStorage: the token dies with the tab, never a cookie

let session = null;   // {token, station, expires_at}
let outbox = null;
let slots = [];       // [{slot, at, counts_until}] from /turnout
const announced = new Set(); // report ids whose outcome was already shown
const messages = {};  // element id → [key, vars], so a language switch re-translates them

function say(id, key, vars = {}, cls) {
  messages[id] = key ? [key, vars] : null;
  $(id).textContent = key ? t(key, vars) : '';
  if (cls) $(id).className = `msg ${cls}`;
}

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (s && Date.parse(s.expires_at) > Date.now()) return s;
  } catch { /* ignore */ }
  return null;
}

// --- login -----------------------------------------------------------------------------------
$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const station = $('station').value.trim();
  const pin = $('pin').value.trim();
  say('login-msg', null);
  try {
    const { body } = await api('POST', '/api/v1/sessions', { body: { station, pin } });
    if (body.role !== 'officer') throw new ApiError(403, 'not an officer login', 'role');
    session = { token: body.token, station: body.station, expires_at: body.expires_at };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    $('pin').value = '';
    await enter();
  } catch (e) {
    if (e instanceof ApiError && e.status === 0) say('login-msg', 'network_error');
    else { messages['login-msg'] = null; $('login-msg').textContent = e.message; }
  }
});

$('logout').addEventListener('click', async () => {
  const token = session && session.token;
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
  if (token) api('DELETE', '/api/v1/sessions/current', { token }).catch(() => {});
  showLogin();
});

function showLogin(expired = false) {
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  if (expired) say('login-msg', 'session_expired');
  if (outbox) $('station').value = outbox.station;
  $(outbox ? 'pin' : 'station').focus();
}

async function enter() {
  // observed_at is stamped by the server's clock: learn it before the first report (offline,
  // the difference remembered from the last visit is used).
  await Promise.race([getDistrict(), new Promise((r) => setTimeout(r, 3000))]).catch(() => {});
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  if (!outbox || outbox.station !== session.station) {
    outbox = new Outbox(session.station, {
      token: () => session && session.token,
      onChange: renderOutbox,
      onAuthLost: () => {
        session = null;
        sessionStorage.removeItem(SESSION_KEY);
        showLogin(true);
      },
    });
    for (const i of outbox.items) if (i.state !== 'waiting') announced.add(i.report.id);
  }
  $('st-title').textContent = session.station;
  $('st-title').focus();
  renderOutbox();
  outbox.flush();
  // Name, clock and slots are nice to have; offline we keep going without them.
  get(`/api/v1/stations/${session.station}`).then((s) => { $('st-title').textContent = `${s.id} · ${s.name}`; }).catch(() => {});
  get('/api/v1/turnout').then((tt) => { slots = tt.slots || []; renderSlot(); }).catch(() => {});
}

// --- the outbox on screen --------------------------------------------------------------------
function describe(r) {
  const c = r.queue || r.votes_polled;
  if (r.kind === 'queue') return t('kind_queue', { m: c.men, w: c.women, o: c.others });
  if (r.kind === 'turnout') return t('kind_turnout', { m: c.men, w: c.women, o: c.others });
  return t(`ev_${r.event}`);
}

function renderOutbox() {
  if (!outbox) return;
  const waiting = outbox.waiting().length;
  $('waiting').textContent = waiting ? t('waiting_count', { n: waiting }) : t('waiting_none');
  $('sync').classList.toggle('has-waiting', waiting > 0);
  $('send-now').hidden = waiting === 0;
  $('offline').hidden = navigator.onLine;
  const list = [...outbox.items].reverse();
  $('sent-empty').hidden = list.length > 0;
  $('sent').replaceChildren(...list.map((i) => {
    const li = document.createElement('li');
    li.dataset.id = i.report.id;
    li.dataset.state = i.state;
    const what = document.createElement('span');
    what.textContent = `${clock(i.report.observed_at)} — ${describe(i.report)}: `;
    const st = document.createElement('span');
    st.className = `s-${i.state}`;
    st.textContent = i.state === 'rejected' ? t('r_rejected', { detail: i.detail }) : t(`r_${i.state}`);
    li.append(what, st);
    return li;
  }));
  // Confirm each report once, when its outcome arrives.
  for (const i of outbox.items) {
    if (i.state === 'waiting' || announced.has(i.report.id)) continue;
    announced.add(i.report.id);
    if (i.state === 'rejected') say('confirm', 'refused', { detail: i.detail }, 'bad');
    else say('confirm', 'confirm_saved', { what: describe(i.report), time: clock(i.report.observed_at) }, 'ok');
  }
}

$('send-now').addEventListener('click', () => outbox && outbox.flush());
window.addEventListener('online', renderOutbox);
window.addEventListener('offline', renderOutbox);

// --- making reports --------------------------------------------------------------------------
function readCounts(prefix) {
  const out = {};
  for (const k of ['men', 'women', 'others']) {
    const raw = $(`${prefix}-${k}`).value.trim();
    if (!/^[0-9]{1,9}$/.test(raw)) { $(`${prefix}-${k}`).focus(); return null; }
    out[k] = Number(raw);
  }
  return out;
}

function make(fields) {
  const report = { id: crypto.randomUUID(), observed_at: new Date(serverNow()).toISOString(), ...fields };
  outbox.add(report);
  if (!navigator.onLine) say('confirm', 'kept', { what: describe(report) }, 'warn');
  return report;
}

$('queue-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const queue = readCounts('q');
  if (!queue) { say('queue-msg', 'bad_number'); return; }
  say('queue-msg', null);
  make({ kind: 'queue', queue });
  for (const k of ['men', 'women', 'others']) $(`q-${k}`).value = '';
});

$('turnout-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const first = readCounts('t1');
  if (!first) { say('turnout-msg', 'bad_number'); return; }
  const second = readCounts('t2');
  if (!second) { say('turnout-msg', 'bad_number'); return; }
  if (first.men !== second.men || first.women !== second.women || first.others !== second.others) {
    say('turnout-msg', 'turnout_mismatch');
    for (const k of ['men', 'women', 'others']) $(`t2-${k}`).value = '';
    $('t2-men').focus();
    return;
  }
  say('turnout-msg', null);
  make({ kind: 'turnout', votes_polled: first });
  for (const p of ['t1', 't2']) for (const k of ['men', 'women', 'others']) $(`${p}-${k}`).value = '';
});

for (const b of document.querySelectorAll('button[data-event]')) {
  b.addEventListener('click', () => { say('event-msg', null); make({ kind: 'event', event: b.dataset.event }); });
}
$('interrupt-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const reason = $('reason').value.trim();
  if (!reason) { say('event-msg', 'need_reason'); $('reason').focus(); return; }
  say('event-msg', null);
  make({ kind: 'event', event: 'interrupted', reason });
  $('reason').value = '';
});
$('close-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const raw = $('close-queue').value.trim();
  if (!/^[0-9]{1,9}$/.test(raw)) { say('event-msg', 'need_close_queue'); $('close-queue').focus(); return; }
  say('event-msg', null);
  make({ kind: 'event', event: 'poll_closed', voters_in_queue_at_close: Number(raw) });
  $('close-queue').value = '';
});

// The turnout typed now counts for the first slot whose window (slot time + 30 min grace)
// has not yet ended.
function renderSlot() {
  const now = serverNow();
  const s = slots.find((x) => Date.parse(x.counts_until) >= now) || slots[slots.length - 1];
  $('slot-hint').textContent = s ? t('turnout_slot', { slot: s.slot === 'close' ? t('slot_close') : s.slot }) : '';
}

window.addEventListener('psm:lang', () => {
  for (const [id, m] of Object.entries(messages)) if (m) $(id).textContent = t(m[0], m[1]);
  renderOutbox();
  renderSlot();
});

bindLangSelect($('lang'));
setInterval(() => { renderSlot(); if (session) getDistrict().catch(() => {}); }, 60000);
session = loadSession();
if (session) enter(); else showLogin();
