// The request page: an x-request-id or a trace id. Shows each trace as a
// waterfall and, under each hop, that hop's access-log record (matched by
// request id, then by reporter side, service and upstream cluster).

import * as api from '../api.js';
import { esc, ms, stamp, pct } from '../format.js';
import { serviceURL, requestURL } from '../router.js';

const isTraceID = (s) => /^[0-9a-f]{16}([0-9a-f]{16})?$/i.test(s);
const baseName = (svc) => (svc || '').split('.')[0];

/** Which side of a call a span is: "source" (client), "destination" or "". */
export function sideOf(span) {
  const k = (span.kind || '').toLowerCase();
  if (k === 'client' || (span.upstream_cluster || '').startsWith('outbound|')) return 'source';
  if (k === 'server' || (span.upstream_cluster || '').startsWith('inbound|')) return 'destination';
  return '';
}

/**
 * Pairs each span with at most one access-log record: same request id
 * (when the span has one), same side, the reporting service, and the same
 * upstream cluster when both name one; the closest in start time wins.
 * Returns a Map span_id → record; each record is used once.
 */
export function matchRecords(spans, records) {
  const used = new Set();
  const out = new Map();
  const ordered = [...spans].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  for (const s of ordered) {
    const side = sideOf(s);
    const svc = baseName(s.service);
    let best = null;
    let bestGap = Infinity;
    records.forEach((r, i) => {
      if (used.has(i)) return;
      if (s.request_id && r.request_id && s.request_id !== r.request_id) return;
      if (side && r.reporter.direction !== side) return;
      const reporter = r.reporter.service || (r.reporter.direction === 'source' ? r.source.service : r.destination.service);
      if (baseName(reporter) !== svc) return;
      if (side === 'source' && s.upstream_cluster && r.upstream_cluster && s.upstream_cluster !== r.upstream_cluster) return;
      const gap = Math.abs(Date.parse(r.start_time) - Date.parse(s.start));
      if (gap < bestGap) { best = i; bestGap = gap; }
    });
    if (best !== null) { used.add(best); out.set(s.span_id, records[best]); }
  }
  return out;
}

/** Spans in tree order (parents before children, siblings by start) with depth. */
export function treeOrder(spans) {
  const ids = new Set(spans.map((s) => s.span_id));
  const kids = new Map();
  for (const s of spans) {
    const p = s.parent_id && ids.has(s.parent_id) ? s.parent_id : '';
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(s);
  }
  for (const list of kids.values()) list.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const out = [];
  const seen = new Set();
  const walk = (p, depth) => {
    for (const s of kids.get(p) || []) {
      if (seen.has(s.span_id)) continue;
      seen.add(s.span_id);
      out.push({ span: s, depth });
      walk(s.span_id, depth + 1);
    }
  };
  walk('', 0);
  for (const s of spans) if (!seen.has(s.span_id)) out.push({ span: s, depth: 0 }); // cycles
  return out;
}

function recordHTML(r) {
  const flags = r.response_flags && r.response_flags !== '-' ? `<span class="flag">${esc(r.response_flags)}</span>` : '';
  return `<div class="hop-log" data-direction="${esc(r.reporter.direction)}">
    <span class="dir">${r.reporter.direction === 'source' ? 'outbound' : 'inbound'} log of ${esc(r.reporter.service || '?')}</span>
    <code>${esc(r.method || '')} ${esc(r.path || '')}</code>
    <span class="code ${r.response_code >= 500 || r.response_code === 0 ? 'bad' : ''}">${esc(r.response_code)}</span> ${flags}
    <span>${esc(r.response_code_details || '')}</span>
    <span>${ms(r.duration)}${r.upstream_service_time != null ? ` (upstream ${ms(r.upstream_service_time)})` : ''}</span>
    <span class="muted">${esc(r.source.service)} → ${esc(r.destination.service)}${r.destination.version ? ' ' + esc(r.destination.version) : ''}</span>
    <span class="muted">${esc(r.upstream_cluster || '')}${r.upstream_host ? ' @ ' + esc(r.upstream_host) : ''}</span>
    <span class="muted">${esc(r.bytes_received)} B in / ${esc(r.bytes_sent)} B out</span>
  </div>`;
}

function bar(startMs, durMs, t0, total, bad) {
  const left = total > 0 ? ((startMs - t0) / total) * 100 : 0;
  const width = total > 0 ? Math.max(0.5, (durMs / total) * 100) : 100;
  return `<div class="track"><div class="bar${bad ? ' bad' : ''}" style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%"></div></div>`;
}

