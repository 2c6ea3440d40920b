// Page text in English, Punjabi (Gurmukhi) and Hindi. The choice is remembered in localStorage.
// Static text is marked in the HTML with data-i18n="key" (also data-i18n-placeholder and
// data-i18n-aria for attributes); dynamic text asks t(key, vars) and re-renders on 'psm:lang'.
import { STRINGS } from './strings.js';

export const LANGS = [
  { code: 'en', name: 'English' },
  { code: 'pa', name: 'ਪੰਜਾਬੀ' },
  { code: 'hi', name: 'हिन्दी' },
];
const KEY = 'psm.lang';

function initialLang() {
  let saved = null;
  try { saved = localStorage.getItem(KEY); } catch { /* storage disabled */ }
  if (saved && STRINGS[saved]) return saved;
  for (const l of navigator.languages || []) {
    const code = l.slice(0, 2).toLowerCase();
    if (STRINGS[code]) return code;
  }
  return 'en';
}
let current = initialLang();

export const lang = () => current;

// t('wait_range', {low: 15, high: 25}) → "about 15–25 min"; falls back to English, then the key.
export function t(key, vars = {}) {
  const s = (STRINGS[current] && STRINGS[current][key]) ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function applyStaticText(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = title.textContent;
}

export function setLang(code) {
  if (!STRINGS[code]) return;
  current = code;
  try { localStorage.setItem(KEY, code); } catch { /* private mode: not remembered */ }
  applyStaticText();
  window.dispatchEvent(new CustomEvent('psm:lang', { detail: code }));
}

// Fills a <select> with the languages and keeps it in step with the current one.
export function bindLangSelect(select) {
  select.replaceChildren(...LANGS.map(({ code, name }) => {
    const o = document.createElement('option');
    o.value = code;
    o.textContent = name;
    o.lang = code;
    return o;
  }));
  select.value = current;
  select.addEventListener('change', () => setLang(select.value));
  applyStaticText();
}
