// The single-page app: path routing over history.pushState, the search
// box, and one view at a time in #view. Each view's render(el, route, ctx)
// resolves when its data is on screen; #view's data-state then says
// "ready" (or "error"), which the browser tests wait for.

import { parseRoute, requestURL, graphURL } from './router.js';
import * as graphView from './views/graph.js';
import * as serviceView from './views/service.js';
import * as edgeView from './views/edge.js';
import * as requestView from './views/request.js';
import { esc } from './format.js';

const views = { graph: graphView, service: serviceView, edge: edgeView, request: requestView };
const el = document.getElementById('view');
let current = null; // {abort: AbortController, cleanup: fn}
let generation = 0;

/** Opens url in the app (pushes history). */
export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

async function render() {
  const gen = ++generation;
  if (current) {
    current.abort.abort();
    if (current.cleanup) current.cleanup();
  }
  const route = parseRoute(location);
  const abort = new AbortController();
  current = { abort, cleanup: null };
  el.dataset.view = route.view;
  el.dataset.state = 'loading';
  document.title = `${titleOf(route)} · meshlens`;
  document.querySelectorAll('nav a[data-nav]').forEach((a) => a.classList.toggle('active', a.dataset.nav === route.view));
  const view = views[route.view];
  if (!view) {
    el.innerHTML = `<section class="page"><h1>Not found</h1><p>No page at <code>${esc(location.pathname)}</code>. <a href="${graphURL()}">Open the service graph</a>.</p></section>`;
    el.dataset.state = 'ready';
    return;
  }
  const ctx = {
    signal: abort.signal,
    navigate,
    onCleanup(fn) { current.cleanup = fn; },
    stale: () => gen !== generation,
  };
  try {
    await view.render(el, route, ctx);
    if (gen === generation) el.dataset.state = 'ready';
  } catch (e) {
    if (gen !== generation || e.name === 'AbortError') return;
    console.error(e);
    el.insertAdjacentHTML('afterbegin', `<div class="error" role="alert">${esc(e.message)}</div>`);
    el.dataset.state = 'error';
  }
}

function titleOf(route) {
  switch (route.view) {
    case 'graph': return 'Service graph';
    case 'service': return route.name;
    case 'edge': return `${route.src.name} → ${route.dst.name}`;
    case 'request': return `Request ${route.id}`;
    default: return 'Not found';
  }
}

// "/" focuses the search box, as on many sites.
document.addEventListener('keydown', (ev) => {
  if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable) return;
  ev.preventDefault();
  document.querySelector('#search input').focus();
});

// Same-origin links open in the app rather than reloading the page.
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a[href]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/')) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', render);

document.getElementById('search').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const id = ev.target.elements.q.value.trim();
  if (id) navigate(requestURL(id));
});

render();
