// The edge page: the service page's sections for one caller→callee pair.

import * as api from '../api.js';
import { healthOf } from '../health.js';
import { esc, windowParams } from '../format.js';
import { serviceURL, edgeURL } from '../router.js';
import {
  RECORD_LIMIT, stepFor, skeleton, windowOfPage, wireRange, tiles, charts, endpointsTable, failingOf, failingTable,
  recentTraces, tracesTable, neighboursTable, section,
} from './detail.js';

const sameSide = (node, side) => node && node.service === side.name && (node.namespace || '') === side.ns;

/** The edge's RED summed over its version pairs (latencies: the maximum). */
function sumEdges(edges) {
  if (!edges.length) return null;
  const r = { requests: 0, rate: 0, errors: 0, client_errors: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, relative_error: 0 };
  for (const e of edges) {
    const x = e.red || {};
    r.requests += x.requests || 0; r.rate += x.rate || 0; r.errors += x.errors || 0; r.client_errors += x.client_errors || 0;
    for (const k of ['p50_ms', 'p90_ms', 'p99_ms', 'relative_error']) r[k] = Math.max(r[k], x[k] || 0);
  }
  r.error_ratio = r.requests ? r.errors / r.requests : 0;
  r.client_error_ratio = r.requests ? r.client_errors / r.requests : 0;
  return r;
}

export async function render(el, route, ctx) {
  const { src, dst } = route;
  const win = windowOfPage(route.params);
  const { start, end } = win;
  const linkParams = windowParams(win);
  const step = stepFor(end - start);
  const p = skeleton(el, {
    kind: 'edge', win,
    title: `<a href="${serviceURL(src.ns, src.name, linkParams)}">${esc(src.name)}</a> → ` +
      `<a href="${serviceURL(dst.ns, dst.name, linkParams)}">${esc(dst.name)}</a>`,
    subtitle: `calls from ${esc(src.name)}${src.ns ? '.' + esc(src.ns) : ''} to ${esc(dst.name)}${dst.ns ? '.' + esc(dst.ns) : ''}`,
  });
  wireRange(p.range, ctx);
  let recs = null;
  const records = () => (recs ??= (async () => {
    const out = await api.logs({ service: src.name, direction: 'outbound', start, end, limit: RECORD_LIMIT }, ctx.signal);
    const mine = out.filter((r) => r.destination.service === dst.name);
    if (mine.length) return mine;
    return api.callsTo(dst.name, dst.ns, { service: src.name }, { start, end, limit: RECORD_LIMIT }, ctx.signal);
  })());

  await Promise.all([
    section(p.tiles, async () => {
      const g = await api.graph({ start, end }, ctx.signal);
      const byId = new Map((g.nodes || []).map((n) => [n.id, n]));
      const edges = (g.edges || []).filter((e) => sameSide(byId.get(e.source), src) && sameSide(byId.get(e.target), dst));
      const red = sumEdges(edges);
      const health = edges.reduce((h, e) => api.worse(h, e.health || 'idle'), red ? healthOf(red) : 'idle');
      tiles(p.tiles, red, health, `${edges.length} version pair${edges.length === 1 ? '' : 's'}` + (g.fallback ? ` · from ${g.fallback}` : ''));
      const link = (s, d) => edgeURL({ ns: s.namespace, name: s.service }, { ns: d.namespace, name: d.service }, linkParams);
      const sub = { nodes: g.nodes, edges };
      if (neighboursTable(p.neighbours, sub, src.name, src.ns, link, linkParams)) {
        p.neighboursBox.hidden = false;
        p.neighboursBox.querySelector('h2').textContent = 'Version pairs';
      }
    }),
    section(p.charts, async () => {
      const sr = await api.series({
        kind: 'edge', source_service: src.name, dest_service: dst.name,
        source_namespace: src.ns, dest_namespace: dst.ns, start, end, step,
      }, records, ctx.signal);
      charts(p.charts, sr.points, start, end, sr.fallback);
    }),
    section(p.endpoints, async () => endpointsTable(p.endpoints, await records())),
    section(p.failing, async () => {
      const failed = await api.logs({ service: src.name, direction: 'outbound', class: '5xx', start, end, limit: 200 }, ctx.signal);
      failingTable(p.failing, failingOf(failed.filter((r) => r.destination.service === dst.name), await records()));
    }),
    section(p.traces, async () => {
      // A trace holds the call when the callee reported a span, or when a
      // client span's upstream cluster names the callee (a call that never
      // reached it, e.g. 503 UF).
      const fqdn = `|${dst.name}.${dst.ns ? dst.ns + '.' : ''}`;
      const calls = (t) => {
        const procs = t.processes || {};
        if (Object.values(procs).some((x) => x.serviceName === dst.name || x.serviceName.startsWith(dst.name + '.'))) return true;
        return api.spansFromJaeger(t).some((s) => s.upstream_cluster.startsWith('outbound|') && s.upstream_cluster.includes(fqdn));
      };
      tracesTable(p.traces, await recentTraces(src.name, src.ns, start, end, ctx.signal, calls));
    }),
  ]);
}
