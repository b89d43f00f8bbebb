// Unit tests of the UI's pure functions, run inside headless Chromium by
// TestModulesInBrowser. `base` is the asset base (/assets/<version>/). The
// script resolves to a list of failures (empty when all pass) and a count.
async (base) => {
  const api = await import(base + 'js/api.js');
  const health = await import(base + 'js/health.js');
  const fmt = await import(base + 'js/format.js');
  const router = await import(base + 'js/router.js');
  const request = await import(base + 'js/views/request.js');
  const detail = await import(base + 'js/views/detail.js');
  const fails = [];
  let checks = 0;
  const eq = (name, got, want) => {
    checks++;
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    if (g !== w) fails.push(`${name}: got ${g}, want ${w}`);
  };
  const near = (name, got, want) => {
    checks++;
    if (!(Math.abs(got - want) < 1e-9)) fails.push(`${name}: got ${got}, want ${want}`);
  };

  // Kiali's default health classification.
  for (const [red, want] of [
    [{ requests: 0 }, 'idle'],
    [{ requests: 10, error_ratio: 0, client_error_ratio: 0 }, 'healthy'],
    [{ requests: 2000, error_ratio: 0.0005 }, 'degraded'],
    [{ requests: 10, error_ratio: 0.0999 }, 'degraded'],
    [{ requests: 10, error_ratio: 0.1 }, 'failure'],
    [{ requests: 10, client_error_ratio: 0.1 }, 'healthy'],
    [{ requests: 10, client_error_ratio: 0.15 }, 'degraded'],
    [{ requests: 10, client_error_ratio: 0.2 }, 'failure'],
  ]) eq(`healthOf(${JSON.stringify(red)})`, health.healthOf(red), want);
  eq('worse', [health.worse('healthy', 'failure'), health.worse('degraded', 'idle')], ['failure', 'degraded']);

  // The graph fallback from /red?by=edge.
  const w = (service, namespace, version) => ({ service, namespace, version });
  const row = (source, destination, requests, errors, sources) => ({
    source, destination, protocol: 'http', requests, rate: requests / 60, errors, error_ratio: errors / requests,
    client_errors: 0, client_error_ratio: 0, p50_ms: 5, p90_ms: 9, p99_ms: 20, relative_error: 0.01,
    bytes_in: 600, bytes_out: 1200, sources,
  });
  const g = api.graphFromRED({
    start: '2026-11-29T20:00:00Z', end: '2026-11-29T20:01:00Z', rows: [
      row(w('unknown'), w('productpage', 'default', 'v1'), 100, 0, ['logs']),
      row(w('productpage', 'default', 'v1'), w('reviews', 'default', 'v1'), 100, 0, ['logs', 'spans']),
      row(w('productpage', 'default', 'v1'), w('reviews', 'default', 'v3'), 100, 20, ['metrics']),
      row(w('productpage', 'default', 'v1'), w('httpbin.org', '', ''), 10, 0, ['logs']),
    ],
  });
  eq('fallback nodes', g.nodes.map((n) => [n.id, n.kind, n.health]).sort(), [
    ['/httpbin.org/', 'external', 'healthy'],
    ['default/productpage/v1', 'service', 'healthy'],
    ['default/reviews/v1', 'service', 'healthy'],
    ['default/reviews/v3', 'service', 'failure'],
    ['unknown', 'unknown', 'idle'],
  ]);
  eq('fallback edges', g.edges.map((e) => [e.id, e.health]).sort(), [
    ['default/productpage/v1->/httpbin.org/|http', 'healthy'],
    ['default/productpage/v1->default/reviews/v1|http', 'healthy'],
    ['default/productpage/v1->default/reviews/v3|http', 'failure'],
    ['unknown->default/productpage/v1|http', 'healthy'],
  ]);
  near('fallback bytes/s', g.edges[0].red.bytes_in_per_sec, 10);
  eq('fallback node sources', g.nodes.find((n) => n.id === 'default/reviews/v1').sources, ['logs', 'spans']);

  // Charts' fallback series: exact per-step buckets.
  const t0 = 1764446400;
  const rec = (dt, duration, code) => ({ start_time: new Date((t0 + dt) * 1000).toISOString(), duration, response_code: code });
  const pts = api.seriesFromRecords([rec(10, 10, 200), rec(20, 30, 503), rec(70, 5, 200), rec(-5, 1, 200), rec(180, 1, 200)], t0, t0 + 180, 60);
  eq('series t', pts.map((p) => p.t), [t0, t0 + 60, t0 + 120]);
  eq('series requests', pts.map((p) => p.requests), [2, 1, 0]);
  near('series rate', pts[0].rate, 2 / 60);
  eq('series error ratio', pts.map((p) => p.error_ratio), [0.5, 0, null]);
  eq('series p50', pts.map((p) => p.p50_ms), [20, 5, null]);
  near('series p99', pts[0].p99_ms, 10 + 20 * 0.99);
  eq('isError', [0, 200, 404, 499, 500, 503].map((c) => api.isError({ response_code: c })), [true, false, false, false, true, true]);

  // Quantiles as DuckDB's quantile_cont.
  eq('quantile', [fmt.quantile([], 0.5), fmt.quantile([7], 0.99), fmt.quantile([1, 2, 3, 4], 0.5)], [null, 7, 2.5]);
  eq('windowOf', [fmt.windowOf('1h', 1e9 * 1000), fmt.windowOf('90s', 1e9 * 1000), fmt.windowOf('bogus', 1e9 * 1000)],
    [[1e9 - 3600, 1e9], [1e9 - 90, 1e9], [1e9 - 900, 1e9]]);
  eq('formats', [fmt.rps(0), fmt.rps(12.345), fmt.pct(0.1234), fmt.pct(0.0005), fmt.ms(0.5), fmt.ms(1500), fmt.esc('<a href="x">&</a>')],
    ['0', '12.3', '12%', '0.05%', '0.50ms', '1.50s', '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;']);

  // Windows from the URL: absolute start/end win over range.
  const pw = fmt.pageWindow(new URLSearchParams('start=100&end=400&range=1h'), 1e12);
  eq('pageWindow absolute', pw, { range: 'custom', start: 100, end: 400, absolute: true });
  eq('pageWindow relative', fmt.pageWindow(new URLSearchParams('range=1h'), 1e12), { range: '1h', start: 1e9 - 3600, end: 1e9, absolute: false });
  eq('pageWindow inverted', fmt.pageWindow(new URLSearchParams('start=400&end=100&range=zz'), 1e12).range, '15m');
  eq('windowParams', [fmt.windowParams(pw), fmt.windowParams({ range: '15m' }), fmt.windowParams({ range: '1h' })],
    [{ start: '100', end: '400' }, { range: '' }, { range: '1h' }]);

  // Routes round-trip, including an empty namespace and odd characters.
  const src = { ns: '', name: 'unknown' };
  const dst = { ns: 'default', name: 'a b/c' };
  const edge = router.parseRoute(new URL(router.edgeURL(src, dst, { range: '1h' }), location.origin));
  eq('edge route', [edge.view, edge.src, edge.dst, edge.params.get('range')], ['edge', src, dst, '1h']);
  const svc = router.parseRoute(new URL(router.serviceURL('default', 'reviews'), location.origin));
  eq('service route', [svc.view, svc.ns, svc.name], ['service', 'default', 'reviews']);
  const req = router.parseRoute(new URL(router.requestURL('a/b c'), location.origin));
  eq('request route', [req.view, req.id], ['request', 'a/b c']);
  eq('graph routes', ['/', '/graph', '/graph?ns=x', '/nope', '/service/x'].map((p) => router.parseRoute(new URL(p, location.origin)).view),
    ['graph', 'graph', 'graph', 'notfound', 'notfound']);

  // Hop matching: each span gets its own side's record.
  const span = (id, parent, service, kind, cluster, start) => ({ span_id: id, parent_id: parent, service, kind,
    upstream_cluster: cluster, start: new Date((t0 + start) * 1000).toISOString(), duration: 5, request_id: 'r1' });
  const log = (dir, reporter, cluster, start, src, dst) => ({ request_id: 'r1', start_time: new Date((t0 + start) * 1000).toISOString(),
    upstream_cluster: cluster, reporter: { direction: dir, service: reporter }, source: { service: src }, destination: { service: dst } });
  const spans = [
    span('a', '', 'productpage.default', 'server', 'inbound|9080||', 0),
    span('b', 'a', 'productpage.default', 'client', 'outbound|9080|v1|details.default.svc.cluster.local', 1),
    span('c', 'a', 'productpage.default', 'client', 'outbound|9080|v3|reviews.default.svc.cluster.local', 2),
    span('d', 'c', 'reviews.default', 'server', 'inbound|9080||', 2),
    span('e', 'zzz', 'orphan.default', 'server', '', 3),
  ];
  const logs = [
    log('source', 'productpage', 'outbound|9080|v3|reviews.default.svc.cluster.local', 2, 'productpage', 'reviews'),
    log('destination', 'reviews', 'inbound|9080||', 2, 'unknown', 'reviews'),
    log('source', 'productpage', 'outbound|9080|v1|details.default.svc.cluster.local', 1, 'productpage', 'details'),
    log('destination', 'productpage', 'inbound|9080||', 0, 'unknown', 'productpage'),
    { ...log('destination', 'reviews', 'inbound|9080||', 2, 'unknown', 'reviews'), request_id: 'other' },
  ];
  const m = request.matchRecords(spans, logs);
  eq('matchRecords', spans.map((s) => (m.has(s.span_id) ? logs.indexOf(m.get(s.span_id)) : -1)), [3, 2, 0, 1, -1]);
  eq('treeOrder', request.treeOrder(spans).map((x) => `${x.span.span_id}${x.depth}`), ['a0', 'b1', 'c1', 'd2', 'e0']);
  eq('sideOf', spans.map(request.sideOf), ['destination', 'source', 'source', 'destination', 'destination']);

  // Top endpoints and failing requests.
  const r = (path, code, duration, flags) => ({ method: 'GET', path, response_code: code, duration, response_flags: flags || '-',
    request_id: path + code + duration, reporter: { direction: 'source' }, start_time: new Date((t0 + duration) * 1000).toISOString(),
    upstream_cluster: 'x' });
  const recs = [r('/a', 200, 1), r('/b', 503, 2), r('/a', 200, 3), r('/b', 200, 4, 'DC'), r('/a', 500, 5)];
  eq('topEndpoints', detail.topEndpoints(recs).map((e) => [e.path, e.requests, e.errors]), [['/a', 3, 1], ['/b', 2, 1]]);
  eq('failingOf', detail.failingOf(recs, recs).map((x) => x.path + x.response_code), ['/a500', '/b200', '/b503']);
  eq('stepFor', [detail.stepFor(900), detail.stepFor(3600 * 6), detail.stepFor(86400 * 7)], [60, 180, 5040]);
  eq('jaegerNamesFor', api.jaegerNamesFor(['reviews.default', 'reviews', 'reviewsx', 'ratings.default'], 'reviews', 'default'),
    ['reviews.default', 'reviews']);

  // Jaeger spans in the /requests shape, with either status-code key.
  const jt = {
    traceID: 'abc', processes: { p1: { serviceName: 'reviews.default' } }, spans: [
      { spanID: '2', operationName: 'op', processID: 'p1', startTime: t0 * 1e6, duration: 1500,
        references: [{ refType: 'CHILD_OF', spanID: '1' }],
        tags: [{ key: 'http.response.status_code', value: 503 }, { key: 'error', value: true }, { key: 'span.kind', value: 'server' },
          { key: 'upstream_cluster', value: 'inbound|9080||' }, { key: 'guid:x-request-id', value: 'r1' }] },
      { spanID: '1', operationName: 'op', processID: 'p1', startTime: t0 * 1e6, duration: 2000, references: [],
        tags: [{ key: 'http.status_code', value: '200' }] },
    ],
  };
  eq('spansFromJaeger', api.spansFromJaeger(jt).map((s) => [s.span_id, s.parent_id, s.service, s.kind, s.http_status, s.error, s.duration, s.request_id, s.upstream_cluster]),
    [['2', '1', 'reviews.default', 'server', 503, true, 1.5, 'r1', 'inbound|9080||'], ['1', '', 'reviews.default', '', 200, false, 2, '', '']]);

  return { fails, checks };
}
