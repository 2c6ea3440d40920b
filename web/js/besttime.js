// "Best time to go", worked out in the browser from the station's queue reports of the day and
// a typical polling-day curve.
//
// How: TYPICAL_DAY below is the usual shape of a polling-station queue in Punjab (relative
// length by local time: a morning rush 08:00–10:00, a lull after lunch 13:00–15:00, a smaller
// rise before closing). We scale that shape to this station: every queue report of the last
// three hours gives a ratio (reported queue ÷ typical value at the report's time); their mean,
// weighted towards the newest report (half-weight after about an hour), is the station's scale.
// The expected queue at a later time t is scale × typical(t), and the expected wait is that
// queue ÷ the station's measured service rate (voters per minute, from the server). We then pick
// the 30-minute window between now and the close with the smallest expected queue. Without any
// report today we can only say when a typical station is quietest.

const TYPICAL_DAY = [ // [local minutes since midnight, relative queue length]
  [420, 0.55], [450, 0.75], [480, 0.9], [510, 1.0], [540, 1.0], [570, 0.95], [600, 0.85],
  [630, 0.75], [660, 0.65], [690, 0.55], [720, 0.45], [750, 0.38], [780, 0.32], [810, 0.28],
  [840, 0.27], [870, 0.3], [900, 0.35], [930, 0.42], [960, 0.5], [990, 0.58], [1020, 0.62],
  [1050, 0.55], [1080, 0.4],
];

export function typicalAt(localMin) {
  const pts = TYPICAL_DAY;
  if (localMin <= pts[0][0]) return pts[0][1];
  for (let i = 1; i < pts.length; i++) {
    if (localMin <= pts[i][0]) {
      const [m0, v0] = pts[i - 1];
      const [m1, v1] = pts[i];
      return v0 + ((v1 - v0) * (localMin - m0)) / (m1 - m0);
    }
  }
  return pts[pts.length - 1][1];
}

// "+05:30" → 330
export function offsetMinutes(utcOffset) {
  const m = /^([+-])(\d\d):(\d\d)$/.exec(utcOffset || '+05:30');
  if (!m) return 330;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}
const localMinutes = (ms, offMin) => (((Math.floor(ms / 60000) + offMin) % 1440) + 1440) % 1440;

const HALF_LIFE_MIN = 60;
const LOOKBACK_MIN = 180;
const GOOD_WAIT_MIN = 10; // a wait this short means "go now"

// queue: timeline points [{at, total}], oldest first. Returns the station's scale or null.
export function stationScale(queue, nowMs, offMin) {
  let num = 0;
  let den = 0;
  for (const p of queue) {
    const at = Date.parse(p.at);
    const age = (nowMs - at) / 60000;
    if (Number.isNaN(at) || age > LOOKBACK_MIN || age < -5) continue;
    const w = Math.pow(0.5, Math.max(0, age) / HALF_LIFE_MIN);
    num += w * (p.total / Math.max(0.2, typicalAt(localMinutes(at, offMin))));
    den += w;
  }
  return den > 0 ? num / den : null;
}

// Returns {kind, from, to, wait, basis, forecast}:
//   kind  'closed' | 'late' | 'now' | 'window' | 'typical'
//   from/to  ms of the suggested window; wait  expected minutes (kind 'window')
//   forecast [{at: ms, total}] the expected queue from now to the close (empty without a scale)
export function bestTime({ status, timeline, nowMs, opensMs, closesMs, utcOffset }) {
  const off = offsetMinutes(utcOffset);
  if (status.state === 'closed' || nowMs >= closesMs) return { kind: 'closed', forecast: [] };
  const scale = stationScale(timeline.queue || [], nowMs, off);
  const rate = status.service_rate_per_min > 0 ? status.service_rate_per_min : 1;
  const start = Math.max(nowMs, opensMs);
  const forecast = [];
  if (scale !== null) {
    for (let t = start; t <= closesMs; t += 10 * 60000) {
      forecast.push({ at: t, total: Math.round(scale * typicalAt(localMinutes(t, off))) });
    }
  }
  if (closesMs - nowMs <= 30 * 60000) return { kind: 'late', forecast };

  // Candidate windows start on each half hour from now until 30 minutes before the close.
  const step = 30 * 60000;
  let best = null;
  for (let from = Math.ceil(start / step) * step; from + step <= closesMs; from += step) {
    const mid = localMinutes(from + step / 2, off);
    const v = typicalAt(mid);
    if (!best || v < best.v - 1e-9) best = { from, v };
  }
  if (!best) return { kind: 'late', forecast };
  if (scale === null) {
    return { kind: 'typical', from: best.from, to: best.from + step, basis: 'typical', forecast };
  }
  const bestWait = Math.round((scale * best.v) / rate);
  const nowWait = status.wait_minutes ? status.wait_minutes.high : Math.round((scale * typicalAt(localMinutes(nowMs, off))) / rate);
  if (status.state !== 'not_started' && (nowWait <= GOOD_WAIT_MIN || nowWait <= bestWait)) {
    return { kind: 'now', basis: 'station', forecast };
  }
  return { kind: 'window', from: best.from, to: best.from + step, wait: bestWait, basis: 'station', forecast };
}
