// What the service and edge pages share: the range picker, RED tiles,
// charts from /series, top endpoints, failing requests and recent traces.

import * as api from '../api.js';
import { lineChart } from '../charts.js';
import { esc, rps, pct, ms, clock, stamp, windowOf, quantile, pageWindow, windowParams, rangeOptions } from '../format.js';
import { requestURL, serviceURL } from '../router.js';

/** How many access-log records a page aggregates client-side at most. */
export const RECORD_LIMIT = 2000;

/** The chart step for a window: whole minutes, at most ~120 points. */
export function stepFor(seconds) {
  return Math.max(60, Math.ceil(seconds / 120 / 60) * 60);
}

/** The page skeleton; returns its parts. */
export function skeleton(el, { title, subtitle, win, kind }) {
  const frozen = new URL(location.href);
  frozen.searchParams.delete('range');
  frozen.searchParams.set('start', String(win.start));
  frozen.searchParams.set('end', String(win.end));
  el.innerHTML = `
    <section class="page detail-page" data-kind="${esc(kind)}">
      <header class="page-head">
        <div><h1>${title}</h1><p class="muted">${subtitle}</p></div>
        <div class="head-controls">
          <label>Range <select name="range">${rangeOptions(win)}</select></label>
          <a class="permalink" href="${esc(frozen.pathname + frozen.search)}" title="a link to exactly these minutes">link to this window</a>
        </div>
      </header>
      <div class="tiles" id="tiles"></div>
      <div class="charts" id="charts"></div>
      <div class="columns">
        <section><h2>Top endpoints</h2><div id="endpoints" class="muted">loading…</div></section>
        <section id="neighbours-box" hidden><h2>Callers and callees</h2><div id="neighbours"></div></section>
      </div>
      <section><h2>Recent failing requests</h2><div id="failing" class="muted">loading…</div></section>
      <section><h2>Recent traces</h2><div id="traces" class="muted">loading…</div></section>
    </section>`;
  const $ = (id) => el.querySelector('#' + id);
  return { tiles: $('tiles'), charts: $('charts'), endpoints: $('endpoints'), failing: $('failing'), traces: $('traces'),
    neighbours: $('neighbours'), neighboursBox: $('neighbours-box'), range: el.querySelector('select[name=range]') };
}

/** The page's window from the URL (see pageWindow). */
export function windowOfPage(params) { return pageWindow(params); }

/** Makes the range picker re-open the page with the new relative range. */
export function wireRange(sel, ctx) {
  sel.addEventListener('change', () => {
    if (sel.value === 'custom') return;
    const u = new URL(location.href);
    u.searchParams.delete('start');
    u.searchParams.delete('end');
    u.searchParams.delete('range');
    for (const [k, v] of Object.entries(windowParams({ range: sel.value }))) if (v) u.searchParams.set(k, v);
    ctx.navigate(u.pathname + u.search, { replace: true });
  });
}

/** RED tiles. */
export function tiles(box, red, health, note) {
  if (!red) { box.innerHTML = '<p class="muted">no RED for this window</p>'; return; }
  const t = (k, v) => `<div class="tile"><span>${k}</span><strong>${v}</strong></div>`;
  box.innerHTML = t('health', `<span class="badge ${esc(health || 'idle')}">${esc(health || 'idle')}</span>`) +
    t('requests', esc(red.requests ?? 0)) + t('rate', rps(red.rate) + ' rps') +
    t('errors', pct(red.error_ratio)) + t('4xx', pct(red.client_error_ratio)) +
    t('p50', ms(red.p50_ms)) + t('p90', ms(red.p90_ms)) + t('p99', ms(red.p99_ms)) +
    t('bound', red.relative_error ? '±' + pct(red.relative_error) : 'exact') +
    (note ? `<p class="muted note">${esc(note)}</p>` : '');
}

