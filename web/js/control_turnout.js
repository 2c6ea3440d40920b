// Constituency totals and turnout by constituency at each ECI slot (Chart.js line chart plus the
// same figures as a table). Refetched, at most every 2 s, when a summary event says totals moved.
// The table needs nothing more; the chart is drawn once Chart.js, loaded when the chart comes near
// the screen, is handed in (useChart).
import { get } from './api.js';
import { num } from './format.js';

const PALETTE = ['#0b4f8a', '#c62828', '#1a7f37', '#6a1b9a', '#d17a00', '#00796b', '#5d4037', '#ad1457', '#37474f', '#283593'];

export class TurnoutView {
  constructor({ canvas, table, acTable, acFilter }) {
    Object.assign(this, { canvas, table, acTable, acFilter });
    this.chart = null;
    this.Chart = null;
    this.drawn = null; // {labels, datasets} last shown in the table, for the chart
    this.timer = null;
    this.last = 0;
  }

  soon() {
    if (this.timer) return;
    const wait = Math.max(0, 2000 - (Date.now() - this.last));
    this.timer = setTimeout(() => { this.timer = null; this.load(); }, wait);
  }

  async load() {
    this.last = Date.now();
    try {
      const [tt, { constituencies }] = await Promise.all([get('/api/v1/turnout'), get('/api/v1/constituencies')]);
      this.renderAcs(constituencies);
      this.renderSlots(tt);
    } catch { /* the next summary event retries */ }
  }

  renderAcs(list) {
    if (this.acFilter.options.length <= 1) {
      for (const c of list) {
        const o = document.createElement('option');
        o.value = c.ac;
        o.textContent = `${c.ac} ${c.name}`;
        this.acFilter.append(o);
      }
    }
    const td = (v, cls = 'num') => { const e = document.createElement('td'); e.textContent = v; e.className = cls; return e; };
    this.acTable.tBodies[0].replaceChildren(...list.map((c) => {
      const tr = document.createElement('tr');
      tr.dataset.ac = c.ac;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = c.ac;
      tr.append(th, td(c.name, ''), td(num(c.stations)), td(num(c.reporting_stations)), td(num(c.stale_stations)),
        td(num(c.states.open)), td(num(c.states.interrupted)), td(num(c.states.closed)),
        td(num(c.queue && c.queue.total)), td(num(c.votes_polled && c.votes_polled.total)),
        td(c.turnout_pct === null || c.turnout_pct === undefined ? '—' : `${c.turnout_pct}%`));
      return tr;
    }));
  }

  renderSlots(tt) {
    const labels = tt.slots.map((s) => s.slot);
    const pct = (g) => (g && g.reported > 0 && g.pct !== null ? g.pct : null);
    const groups = [
      ...tt.constituencies.map((c) => ({ name: `${c.ac} ${c.name}`, slots: c.slots })),
      { name: 'District', slots: tt.district },
    ];
    // Table: one row per group, one cell per slot ("12.4% (3/5 stations)").
    const head = document.createElement('tr');
    head.append(...['Constituency', ...labels].map((l, i) => {
      const th = document.createElement('th'); th.scope = 'col'; th.textContent = l; if (i) th.className = 'num'; return th;
    }));
    this.table.tHead.replaceChildren(head);
    this.table.tBodies[0].replaceChildren(...groups.map((g) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th'); th.scope = 'row'; th.textContent = g.name;
      tr.append(th, ...g.slots.map((s) => {
        const td = document.createElement('td');
        td.className = 'num';
        const p = pct(s);
        td.textContent = p === null ? (s.missing ? `missing ${s.missing}` : '—') : `${p}% (${s.reported} st.)`;
        return td;
      }));
      return tr;
    }));
    this.drawn = { labels, datasets: groups.map((g, i) => this.dataset(g, i, pct)) };
    this.drawChart();
  }

  useChart(Chart) {
    this.Chart = Chart;
    this.drawChart();
  }

  dataset(g, i, pct) {
    return {
      label: g.name, data: g.slots.map(pct), spanGaps: true, tension: 0.2,
      borderColor: g.name === 'District' ? '#111' : PALETTE[i % PALETTE.length],
      backgroundColor: g.name === 'District' ? '#111' : PALETTE[i % PALETTE.length],
      borderWidth: g.name === 'District' ? 3 : 2, borderDash: g.name === 'District' ? [6, 4] : [],
    };
  }

  drawChart() {
    if (!this.Chart || !this.drawn) return;
    const { labels, datasets } = this.drawn;
    if (!this.chart) {
      this.chart = new this.Chart(this.canvas, {
        type: 'line',
        data: { labels, datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          scales: { y: { beginAtZero: true, title: { display: true, text: 'Turnout %' } } },
          plugins: { legend: { position: 'bottom' } },
        },
      });
    } else {
      this.chart.data.labels = labels;
      this.chart.data.datasets = datasets;
      this.chart.update();
    }
  }
}
