// Health colours, and the client-side classification used only when the
// server's graph API is absent (the server's own health field wins).

/** Colours per health, as Kiali's palette (PatternFly). */
export const COLORS = {
  healthy: '#3e8635',
  degraded: '#f0ab00',
  failure: '#c9190b',
  idle: '#8a8d90',
};

/** Kiali's default tolerances (kiali.io/docs/configuration/health), percent. */
export const KIALI_DEFAULTS = {
  server: { degraded: 0, failure: 10 }, // 5xx and response flags
  client: { degraded: 10, failure: 20 }, // 4xx
};

function classify(ratio, t) {
  const p = ratio * 100;
  if (p >= t.failure) return 'failure';
  if (p > t.degraded) return 'degraded';
  return 'healthy';
}

const rank = { idle: 0, healthy: 1, degraded: 2, failure: 3 };

/**
 * Classifies a RED object as Kiali does by default: the worse of the
 * server-error and client-error classifications; "idle" without requests.
 */
export function healthOf(red, t = KIALI_DEFAULTS) {
  if (!red || !red.requests) return 'idle';
  const a = classify(red.error_ratio || 0, t.server);
  const b = classify(red.client_error_ratio || 0, t.client);
  return rank[a] >= rank[b] ? a : b;
}

/** The worse of two healths. */
export function worse(a, b) { return (rank[a] ?? 0) >= (rank[b] ?? 0) ? a : b; }
