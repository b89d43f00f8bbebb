// Clients of the query port's APIs. Every function returns plain data and
// throws HTTPError on a non-2xx answer. Where an endpoint of the graph
// contract (/graph, /services, /series) is not served (404/501), a
// documented fallback builds the same shape from older endpoints, and the
// result carries `fallback: "<what was used>"` so the page can say so.

import { healthOf, worse } from './health.js';
import { quantile } from './format.js';

const MESH = '/api/meshlens/v1/';

/** An API answer with a non-2xx status. */
export class HTTPError extends Error {
  constructor(url, status, message) {
    super(`${url}: ${status} ${message}`);
    this.status = status;
  }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

/** GETs url and decodes its JSON body. */
export async function getJSON(url, signal) {
  const resp = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await resp.json(); } catch { /* not JSON */ }
  if (!resp.ok) {
    const msg = (body && (body.error || (body.errors && body.errors[0] && body.errors[0].msg))) || resp.statusText;
    throw new HTTPError(url, resp.status, msg);
  }
  return body;
}

/** GETs a meshlens API endpoint and unwraps its {"status","data"} envelope. */
export async function mesh(path, params, signal) {
  const body = await getJSON(MESH + path + query(params), signal);
  if (body && body.status === 'success' && 'data' in body) return body.data;
  return body;
}

const absent = (e) => e instanceof HTTPError && (e.status === 404 || e.status === 501 || e.status === 405);

// ---- graph -----------------------------------------------------------------

/** Node id as the graph contract spells it. */
export function nodeId(w) {
  if (!w.service || w.service === 'unknown') return 'unknown';
  return [w.namespace || '', w.service, w.version || ''].join('/');
}

function nodeKind(w) {
  if (!w.service || w.service === 'unknown') return 'unknown';
  return w.namespace ? 'service' : 'external';
}

function addRED(acc, red) {
  acc.requests += red.requests || 0;
  acc.rate += red.rate || 0;
  acc.errors += red.errors || 0;
  acc.client_errors += red.client_errors || 0;
  for (const k of ['p50_ms', 'p90_ms', 'p99_ms', 'relative_error']) acc[k] = Math.max(acc[k] || 0, red[k] || 0);
  acc.error_ratio = acc.requests ? acc.errors / acc.requests : 0;
  acc.client_error_ratio = acc.requests ? acc.client_errors / acc.requests : 0;
}

const emptyRED = () => ({ requests: 0, rate: 0, errors: 0, client_errors: 0, error_ratio: 0, client_error_ratio: 0 });

/**
 * Builds the graph contract's answer from /red?by=edge rows. Node RED is
 * the sum of its inbound edges (latencies: their maximum, an upper bound).
 */
export function graphFromRED(red) {
  const nodes = new Map();
  const edges = [];
  const node = (w) => {
    const id = nodeId(w);
    if (!nodes.has(id)) {
      const kind = nodeKind(w);
      nodes.set(id, {
        id, kind, service: kind === 'unknown' ? 'unknown' : w.service, namespace: w.namespace || '',
        version: w.version || '', red: emptyRED(), sources: [],
      });
    }
    return nodes.get(id);
  };
  for (const row of red.rows || []) {
    const src = node(row.source || { service: 'unknown' });
    const dst = node(row.destination);
    const proto = row.protocol || 'http';
    const r = { ...row };
    delete r.source; delete r.destination; delete r.sources; delete r.protocol;
    const secs = (new Date(red.end) - new Date(red.start)) / 1000;
    if (secs > 0) {
      r.bytes_in_per_sec = (row.bytes_in || 0) / secs;
      r.bytes_out_per_sec = (row.bytes_out || 0) / secs;
    }
    edges.push({
      id: `${src.id}->${dst.id}|${proto}`, source: src.id, target: dst.id, protocol: proto,
      red: r, health: healthOf(r), sources: row.sources || [],
    });
    addRED(dst.red, r);
    dst.sources = [...new Set([...dst.sources, ...(row.sources || [])])];
  }
  for (const n of nodes.values()) n.health = healthOf(n.red);
  return { start: red.start, end: red.end, nodes: [...nodes.values()], edges };
}

/** GET /graph, or the graph built from /red?by=edge when /graph is absent. */
export async function graph(params, signal) {
  try {
    return await mesh('graph', params, signal);
  } catch (e) {
    if (!absent(e)) throw e;
  }
  const red = await mesh('red', { ...params, by: 'edge' }, signal);
  return { ...graphFromRED(red), fallback: '/api/meshlens/v1/red?by=edge' };
}

/** GET /services, or /red?by=service reshaped when /services is absent. */
export async function services(params, signal) {
  try {
    return await mesh('services', params, signal);
  } catch (e) {
    if (!absent(e)) throw e;
  }
  const red = await mesh('red', { ...params, by: 'service' }, signal);
  const by = new Map();
  for (const row of red.rows || []) {
    const d = row.destination;
    const key = `${d.namespace || ''}/${d.service}`;
    if (!by.has(key)) by.set(key, { service: d.service, namespace: d.namespace || '', versions: [], red: emptyRED(), sources: [] });
    const s = by.get(key);
    if (d.version && !s.versions.includes(d.version)) s.versions.push(d.version);
    addRED(s.red, row);
    s.sources = [...new Set([...s.sources, ...(row.sources || [])])];
  }
  const list = [...by.values()];
  for (const s of list) s.health = healthOf(s.red);
  return { start: red.start, end: red.end, services: list, fallback: '/api/meshlens/v1/red?by=service' };
}

