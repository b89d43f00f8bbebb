// Routes: the page paths the server answers with index.html (web.IsPage).

import { nsFromSeg, nsSeg } from './format.js';

const dec = (s) => decodeURIComponent(s);

/**
 * Parses a location into {view, …}: graph, service {ns, name},
 * edge {src: {ns, name}, dst: {ns, name}}, request {id}, or notfound.
 */
export function parseRoute(loc) {
  const parts = loc.pathname.split('/').filter(Boolean);
  const params = new URLSearchParams(loc.search);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'graph')) return { view: 'graph', params };
  if (parts[0] === 'service' && parts.length === 3) {
    return { view: 'service', ns: nsFromSeg(parts[1]), name: dec(parts[2]), params };
  }
  if (parts[0] === 'edge' && parts.length === 5) {
    return {
      view: 'edge', params,
      src: { ns: nsFromSeg(parts[1]), name: dec(parts[2]) },
      dst: { ns: nsFromSeg(parts[3]), name: dec(parts[4]) },
    };
  }
  if (parts[0] === 'request' && parts.length >= 2) {
    return { view: 'request', id: dec(parts.slice(1).join('/')), params };
  }
  return { view: 'notfound', params };
}

function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The service page's URL. */
export function serviceURL(ns, name, params) {
  return withQuery(`/service/${nsSeg(ns)}/${encodeURIComponent(name)}`, params);
}

/** The edge page's URL. */
export function edgeURL(src, dst, params) {
  return withQuery(`/edge/${nsSeg(src.ns)}/${encodeURIComponent(src.name)}/${nsSeg(dst.ns)}/${encodeURIComponent(dst.name)}`, params);
}

/** The request page's URL. */
export function requestURL(id) { return `/request/${encodeURIComponent(id)}`; }

/** The graph page's URL. */
export function graphURL(params) { return withQuery('/graph', params); }
