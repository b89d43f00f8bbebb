// The service graph: Cytoscape.js over /api/meshlens/v1/graph, nodes and
// edges coloured by health, edge labels with rps, error % and p99.

import * as api from '../api.js';
import { COLORS } from '../health.js';
import { esc, rps, pct, ms, bps, windowOf, clock, pageWindow, windowParams, rangeOptions } from '../format.js';
import { serviceURL, edgeURL, graphURL } from '../router.js';

/** Layouts offered; the first is the default. */
export const LAYOUTS = ['breadthfirst', 'cose', 'circle', 'grid', 'concentric'];
const REFRESH = { off: 0, '10s': 10, '30s': 30, '1m': 60, '5m': 300 };
const SOURCES = ['auto', 'logs', 'spans', 'metrics'];

function options(values, current, label = (v) => v) {
  return values.map((v) => `<option value="${esc(v)}"${v === current ? ' selected' : ''}>${esc(label(v))}</option>`).join('');
}

/** Reads the page's settings from the URL, with defaults. */
function settings(params) {
  const win = pageWindow(params);
  const s = {
    ns: params.get('ns') || '',
    win,
    range: win.range,
    layout: params.get('layout') || LAYOUTS[0],
    refresh: params.get('refresh') || '30s',
    source: params.get('source') || 'auto',
  };
  if (!LAYOUTS.includes(s.layout)) s.layout = LAYOUTS[0];
  if (!(s.refresh in REFRESH)) s.refresh = '30s';
  if (!SOURCES.includes(s.source)) s.source = 'auto';
  return s;
}

function urlOf(s) {
  return graphURL({
    ns: s.ns, ...windowParams(s.win), layout: s.layout === LAYOUTS[0] ? '' : s.layout,
    refresh: s.refresh === '30s' ? '' : s.refresh, source: s.source === 'auto' ? '' : s.source,
  });
}

function nodeLabel(n) {
  if (n.kind === 'unknown') return 'unknown';
  return n.version ? `${n.service}\n${n.version}` : n.service;
}

function edgeLabel(e) {
  const r = e.red || {};
  if (!r.requests) return '';
  return `${rps(r.rate)} rps · ${pct(r.error_ratio)}\np99 ${ms(r.p99_ms)}`;
}

/** Cytoscape elements for a graph answer. */
export function elementsOf(g) {
  const els = [];
  for (const n of g.nodes || []) {
    els.push({ group: 'nodes', data: {
      id: n.id, label: nodeLabel(n), kind: n.kind, health: n.health || 'idle',
      service: n.service, namespace: n.namespace || '', version: n.version || '',
    } });
  }
  for (const e of g.edges || []) {
    els.push({ group: 'edges', data: {
      id: e.id, source: e.source, target: e.target, label: edgeLabel(e), health: e.health || 'idle',
      protocol: e.protocol || '',
    } });
  }
  return els;
}

const style = [
  { selector: 'node', style: {
    'background-color': (n) => COLORS[n.data('health')] || COLORS.idle,
    label: 'data(label)', 'text-wrap': 'wrap', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4,
    color: '#1f2328', width: 34, height: 34, 'border-width': 2, 'border-color': '#fff', 'min-zoomed-font-size': 6,
  } },
  { selector: 'node[kind = "unknown"]', style: { shape: 'diamond' } },
  { selector: 'node[kind = "external"]', style: { shape: 'round-rectangle' } },
  { selector: 'node:selected', style: { 'border-color': '#0066cc', 'border-width': 4 } },
  { selector: 'edge', style: {
    width: 2, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle',
    'line-color': (e) => COLORS[e.data('health')] || COLORS.idle,
    'target-arrow-color': (e) => COLORS[e.data('health')] || COLORS.idle,
    label: 'data(label)', 'font-size': 9, 'text-wrap': 'wrap', 'text-rotation': 'autorotate',
    'text-background-color': '#fff', 'text-background-opacity': 0.85, 'text-background-padding': 2, color: '#3c3f42',
    'min-zoomed-font-size': 7, // big meshes: edge labels appear when zoomed in
  } },
  { selector: 'edge:selected', style: { width: 4 } },
];

function layoutOptions(name) {
  const base = { name, animate: false, fit: true, padding: 40 };
  if (name === 'breadthfirst') return { ...base, directed: true, spacingFactor: 1.4, roots: 'node[[indegree = 0]]' };
  if (name === 'cose') return { ...base, nodeRepulsion: () => 400000, idealEdgeLength: () => 120, randomize: false };
  return base;
}