// ---- series ----------------------------------------------------------------

/**
 * Per-step points {t, rate, error_ratio, p50_ms, p90_ms, p99_ms} computed
 * exactly from access-log records (the fallback for /series).
 */
export function seriesFromRecords(records, start, end, step) {
  const n = Math.max(1, Math.ceil((end - start) / step));
  const buckets = Array.from({ length: n }, () => ({ count: 0, errors: 0, durs: [] }));
  for (const r of records) {
    const t = Date.parse(r.start_time) / 1000;
    const i = Math.floor((t - start) / step);
    if (i < 0 || i >= n) continue;
    const b = buckets[i];
    b.count++;
    if (isError(r)) b.errors++;
    if (r.duration != null) b.durs.push(r.duration);
  }
  return buckets.map((b, i) => {
    b.durs.sort((x, y) => x - y);
    return {
      t: start + i * step, requests: b.count, rate: b.count / step, error_ratio: b.count ? b.errors / b.count : null,
      p50_ms: quantile(b.durs, 0.5), p90_ms: quantile(b.durs, 0.9), p99_ms: quantile(b.durs, 0.99),
    };
  });
}

/** A record counts as an error as in RED: a 5xx, or no response code. */
export function isError(r) {
  return r.response_code >= 500 || r.response_code === 0;
}

/**
 * GET /series; when absent, the points come from up to `limit` access-log
 * records of the service or edge (`records` gives them).
 */
export async function series(params, records, signal) {
  try {
    const d = await mesh('series', params, signal);
    return { points: d.points || [] };
  } catch (e) {
    if (!absent(e)) throw e;
  }
  const recs = await records();
  return {
    points: seriesFromRecords(recs, Number(params.start), Number(params.end), Number(params.step) || 60),
    fallback: `${recs.length} access-log records`,
  };
}

// ---- access logs and requests ------------------------------------------------

/** GET /logs (newest first). */
export async function logs(params, signal) {
  return (await mesh('logs', params, signal)) || [];
}

/**
 * The records of calls to service (in ns): its own inbound records when its
 * proxy reports any, else its callers' outbound records. With `from`, only
 * calls from that service.
 */
export async function callsTo(service, ns, from, params, signal) {
  const recs = await logs({ ...params, service }, signal);
  const mine = recs.filter((r) => r.destination.service === service &&
    (!ns || !r.destination.namespace || r.destination.namespace === ns) &&
    (!from || r.source.service === from.service));
  const inbound = mine.filter((r) => r.reporter.direction === 'destination');
  if (from) {
    const outbound = mine.filter((r) => r.reporter.direction === 'source');
    return outbound.length ? outbound : inbound;
  }
  return inbound.length ? inbound : mine;
}

/** GET /requests/<id>: {request_id, access_logs, traces}; null when unknown. */
export async function request(id, signal) {
  try {
    return await mesh('requests/' + encodeURIComponent(id), null, signal);
  } catch (e) {
    if (e instanceof HTTPError && e.status === 404) return null;
    throw e;
  }
}

// ---- Jaeger ------------------------------------------------------------------

/** Jaeger's service names (Istio's are "name.namespace"). */
export async function jaegerServices(signal) {
  return (await getJSON('/api/services', signal)).data || [];
}

/** Jaeger /api/traces?service=… over [start, end] (Unix seconds). */
export async function jaegerTraces(service, start, end, limit, signal) {
  const q = query({ service, start: start * 1e6, end: end * 1e6, limit });
  return (await getJSON('/api/traces' + q, signal)).data || [];
}

/** Jaeger /api/traces/<id>: the trace, or null when unknown. */
export async function jaegerTrace(id, signal) {
  try {
    const d = (await getJSON('/api/traces/' + encodeURIComponent(id), signal)).data || [];
    return d[0] || null;
  } catch (e) {
    if (e instanceof HTTPError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

/** The Jaeger service names that stand for service in namespace ns. */
export function jaegerNamesFor(all, service, ns) {
  return all.filter((s) => s === service || (ns && s === `${service}.${ns}`) || s.startsWith(service + '.'));
}

/** Converts a Jaeger trace to the /requests span shape. */
export function spansFromJaeger(trace) {
  const procs = trace.processes || {};
  return (trace.spans || []).map((s) => {
    const tags = Object.fromEntries((s.tags || []).map((t) => [t.key, t.value]));
    const parent = (s.references || []).find((r) => r.refType === 'CHILD_OF');
    return {
      span_id: s.spanID, parent_id: parent ? parent.spanID : '',
      service: (procs[s.processID] || {}).serviceName || '', name: s.operationName,
      kind: tags['span.kind'] || '', start: new Date(s.startTime / 1000).toISOString(),
      duration: s.duration / 1000, http_status: Number(tags['http.status_code'] ?? tags['http.response.status_code']) || 0,
      response_flags: tags.response_flags || '', upstream_cluster: tags.upstream_cluster || tags['upstream_cluster.name'] || '',
      error: tags.error === true || tags.error === 'true', request_id: tags['guid:x-request-id'] || '',
    };
  });
}

export { worse };