function waterfall(trace, records) {
  const spans = trace.spans || [];
  const matched = matchRecords(spans, records);
  const t0 = Math.min(...spans.map((s) => Date.parse(s.start)));
  const t1 = Math.max(...spans.map((s) => Date.parse(s.start) + s.duration));
  const rows = treeOrder(spans).map(({ span: s, depth }) => {
    const r = matched.get(s.span_id);
    const bad = s.error || s.http_status >= 500 || (r && (r.response_code >= 500 || r.response_code === 0));
    const svc = baseName(s.service);
    const ns = (s.service || '').split('.')[1] || '';
    return `<li class="span-row" data-span="${esc(s.span_id)}" style="--depth:${depth}">
      <div class="span-line">
        <div class="label"><a href="${serviceURL(ns, svc)}">${esc(s.service)}</a> <span class="muted">${esc(s.kind || '')}</span> ${esc(s.name)}</div>
        ${bar(Date.parse(s.start), s.duration, t0, t1 - t0, bad)}
        <div class="num">${ms(s.duration)}</div>
        <div class="num">${s.http_status ? esc(s.http_status) : ''}${s.response_flags && s.response_flags !== '-' ? ` <span class="flag">${esc(s.response_flags)}</span>` : ''}</div>
      </div>
      ${r ? recordHTML(r) : '<div class="hop-log missing muted">no access-log record for this hop</div>'}
    </li>`;
  }).join('');
  const used = new Set(matched.values());
  return {
    html: `<section class="trace" data-trace="${esc(trace.trace_id)}">
      <h2>Trace <a href="${requestURL(trace.trace_id)}">${esc(trace.trace_id)}</a>
        <span class="muted">${spans.length} spans · ${ms(t1 - t0)} · started ${stamp(t0)} UTC</span></h2>
      <ol class="waterfall">${rows}</ol></section>`,
    used,
  };
}

function logsWaterfall(records) {
  const t0 = Math.min(...records.map((r) => Date.parse(r.start_time)));
  const t1 = Math.max(...records.map((r) => Date.parse(r.start_time) + (r.duration || 0)));
  return `<section class="trace logs-only"><h2>Hops from access logs <span class="muted">(no trace recorded)</span></h2><ol class="waterfall">` +
    records.map((r) => `<li class="span-row log-row"><div class="span-line">
      <div class="label">${esc(r.source.service)} → ${esc(r.destination.service)}</div>
      ${bar(Date.parse(r.start_time), r.duration || 0, t0, t1 - t0, r.response_code >= 500 || r.response_code === 0)}
      <div class="num">${ms(r.duration)}</div><div class="num">${esc(r.response_code)}</div></div>${recordHTML(r)}</li>`).join('') +
    '</ol></section>';
}

/** Finds what is known about id: request id first, then trace id. */
async function lookup(id, signal) {
  let ans = await api.request(id, signal);
  let traces = ans ? ans.traces || [] : [];
  let records = ans ? ans.access_logs || [] : [];
  let kind = 'x-request-id';
  if (!ans && isTraceID(id)) {
    const t = await api.jaegerTrace(id.toLowerCase(), signal);
    if (t) {
      kind = 'trace id';
      traces = [{ trace_id: t.traceID, spans: api.spansFromJaeger(t) }];
      const rids = [...new Set(traces[0].spans.map((s) => s.request_id).filter(Boolean))];
      const found = await Promise.all(rids.map((r) => api.request(r, signal)));
      records = found.flatMap((f) => (f ? f.access_logs || [] : []));
      ans = { request_id: rids.join(', ') };
    }
  }
  if (ans && !traces.length) {
    // Access logs only: their trace id (when logged) may still find a trace.
    const tids = [...new Set(records.map((r) => r.trace_id).filter(Boolean))];
    for (const tid of tids) {
      const t = await api.jaegerTrace(tid, signal);
      if (t) traces.push({ trace_id: t.traceID, spans: api.spansFromJaeger(t) });
    }
  }
  return ans ? { kind, requestID: ans.request_id, traces, records } : null;
}

export async function render(el, route, ctx) {
  const id = route.id;
  el.innerHTML = `<section class="page request-page"><h1>Request <code>${esc(id)}</code></h1><p class="muted">loading…</p></section>`;
  const found = await lookup(id, ctx.signal);
  const page = el.querySelector('.request-page');
  if (!found) {
    page.innerHTML = `<h1>Request <code>${esc(id)}</code></h1><p class="notfound">No access-log record or trace has this x-request-id or trace id.</p>`;
    page.dataset.found = 'false';
    return;
  }
  const { traces, records } = found;
  const errs = records.filter((r) => r.response_code >= 500 || r.response_code === 0).length;
  let html = `<h1>Request <code>${esc(id)}</code></h1>
    <p class="muted">${esc(found.kind)}${found.kind === 'trace id' && found.requestID ? ` · x-request-id ${esc(found.requestID)}` : ''} ·
      ${traces.length} trace${traces.length === 1 ? '' : 's'} · ${records.length} access-log record${records.length === 1 ? '' : 's'}
      ${records.length ? ` · ${pct(errs / records.length)} failed` : ''}</p>`;
  const used = new Set();
  for (const t of traces) {
    const w = waterfall(t, records);
    html += w.html;
    for (const r of w.used) used.add(r);
  }
  const rest = records.filter((r) => !used.has(r));
  if (!traces.length && records.length) html += logsWaterfall(records);
  else if (rest.length) {
    html += `<section class="unmatched"><h2>Access-log records without a span</h2>${rest.map(recordHTML).join('')}</section>`;
  }
  page.innerHTML = html;
  page.dataset.found = 'true';
}