function details(g, id, linkParams) {
  const n = (g.nodes || []).find((x) => x.id === id);
  const e = (g.edges || []).find((x) => x.id === id);
  const item = n || e;
  if (!item) return overview(g, linkParams);
  const r = item.red || {};
  const title = n ? `${esc(n.service)}${n.version ? ' ' + esc(n.version) : ''}` : `${esc(e.source)} → ${esc(e.target)}`;
  const rows = [
    ['health', `<span class="badge ${esc(item.health)}">${esc(item.health)}</span>`],
    ['requests', esc(r.requests ?? '–')], ['rate', rps(r.rate) + ' rps'],
    ['errors (5xx)', pct(r.error_ratio)], ['client errors (4xx)', pct(r.client_error_ratio)],
    ['p50 / p90 / p99', `${ms(r.p50_ms)} / ${ms(r.p90_ms)} / ${ms(r.p99_ms)}`],
    ['latency bound', r.relative_error ? `±${pct(r.relative_error)}` : 'exact'],
  ];
  if (r.bytes_in_per_sec != null) rows.push(['bytes in / out', `${bps(r.bytes_in_per_sec)} / ${bps(r.bytes_out_per_sec)}`]);
  if (e && e.mtls_share != null) rows.push(['mTLS', pct(e.mtls_share)]);
  rows.push(['sources', esc((item.sources || []).join(', ') || '–')]);
  if (e && e.missing && e.missing.length) rows.push(['missing from', esc(e.missing.join(', '))]);
  if (e && e.disagreements && e.disagreements.length) {
    rows.push(['disagreements', e.disagreements.map((d) =>
      `${esc(d.field)}: ${Object.entries(d.values || {}).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')}`).join('<br>')]);
  }
  return `<h3>${title}</h3><table class="kv">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

const severity = { failure: 3, degraded: 2, healthy: 1, idle: 0 };

/** The panel's default: the edges most in trouble, linked to their pages. */
function overview(g, linkParams) {
  const byId = new Map((g.nodes || []).map((n) => [n.id, n]));
  const name = (n) => (n ? `${n.service}${n.version ? ' ' + n.version : ''}` : '?');
  const worst = [...(g.edges || [])]
    .filter((e) => e.red && e.red.requests)
    .sort((a, b) => (severity[b.health] ?? 0) - (severity[a.health] ?? 0) || (b.red.error_ratio || 0) - (a.red.error_ratio || 0))
    .slice(0, 8);
  const rows = worst.map((e) => {
    const s = byId.get(e.source);
    const d = byId.get(e.target);
    const href = s && d ? edgeURL({ ns: s.namespace, name: s.service }, { ns: d.namespace, name: d.service }, linkParams) : '#';
    return `<tr><td><span class="badge ${esc(e.health)}">${esc(e.health)}</span></td>` +
      `<td><a href="${href}">${esc(name(s))} → ${esc(name(d))}</a></td><td class="num">${pct(e.red.error_ratio)}</td></tr>`;
  }).join('');
  return `<h3>Edges by health</h3>${rows ? `<table class="kv worst">${rows}</table>` : '<p class="muted">no traffic in this range</p>'}` +
    '<p class="muted note">Point at a node or an edge for its numbers; click it to open its page.</p>';
}

/** Renders the graph page; resolves once the first graph is drawn. */
export async function render(el, route, ctx) {
  const s = settings(route.params);
  el.innerHTML = `
    <section class="page graph-page">
      <form class="toolbar" id="graph-controls">
        <label>Namespace <select name="ns"><option value="">all</option></select></label>
        <label>Range <select name="range">${rangeOptions(s.win)}</select></label>
        <label>Layout <select name="layout">${options(LAYOUTS, s.layout)}</select></label>
        <label>Source <select name="source">${options(SOURCES, s.source)}</select></label>
        <label>Refresh <select name="refresh">${options(Object.keys(REFRESH), s.refresh, (v) => v === 'off' ? 'off' : 'every ' + v)}</select></label>
        <button type="button" name="now">Refresh now</button>
        <a class="permalink" id="graph-permalink" href="#" title="a link to exactly these minutes">link to this window</a>
        <span class="status" id="graph-status"></span>
      </form>
      <div class="graph-wrap">
        <div id="cy" aria-label="service graph"></div>
        <aside id="graph-details"></aside>
      </div>
      <div class="legend">
        ${Object.entries(COLORS).map(([k, c]) => `<span><i style="background:${c}"></i>${k}</span>`).join('')}
        <span>◆ unknown caller</span><span>▭ external</span>
        <span class="muted">health is the server's (Kiali's thresholds by default: 5xx &gt;0 degraded, ≥10% failure; 4xx &gt;10% degraded, ≥20% failure)</span>
      </div>
    </section>`;
  const form = el.querySelector('#graph-controls');
  const status = el.querySelector('#graph-status');
  const panel = el.querySelector('#graph-details');
  const cy = window.cytoscape({ container: el.querySelector('#cy'), style, wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 3 });
  window.meshlens = { ...(window.meshlens || {}), cy };
  let g = { nodes: [], edges: [] };
  let timer = null;
  let inflight = null;
  ctx.onCleanup(() => { clearInterval(timer); if (inflight) inflight.abort(); cy.destroy(); });

  const namespaces = new Set(s.ns ? [s.ns] : []);
  function fillNamespaces() {
    const sel = form.elements.ns;
    const list = [...namespaces].filter(Boolean).sort();
    sel.innerHTML = `<option value="">all</option>` + options(list, s.ns);
  }
  fillNamespaces();

  async function load(relayout) {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const [start, end] = s.win.absolute ? [s.win.start, s.win.end] : windowOf(s.range);
    status.textContent = 'loading…';
    const answer = await api.graph({ start, end, namespace: s.ns, source: s.source }, inflight.signal);
    g = answer;
    for (const n of g.nodes || []) if (n.namespace) namespaces.add(n.namespace);
    fillNamespaces();
    const els = elementsOf(g);
    const ids = els.map((x) => x.data.id).sort().join(' ');
    const same = ids === cy.elements().map((x) => x.id()).sort().join(' ');
    if (same && !relayout) {
      for (const x of els) cy.getElementById(x.data.id).data(x.data);
    } else {
      cy.elements().remove();
      cy.add(els);
      cy.layout(layoutOptions(s.layout)).run();
    }
    const empty = !(g.nodes || []).length;
    status.innerHTML = `${(g.nodes || []).length} nodes, ${(g.edges || []).length} edges · updated ${clock(new Date())} UTC` +
      (answer.fallback ? ` · <span class="warn" title="the graph API is not served">from ${esc(answer.fallback)}</span>` : '') +
      (empty ? ' · <strong>no traffic in this range</strong>' : '');
    panel.innerHTML = details(g, null, windowParams(s.win));
    el.querySelector('#graph-permalink').href = urlOf({ ...s, win: { absolute: true, start, end } });
    const pageEl = el.querySelector('.graph-page');
    pageEl.dataset.loads = String(Number(pageEl.dataset.loads || 0) + 1);
  }

  function schedule() {
    clearInterval(timer);
    const secs = REFRESH[s.refresh];
    if (secs) timer = setInterval(() => load(false).catch((e) => { if (e.name !== 'AbortError') status.textContent = e.message; }), secs * 1000);
  }

  form.addEventListener('change', (ev) => {
    const name = ev.target.name;
    if (name === 'range' && ev.target.value === 'custom') return;
    s[name] = ev.target.value;
    if (name === 'range') s.win = { range: s.range, absolute: false };
    history.replaceState(null, '', urlOf(s));
    if (name === 'layout') cy.layout(layoutOptions(s.layout)).run();
    else if (name === 'refresh') schedule();
    else load(true).catch((e) => { if (e.name !== 'AbortError') status.textContent = e.message; });
  });
  form.elements.now.addEventListener('click', () => load(false).catch((e) => { status.textContent = e.message; }));

  const params = () => windowParams(s.win);
  cy.on('mouseover', 'node, edge', (ev) => { panel.innerHTML = details(g, ev.target.id(), params()); });
  cy.on('tap', (ev) => { if (ev.target === cy) panel.innerHTML = details(g, null, params()); });
  cy.on('tap', 'node', (ev) => {
    const d = ev.target.data();
    ctx.navigate(serviceURL(d.namespace, d.service, params()));
  });
  cy.on('tap', 'edge', (ev) => {
    const src = ev.target.source().data();
    const dst = ev.target.target().data();
    ctx.navigate(edgeURL({ ns: src.namespace, name: src.service }, { ns: dst.namespace, name: dst.service }, params()));
  });

  await load(true);
  schedule();
}
