// The control room's alerts panel. Alerts come from GET /api/v1/alerts; the page's event stream
// carries none (alert events are for streams opened with a control-room token, which
// EventSource cannot send), so the panel is refetched, at most every 2 s, after station changes
// and every 30 s, and takes `alert` events when a stream does carry them.
import { api, ApiError } from './api.js';
import { clock } from './format.js';

const KINDS = {
  long_wait: 'Wait over 30 min',
  no_report: 'No report for 30 min',
  stale: 'No report for 30 min',
  interrupted: 'Poll interrupted',
  not_started: 'Poll not started by 07:15',
  turnout_stalled: 'Turnout stalled while a queue stands',
  rejected_report: 'Report refused',
  pin_guessing: 'Wrong PINs from several addresses',
  store_unwritable: 'Store cannot save reports',
};
// A district-wide alert (store_unwritable) names no station: the server sends 0-0.
const placeOf = (a) => (a.station === '0-0' ? 'District' : a.station);
const kindText = (k) => KINDS[k] || String(k || 'alert').replace(/_/g, ' ');
const timeOf = (v) => (typeof v === 'number' ? v * (v < 1e12 ? 1000 : 1) : v);

export class AlertsPanel {
  constructor({ list, count, msg, filter, token, stationName }) {
    Object.assign(this, { list, count, msg, filter, token, stationName });
    this.alerts = new Map();
    // The API answers at most its default limit (1,000) of alerts but counts them all: the badge
    // and the note under the list go by the server's counts, moved by what changed here since.
    this.total = 0;
    this.loaded = 0;
    this.openTotal = 0;
    this.openLoaded = 0;
    this.available = true;
    this.timer = null;
    this.last = 0;
    filter.addEventListener('change', () => this.load());
  }

  async load() {
    try {
      // Ask only for what is shown: the day's resolved alerts can run into thousands.
      const query = { unresolved: '?state=active', open: '?state=open', all: '' }[this.filter.value] ?? '';
      const { body } = await api('GET', `/api/v1/alerts${query}`, { token: this.token() });
      const arr = Array.isArray(body) ? body : (body && (body.alerts || body.items)) || [];
      const total = Number.isInteger(body && body.total) ? body.total : arr.length;
      let openTotal = total;
      if (this.filter.value !== 'open') {
        const open = await api('GET', '/api/v1/alerts?state=open&limit=1', { token: this.token() });
        openTotal = Number.isInteger(open.body && open.body.total) ? open.body.total : 0;
      }
      this.alerts = new Map(arr.map((a) => [String(a.id), a]));
      this.total = total;
      this.loaded = arr.length;
      this.openTotal = openTotal;
      this.openLoaded = this.openHere();
      this.available = true;
      this.msg.textContent = '';
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && e.reason === 'not_found') {
        this.available = false;
        this.msg.textContent = 'This server does not provide alerts.';
      } else {
        this.msg.textContent = `Alerts could not be loaded: ${e.message}`;
      }
    }
    this.last = Date.now();
    this.render();
  }

  // Refetch soon, but not more often than every 2 s.
  soon() {
    if (!this.available || this.timer) return;
    const wait = Math.max(0, 2000 - (Date.now() - this.last));
    this.timer = setTimeout(() => { this.timer = null; this.load(); }, wait);
  }

  upsert(a) {
    if (!a || a.id === undefined) return;
    this.alerts.set(String(a.id), { ...(this.alerts.get(String(a.id)) || {}), ...a });
    this.render();
  }

  async ack(id, button) {
    button.disabled = true;
    try {
      const { body } = await api('POST', `/api/v1/alerts/${encodeURIComponent(id)}/ack`, { token: this.token() });
      const a = body && (body.alert || body);
      this.upsert(a && a.id !== undefined ? a : { id, state: 'acknowledged' });
      this.msg.textContent = `Alert ${id} acknowledged.`;
    } catch (e) {
      button.disabled = false;
      this.msg.textContent = `Could not acknowledge: ${e.message}`;
    }
  }

  openHere() {
    let n = 0;
    for (const a of this.alerts.values()) if (a.state === 'open') n += 1;
    return n;
  }

  render() {
    const show = this.filter.value;
    const rank = { open: 0, acknowledged: 1, resolved: 2 };
    const items = [...this.alerts.values()]
      .filter((a) => show === 'all' || (show === 'open' ? a.state === 'open' : a.state !== 'resolved'))
      .sort((a, b) => (rank[a.state] ?? 3) - (rank[b.state] ?? 3) || String(timeOf(b.opened_at)).localeCompare(String(timeOf(a.opened_at))));
    const open = Math.max(0, this.openTotal + this.openHere() - this.openLoaded);
    this.count.textContent = open ? `${open.toLocaleString('en-IN')} open` : '';
    this.count.className = open ? 'badge state-interrupted' : 'badge';
    this.list.replaceChildren(...items.map((a) => {
      const li = document.createElement('li');
      li.className = a.state;
      li.dataset.id = a.id;
      li.dataset.kind = a.kind;
      const head = document.createElement('div');
      head.className = 'a-head';
      head.textContent = `${placeOf(a)} · ${kindText(a.kind)}`;
      const meta = document.createElement('div');
      meta.className = 'a-meta';
      const opened = a.opened_at ? clock(timeOf(a.opened_at)) : '';
      meta.textContent = [a.station !== '0-0' && this.stationName(a.station), opened && `opened ${opened}`, a.state,
        a.acknowledged_by && `by ${a.acknowledged_by}`].filter(Boolean).join(' · ');
      li.append(head, meta);
      if (a.detail) {
        const d = document.createElement('div');
        d.textContent = a.detail;
        li.append(d);
      }
      if (a.state === 'open' && a.kind !== 'store_unwritable') {  // it resolves by itself
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = 'Acknowledge';
        b.setAttribute('aria-label', `Acknowledge ${kindText(a.kind)} at ${a.station}`);
        b.addEventListener('click', () => this.ack(a.id, b));
        li.append(b);
      }
      return li;
    }));
    const note = this.msg.textContent;
    // Alerts that arrived live since the load are in both the list and the count.
    const total = this.total + this.alerts.size - this.loaded;
    const fewer = this.alerts.size < total;
    if (this.available && !items.length && !note) this.msg.textContent = 'No alerts.';
    else if (fewer && (!note || note === 'No alerts.' || note.startsWith('Showing the newest'))) {
      this.msg.textContent = `Showing the newest ${this.alerts.size.toLocaleString('en-IN')} of ${total.toLocaleString('en-IN')}.`;
    } else if (items.length && note === 'No alerts.') this.msg.textContent = '';
  }
}
