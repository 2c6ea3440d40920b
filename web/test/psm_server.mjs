// Starts a real `psm serve` for the browser tests, like tests/integration/harness.py: a temp
// dir with the small fixture district imported, PINs issued, an admin added; the server runs on
// a free loopback port with this repo's web/ as its web root and is stopped by PID.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ADMIN_PASSWORD = 'control-room-pass';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Today's date in the district (IST), as --poll-date wants it.
function todayIst() {
  return new Date(Date.now() + 330 * 60000).toISOString().slice(0, 10);
}

export class PsmServer {
  constructor(binary) {
    this.binary = binary;
    this.dir = mkdtempSync(path.join(tmpdir(), 'psm-web-'));
    this.db = path.join(this.dir, 'psm.db');
    this.store = `sqlite:${this.db}`;
  }

  cli(args, input) {
    return execFileSync(this.binary, args, { cwd: this.dir, input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 120000 });
  }

  async start() {
    this.cli(['import', '--store', this.store, path.join(ROOT, 'tests', 'fixtures', 'small-district')]);
    const pinsFile = path.join(this.dir, 'pins.csv');
    this.cli(['admin', 'issue-pins', '--store', this.store, '--out', pinsFile]);
    this.pins = Object.fromEntries(readFileSync(pinsFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')));
    this.cli(['admin', 'add-user', '--store', this.store, '--user', 'admin', '--role', 'admin'], `${ADMIN_PASSWORD}\n`);
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    const log = openSync(path.join(this.dir, 'serve.log'), 'a');
    this.proc = spawn(this.binary, ['serve', '--listen', `127.0.0.1:${this.port}`, '--store', this.store,
      '--poll-date', todayIst(), '--clock-start', '10:00', '--clock-speed', '1', '--threads', '2',
      '--web-root', path.join(ROOT, 'web'), '--rate-limits', 'off'], { cwd: ROOT, stdio: ['ignore', log, log] });
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`psm serve exited early:\n${this.log()}`);
      try {
        if ((await fetch(`${this.base}/readyz`)).status === 200) return this;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('psm serve did not become ready');
  }

  log() {
    try { return readFileSync(path.join(this.dir, 'serve.log'), 'utf8'); } catch { return ''; }
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // --- API helpers ---------------------------------------------------------------------------
  async request(method, p, { body, token } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async login(station) {
    const r = await this.request('POST', '/api/v1/sessions', { body: { station, pin: this.pins[station] } });
    if (r.status !== 201) throw new Error(`login ${station}: ${JSON.stringify(r.body)}`);
    return r.body.token;
  }

  async adminLogin() {
    const r = await this.request('POST', '/api/v1/sessions', { body: { user: 'admin', password: ADMIN_PASSWORD } });
    if (r.status !== 201) throw new Error(`admin login: ${JSON.stringify(r.body)}`);
    return r.body.token;
  }

  async now() { return (await this.request('GET', '/api/v1/district')).body.now; }

  // Posts a report for `station` observed now (server clock); returns the response.
  async report(station, fields) {
    const token = await this.login(station);
    return this.request('POST', `/api/v1/stations/${station}/reports`, {
      token, body: { id: crypto.randomUUID(), observed_at: await this.now(), ...fields },
    });
  }

  // The store, read with Debian's sqlite3 command-line tool (installed by make setup).
  sql(query) {
    return execFileSync('sqlite3', ['-readonly', this.db, query], { encoding: 'utf8' }).trim();
  }
}
