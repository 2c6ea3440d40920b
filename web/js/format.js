// Plain-words formatting shared by the pages: times in the district's zone, "6 min ago",
// wait ranges, poll states.
import { t } from './i18n.js';

export const TIME_ZONE = 'Asia/Kolkata';
const hm = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE });

// "14:05" in the district's time zone, from a Date, ms or an RFC 3339 string.
export const clock = (when) => hm.format(new Date(typeof when === 'string' ? Date.parse(when) : when));

// Whole minutes since `iso`, by the server's clock (`nowMs`); null when unknown.
export function minutesSince(iso, nowMs) {
  if (!iso) return null;
  const t0 = Date.parse(iso);
  if (Number.isNaN(t0)) return null;
  return Math.max(0, Math.floor((nowMs - t0) / 60000));
}

export function ago(minutes) {
  if (minutes === null) return '';
  if (minutes < 1) return t('ago_now');
  if (minutes < 60) return t('ago_min', { n: minutes });
  return t('ago_hour', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

export function waitText(w) {
  if (!w) return t('wait_unknown');
  if (w.high <= 0) return t('wait_none');
  if (w.low === w.high) return t('wait_about', { n: w.high });
  return t('wait_range', { low: w.low, high: w.high });
}

export const stateText = (state) => t(`state_${state || 'not_started'}`);

export const num = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-IN'));
