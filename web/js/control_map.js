// The control room's map: one circle per station, coloured by wait. OpenStreetMap tiles when
// online; when offline (or the tiles fail) the circles stay on a plain background, so the map is
// still usable. Leaflet is loaded after login (control_libs.js) and handed in as `L`.

const COLOURS = { ok: '#1a7f37', mid: '#d19a00', bad: '#c62828', none: '#9e9e9e' };
const TILE_URL = 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png';

export function waitClass(status) {
  const w = status.wait_minutes;
  if (!w || status.state === 'closed') return 'none';
  if (w.high > 30) return 'bad';
  if (w.high >= 15) return 'mid';
  return 'ok';
}

export class StationMap {
  constructor(el, noteEl, L) {
    this.el = el;
    this.noteEl = noteEl;
    this.markers = new Map();
    this.fitted = false;
    this.L = L;
    if (!this.L) { noteEl.textContent = 'The map library did not load; the table lists every station.'; return; }
    this.map = this.L.map(el, { zoomControl: true, attributionControl: true }).setView([31.33, 75.57], 11);
    this.tileErrors = 0;
    this.tiles = this.L.tileLayer(TILE_URL, {
      maxZoom: 19, attribution: '&copy; OpenStreetMap contributors',
    });
    this.tiles.on('tileerror', () => { if (++this.tileErrors >= 4) this.goPlain('Map tiles are not reachable: stations are shown on a plain background.'); });
    this.tiles.on('tileload', () => { this.tileErrors = 0; });
    window.addEventListener('online', () => this.goTiles());
    window.addEventListener('offline', () => this.goPlain('Offline: stations are shown on a plain background.'));
    if (navigator.onLine) this.goTiles(); else this.goPlain('Offline: stations are shown on a plain background.');
  }

  goTiles() {
    if (!this.map || this.map.hasLayer(this.tiles)) return;
    this.tileErrors = 0;
    this.tiles.addTo(this.map);
    this.el.classList.remove('offline');
    this.noteEl.textContent = '';
  }

  goPlain(why) {
    if (!this.map) return;
    if (this.map.hasLayer(this.tiles)) this.map.removeLayer(this.tiles);
    this.el.classList.add('offline');
    this.noteEl.textContent = why;
  }

  // Adds or updates the station's circle.
  update(s, describe) {
    if (!this.map || typeof s.lat !== 'number' || typeof s.lon !== 'number') return;
    const cls = waitClass(s.status);
    const style = {
      radius: 8, weight: s.status.stale ? 4 : 1, color: s.status.stale ? '#6a1b9a' : '#111',
      fillColor: COLOURS[cls], fillOpacity: 0.9,
    };
    let m = this.markers.get(s.id);
    if (!m) {
      m = this.L.circleMarker([s.lat, s.lon], style).addTo(this.map);
      m.bindTooltip('');
      this.markers.set(s.id, m);
    } else {
      m.setStyle(style);
    }
    m.setTooltipContent(describe(s));
  }

  fit() {
    if (!this.map || this.fitted || this.markers.size === 0) return;
    const b = this.L.latLngBounds([...this.markers.values()].map((m) => m.getLatLng()));
    this.map.fitBounds(b.pad(0.15), { maxZoom: 15 });
    this.fitted = true;
  }
}