/** Rate, error-ratio and latency charts. */
export function charts(box, points, start, end, fallback) {
  // A step without requests has a rate of 0 but no error ratio or latency:
  // those are gaps, not zeros.
  const P = (k) => points.map((p) => [p.t, k !== 'rate' && p.requests === 0 ? null : p[k] ?? null]);
  box.innerHTML = '';
  box.append(
    lineChart({ title: 'Request rate', start, end, fmt: (v) => rps(v) + '/s', series: [{ name: 'rps', color: '#0066cc', points: P('rate') }] }),
    lineChart({ title: 'Error ratio (5xx)', start, end, fmt: pct, series: [{ name: 'errors', color: '#c9190b', points: P('error_ratio') }] }),
    lineChart({ title: 'Latency', start, end, fmt: ms, series: [
      { name: 'p50', color: '#3e8635', points: P('p50_ms') },
      { name: 'p90', color: '#f0ab00', points: P('p90_ms') },
      { name: 'p99', color: '#c9190b', points: P('p99_ms') },
    ] }),
  );
  if (fallback) box.insertAdjacentHTML('beforeend', `<p class="muted note">charts computed from ${esc(fallback)} (the series API is not served)</p>`);
}

/** Top endpoints (method + path) of records, by request count. */
export function topEndpoints(records, limit = 15) {
  const by = new Map();
  for (const r of records) {
    const key = `${r.method || '-'} ${r.path || '-'}`;
    if (!by.has(key)) by.set(key, { method: r.method || '-', path: r.path || '-', requests: 0, errors: 0, durs: [] });
    const e = by.get(key);
    e.requests++;
    if (api.isError(r)) e.errors++;
    if (r.duration != null) e.durs.push(r.duration);
  }
  const list = [...by.values()].sort((a, b) => b.requests - a.requests || a.path.localeCompare(b.path)).slice(0, limit);
  for (const e of list) { e.durs.sort((a, b) => a - b); e.p50 = quantile(e.durs, 0.5); e.p99 = quantile(e.durs, 0.99); }
  return list;
}

export function endpointsTable(box, records) {
  const list = topEndpoints(records);
  if (!list.length) { box.innerHTML = '<p class="muted">no access-log records in this range</p>'; return; }
  box.classList.remove('muted');
  box.innerHTML = `<table class="data endpoints"><thead><tr><th>method</th><th>path</th><th>requests</th><th>errors</th><th>p50</th><th>p99</th></tr></thead><tbody>` +
    list.map((e) => `<tr><td>${esc(e.method)}</td><td class="path">${esc(e.path)}</td><td class="num">${e.requests}</td>` +
      `<td class="num">${pct(e.errors / e.requests)}</td><td class="num">${ms(e.p50)}</td><td class="num">${ms(e.p99)}</td></tr>`).join('') +
    `</tbody></table><p class="muted note">from the ${records.length} most recent access-log records (at most ${RECORD_LIMIT})</p>`;
}

const flagged = (r) => r.response_flags && r.response_flags !== '-';

