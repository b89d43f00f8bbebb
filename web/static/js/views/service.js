// The service page: RED tiles, charts, top endpoints, failing requests,
// recent traces, and the service's callers and callees.

import * as api from '../api.js';
import { esc, windowParams } from '../format.js';
import { edgeURL, graphURL } from '../router.js';
import {
  RECORD_LIMIT, stepFor, skeleton, windowOfPage, wireRange, tiles, charts, endpointsTable, failingOf, failingTable,
  recentTraces, tracesTable, neighboursTable, section,
} from './detail.js';

export async function render(el, route, ctx) {
  const { name, ns } = route;
  const win = windowOfPage(route.params);
  const { start, end } = win;
  const linkParams = windowParams(win);
  const step = stepFor(end - start);
  const p = skeleton(el, {
    kind: 'service', win,
    title: `${esc(name)}`,
    subtitle: `service${ns ? ` in namespace <strong>${esc(ns)}</strong>` : ''} · <a href="${graphURL({ ns, ...linkParams })}">graph</a>`,
  });
  wireRange(p.range, ctx);
  let recs = null;
  const records = () => (recs ??= api.callsTo(name, ns, null, { start, end, limit: RECORD_LIMIT }, ctx.signal));
  const involves = (r) => r.source.service === name || r.destination.service === name;

  await Promise.all([
    section(p.tiles, async () => {
      const sv = await api.services({ start, end, namespace: ns }, ctx.signal);
      const s = (sv.services || []).find((x) => x.service === name && (x.namespace || '') === ns);
      tiles(p.tiles, s ? s.red : null, s && s.health,
        (s && s.versions && s.versions.length ? `versions ${s.versions.join(', ')}` : '') +
        (sv.fallback ? ` · from ${sv.fallback}` : ''));
    }),
    section(p.charts, async () => {
      const sr = await api.series({ kind: 'service', service: name, namespace: ns, start, end, step }, records, ctx.signal);
      charts(p.charts, sr.points, start, end, sr.fallback);
    }),
    section(p.endpoints, async () => endpointsTable(p.endpoints, await records())),
    section(p.failing, async () => {
      const failed = await api.logs({ service: name, class: '5xx', start, end, limit: 200 }, ctx.signal);
      failingTable(p.failing, failingOf(failed.filter(involves), await records()));
    }),
    section(p.traces, async () => tracesTable(p.traces, await recentTraces(name, ns, start, end, ctx.signal))),
    section(p.neighbours, async () => {
      const g = await api.graph({ start, end }, ctx.signal);
      const link = (s, d) => edgeURL({ ns: s.namespace, name: s.service }, { ns: d.namespace, name: d.service }, linkParams);
      if (neighboursTable(p.neighbours, g, name, ns, link, linkParams)) p.neighboursBox.hidden = false;
    }),
  ]);
}
