// Formatting and small helpers shared by the views. Pure functions only.

/** Escapes text for use inside HTML. */
export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

/** Requests per second, 3 significant digits. */
export function rps(v) {
  if (v == null || !isFinite(v)) return '–';
  if (v === 0) return '0';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 0.01) return v.toFixed(2);
  return v.toExponential(1);
}

/** A ratio (0..1) as a percentage. */
export function pct(v) {
  if (v == null || !isFinite(v)) return '–';
  const p = v * 100;
  if (p === 0) return '0%';
  if (p >= 10) return p.toFixed(0) + '%';
  if (p >= 0.1) return p.toFixed(1) + '%';
  return p.toFixed(2) + '%';
}

/** Milliseconds, with a unit that keeps 3 significant digits. */
export function ms(v) {
  if (v == null || !isFinite(v)) return '–';
  if (v >= 10000) return (v / 1000).toFixed(1) + 's';
  if (v >= 1000) return (v / 1000).toFixed(2) + 's';
  if (v >= 100) return v.toFixed(0) + 'ms';
  if (v >= 10) return v.toFixed(1) + 'ms';
  return v.toFixed(2) + 'ms';
}

/** Bytes per second. */
export function bps(v) {
  if (v == null || !isFinite(v)) return '–';
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
}

/** A time as HH:MM:SS.mmm (UTC) for tables. */
export function clock(t) {
  const d = t instanceof Date ? t : new Date(t);
  if (isNaN(d)) return '–';
  return d.toISOString().slice(11, 23);
}

/** A time as YYYY-MM-DD HH:MM:SS (UTC). */
export function stamp(t) {
  const d = t instanceof Date ? t : new Date(t);
  if (isNaN(d)) return '–';
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** The time ranges offered by the pickers, in seconds. */
export const RANGES = { '5m': 300, '15m': 900, '30m': 1800, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800 };

/** The default time range. */
export const DEFAULT_RANGE = '15m';

/**
 * Resolves a range name ("15m", or any "<n>s|m|h|d") to [start, end] in
 * Unix seconds ending now. Unknown names give the default range.
 */
export function windowOf(name, now = Date.now()) {
  let secs = RANGES[name];
  if (secs == null) {
    const m = /^(\d+)([smhd])$/.exec(name || '');
    secs = m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2]] : RANGES[DEFAULT_RANGE];
  }
  const end = Math.floor(now / 1000);
  return [end - secs, end];
}

/** The namespace segment used in paths: "_" stands for none. */
export function nsSeg(ns) { return ns ? encodeURIComponent(ns) : '_'; }

/** Decodes a namespace path segment. */
export function nsFromSeg(s) { return s === '_' ? '' : decodeURIComponent(s); }

/** "name.namespace" or just the name. */
export function qualified(service, ns) { return ns ? `${service}.${ns}` : service; }

/** Exact quantile (linear interpolation, as quantile_cont) of sorted values. */
export function quantile(sorted, q) {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The window a page shows, from its URL: absolute `start` and `end` (Unix
 * seconds) when both are set, so that a shared link shows the same
 * minutes; else the relative `range` ending now.
 */
export function pageWindow(params, now = Date.now()) {
  const s = Number(params.get('start'));
  const e = Number(params.get('end'));
  if (params.get('start') && params.get('end') && isFinite(s) && isFinite(e) && e > s) {
    return { range: 'custom', start: Math.floor(s), end: Math.floor(e), absolute: true };
  }
  let range = params.get('range') || DEFAULT_RANGE;
  if (!(range in RANGES)) range = DEFAULT_RANGE;
  const [start, end] = windowOf(range, now);
  return { range, start, end, absolute: false };
}

/** The URL parameters that keep window w in a link. */
export function windowParams(w) {
  if (w.absolute) return { start: String(w.start), end: String(w.end) };
  return { range: w.range === DEFAULT_RANGE ? '' : w.range };
}

/** The range picker's options for window w ("custom" when absolute). */
export function rangeOptions(w) {
  const opts = Object.keys(RANGES).map((r) => `<option value="${r}"${!w.absolute && r === w.range ? ' selected' : ''}>last ${r}</option>`);
  if (w.absolute) opts.unshift(`<option value="custom" selected>${esc(stamp(w.start * 1000))} – ${esc(stamp(w.end * 1000).slice(11))} UTC</option>`);
  return opts.join('');
}
