// The officer's outbox: every report gets its UUID the moment it is made and is written to
// localStorage before any attempt to send it, so a dead network, a closed tab or a lost answer
// loses nothing. Waiting reports are sent in the order they were made (turnout is cumulative and
// poll events have an order); a retry re-sends the same id, which the server answers 200
// "repeated" instead of counting it again.
import { api, ApiError } from './api.js';

const KEEP_DONE = 50;          // finished reports kept for the on-screen log
const RETRY_MS = 5000;
// Statuses worth trying again later: the report was not judged.
const RETRYABLE = new Set([0, 408, 429, 500, 502, 503, 504]);

export class Outbox {
  // station: the officer's station; token(): the current bearer token or null;
  // onChange(): the list or a state changed; onAuthLost(): the token was refused (401).
  constructor(station, { token, onChange, onAuthLost }) {
    this.station = station;
    this.key = `psm.outbox.${station}`;
    this.token = token;
    this.onChange = onChange;
    this.onAuthLost = onAuthLost;
    this.items = this.load();
    this.flushing = false;
    this.timer = null;
    window.addEventListener('online', () => this.flush());
    window.addEventListener('storage', (e) => { if (e.key === this.key) { this.items = this.load(); this.onChange(); } });
  }

  load() {
    try { return JSON.parse(localStorage.getItem(this.key) || '[]'); } catch { return []; }
  }

  save() {
    const waiting = this.items.filter((i) => i.state === 'waiting');
    const done = this.items.filter((i) => i.state !== 'waiting').slice(-KEEP_DONE);
    const keep = new Set([...waiting, ...done]);
    this.items = this.items.filter((i) => keep.has(i));
    localStorage.setItem(this.key, JSON.stringify(this.items));
    this.onChange();
  }

  waiting() { return this.items.filter((i) => i.state === 'waiting'); }

  // Stores the report (with its id already set) and tries to send it. Returns the item.
  add(report) {
    const item = { report: { ...report, station: this.station }, state: 'waiting', detail: '' };
    this.items.push(item);
    this.save();
    this.flush();
    return item;
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), RETRY_MS);
  }

  settle(item, state, detail = '') {
    const mine = this.items.find((i) => i.report.id === item.report.id);
    if (!mine) return;
    mine.state = state;
    mine.detail = detail;
    mine.done_at = Date.now();
  }

  // Sends what is waiting; safe to call at any time (one flush runs at a time).
  async flush() {
    if (this.flushing) return;
    const token = this.token();
    if (!token) return;
    this.flushing = true;
    try {
      for (;;) {
        this.items = this.load(); // another tab may have sent some
        const batch = this.waiting().slice(0, 1000);
        if (!batch.length) break;
        const ok = batch.length === 1 ? await this.sendOne(batch[0], token) : await this.sendBatch(batch, token);
        this.save();
        if (!ok) { this.schedule(); break; }
      }
    } finally {
      this.flushing = false;
    }
  }

  // Returns false when sending should pause (network down, server busy, login needed).
  async sendOne(item, token) {
    try {
      const { body } = await api('POST', `/api/v1/stations/${this.station}/reports`, { body: item.report, token });
      this.settle(item, body && body.result === 'repeated' ? 'repeated' : 'created');
      return true;
    } catch (e) {
      return this.failed(e, [item]);
    }
  }

  async sendBatch(items, token) {
    let body;
    try {
      ({ body } = await api('POST', '/api/v1/reports/batch', { body: { reports: items.map((i) => i.report) }, token }));
    } catch (e) {
      if (e instanceof ApiError && !RETRYABLE.has(e.status) && e.status !== 401) {
        // The batch as a whole was refused (it should not be): send them one by one instead.
        for (const item of items) if (!(await this.sendOne(item, token))) return false;
        return true;
      }
      return this.failed(e, items);
    }
    let pause = false;
    (body.results || []).forEach((r, n) => {
      const item = items[n];
      if (!item) return;
      if (r.result === 'created' || r.result === 'repeated') this.settle(item, r.result);
      else if (RETRYABLE.has(r.status)) pause = true; // stays waiting
      else this.settle(item, 'rejected', (r.problem && r.problem.detail) || `HTTP ${r.status}`);
    });
    return !pause;
  }

  failed(e, items) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 401) { this.onAuthLost(); return false; }
    if (RETRYABLE.has(e.status)) return false;
    for (const item of items) this.settle(item, 'rejected', e.message);
    return true;
  }
}
