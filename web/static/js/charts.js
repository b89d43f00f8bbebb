// Time-series line charts drawn as SVG (no chart library).

import { esc } from './format.js';

const W = 520;
const H = 180;
const PAD = { l: 56, r: 12, t: 24, b: 24 };

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function hhmm(t) { return new Date(t * 1000).toISOString().slice(11, 16); }

/**
 * Renders a chart into a new <figure class="chart">: `series` is
 * [{name, color, points: [[t (Unix s), value|null], …]}]; gaps (null) break
 * the line. `fmt` formats y values. The figure's data-points attribute is
 * the number of non-null values drawn.
 */
export function lineChart({ title, series, fmt, start, end }) {
  const fig = document.createElement('figure');
  fig.className = 'chart';
  let n = 0;
  let ymax = 0;
  for (const s of series) for (const [, v] of s.points) if (v != null && isFinite(v)) { n++; ymax = Math.max(ymax, v); }
  ymax = niceMax(ymax);
  const x0 = start ?? Math.min(...series.flatMap((s) => s.points.map((p) => p[0])));
  const x1 = end ?? Math.max(...series.flatMap((s) => s.points.map((p) => p[0])));
  const span = Math.max(1, x1 - x0);
  const X = (t) => PAD.l + ((t - x0) / span) * (W - PAD.l - PAD.r);
  const Y = (v) => H - PAD.b - (v / ymax) * (H - PAD.t - PAD.b);
  let svg = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`;
  for (let i = 0; i <= 4; i++) {
    const v = (ymax * i) / 4;
    const y = Y(v);
    svg += `<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}"/>`;
    svg += `<text class="tick" x="${PAD.l - 6}" y="${y + 4}" text-anchor="end">${esc(fmt(v))}</text>`;
  }
  for (let i = 0; i <= 4; i++) {
    const t = x0 + (span * i) / 4;
    svg += `<text class="tick" x="${X(t)}" y="${H - 6}" text-anchor="middle">${hhmm(t)}</text>`;
  }
  for (const s of series) {
    let d = '';
    let pen = false;
    const dots = [];
    for (const [t, v] of s.points) {
      if (v == null || !isFinite(v)) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${X(t).toFixed(1)},${Y(v).toFixed(1)}`;
      pen = true;
      dots.push(`<circle cx="${X(t).toFixed(1)}" cy="${Y(v).toFixed(1)}" r="2" fill="${s.color}"><title>${esc(s.name)} ${hhmm(t)}: ${esc(fmt(v))}</title></circle>`);
    }
    if (d) svg += `<path class="series" data-series="${esc(s.name)}" d="${d}" stroke="${s.color}"/>`;
    if (dots.length <= 120) svg += dots.join('');
  }
  svg += '</svg>';
  const legend = series.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.name)}</span>`).join('');
  fig.innerHTML = `<figcaption>${esc(title)}<span class="legend">${legend}</span></figcaption>${svg}` +
    (n ? '' : '<p class="empty">no data in this range</p>');
  fig.dataset.points = String(n);
  return fig;
}