/** Failing (5xx, no response, or flagged) records, newest first. */
export function failingOf(...lists) {
  const seen = new Set();
  const out = [];
  for (const r of lists.flat()) {
    if (!(api.isError(r) || flagged(r))) continue;
    const key = `${r.request_id}|${r.reporter.direction}|${r.start_time}|${r.upstream_cluster}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out.sort((a, b) => Date.parse(b.start_time) - Date.parse(a.start_time)).slice(0, 25);
}

export function failingTable(box, records) {
  if (!records.length) { box.innerHTML = '<p class="muted">no failing requests in this range</p>'; return; }
  box.classList.remove('muted');
  box.innerHTML = `<table class="data failing"><thead><tr><th>time (UTC)</th><th>reported by</th><th>call</th><th>request</th><th>code</th><th>flags</th><th>details</th><th>duration</th><th>x-request-id</th></tr></thead><tbody>` +
    records.map((r) => `<tr>
      <td>${clock(r.start_time)}</td>
      <td>${esc(r.reporter.service || '')} <span class="muted">(${esc(r.reporter.direction)})</span></td>
      <td>${esc(r.source.service)} → ${esc(r.destination.service)}</td>
      <td class="path">${esc(r.method || '')} ${esc(r.path || '')}</td>
      <td class="num code">${esc(r.response_code)}</td>
      <td class="flags">${flagged(r) ? `<span class="flag">${esc(r.response_flags)}</span>` : ''}</td>
      <td>${esc(r.response_code_details || '')}</td>
      <td class="num">${ms(r.duration)}</td>
      <td>${r.request_id ? `<a href="${requestURL(r.request_id)}">${esc(r.request_id)}</a>` : ''}</td></tr>`).join('') +
    '</tbody></table>';
}

/** Recent traces of Jaeger services matching service; filter keeps some. */
export async function recentTraces(service, ns, start, end, signal, filter = () => true) {
  const names = api.jaegerNamesFor(await api.jaegerServices(signal), service, ns);
  const lists = await Promise.all(names.map((n) => api.jaegerTraces(n, start, end, 20, signal)));
  const seen = new Set();
  const out = [];
  for (const t of lists.flat()) {
    if (seen.has(t.traceID) || !filter(t)) continue;
    seen.add(t.traceID);
    out.push(t);
  }
  return out.sort((a, b) => startOf(b) - startOf(a)).slice(0, 20);
}

function startOf(t) { return Math.min(...(t.spans || []).map((s) => s.startTime)); }

export function tracesTable(box, traces) {
  if (!traces.length) { box.innerHTML = '<p class="muted">no traces in this range</p>'; return; }
  box.classList.remove('muted');
  box.innerHTML = `<table class="data traces"><thead><tr><th>start (UTC)</th><th>trace</th><th>root</th><th>spans</th><th>services</th><th>duration</th><th>errors</th></tr></thead><tbody>` +
    traces.map((t) => {
      const spans = api.spansFromJaeger(t);
      const t0 = Math.min(...spans.map((s) => Date.parse(s.start)));
      const t1 = Math.max(...spans.map((s) => Date.parse(s.start) + s.duration));
      const ids = new Set(spans.map((s) => s.span_id));
      const root = spans.find((s) => !s.parent_id || !ids.has(s.parent_id)) || spans[0];
      const errs = spans.filter((s) => s.error || s.http_status >= 500).length;
      const svcs = [...new Set(spans.map((s) => s.service))];
      return `<tr><td>${stamp(t0)}</td><td><a href="${requestURL(t.traceID)}">${esc(t.traceID)}</a></td>` +
        `<td>${esc(root ? root.service + ' ' + root.name : '')}</td><td class="num">${spans.length}</td>` +
        `<td>${esc(svcs.join(', '))}</td><td class="num">${ms(t1 - t0)}</td><td class="num">${errs || ''}</td></tr>`;
    }).join('') + '</tbody></table>';
}

/** Callers and callees of a service from the graph answer, linking to edges. */
export function neighboursTable(box, g, name, ns, edgeLink, linkParams) {
  const rows = (g.edges || []).map((e) => ({ e, s: g.nodes.find((n) => n.id === e.source), d: g.nodes.find((n) => n.id === e.target) }))
    .filter(({ s, d }) => s && d && ((s.service === name && (s.namespace || '') === ns) || (d.service === name && (d.namespace || '') === ns)));
  if (!rows.length) return false;
  const seen = (e) => {
    const dis = (e.disagreements || []).map((d) => `${d.field}: ${Object.entries(d.values || {}).map(([k, v]) => `${k} ${v}`).join(' vs ')}`);
    return esc((e.sources || []).join(', ')) +
      ((e.missing || []).length ? ` <span class="warn">(not in ${esc(e.missing.join(', '))})</span>` : '') +
      (dis.length ? ` <span class="warn" title="${esc(dis.join('; '))}">⚠ ${dis.length} disagreement${dis.length > 1 ? 's' : ''}</span>` : '');
  };
  box.innerHTML = `<table class="data"><thead><tr><th>from</th><th>to</th><th>rps</th><th>errors</th><th>p99</th><th>seen by</th></tr></thead><tbody>` +
    rows.map(({ e, s, d }) => `<tr><td><a href="${serviceURL(s.namespace, s.service, linkParams)}">${esc(s.service)}</a> ${esc(s.version)}</td>` +
      `<td><a href="${serviceURL(d.namespace, d.service, linkParams)}">${esc(d.service)}</a> ${esc(d.version)}</td>` +
      `<td class="num"><a href="${edgeLink(s, d)}">${rps(e.red && e.red.rate)}</a></td><td class="num">${pct(e.red && e.red.error_ratio)}</td>` +
      `<td class="num">${ms(e.red && e.red.p99_ms)}</td><td class="sources">${seen(e)}</td></tr>`).join('') + '</tbody></table>';
  return true;
}

/** Runs part(), showing its failure in box rather than failing the page. */
export async function section(box, part) {
  try {
    await part();
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    box.classList.remove('muted');
    box.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
}

