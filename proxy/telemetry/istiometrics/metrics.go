package istiometrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultBuckets are Envoy's default histogram buckets
// (HistogramSettingsImpl::defaultBuckets), used by Istio for all three
// distributions: milliseconds for durations, bytes for sizes.
var DefaultBuckets = []float64{
	0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
	300000, 600000, 1800000, 3600000,
}

// Metrics holds one proxy's Istio metrics. It is safe for concurrent use.
type Metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	reqBytes  *prometheus.HistogramVec
	respBytes *prometheus.HistogramVec

	tcpSent, tcpReceived, tcpOpened, tcpClosed *prometheus.CounterVec

	http cache[HTTPLabels, *httpSeries]
	tcp  cache[TCPLabels, *TCPSeries]
}

type httpSeries struct {
	requests  prometheus.Counter
	duration  prometheus.Observer
	reqBytes  prometheus.Observer
	respBytes prometheus.Observer
}

// TCPSeries is the istio_tcp_* counters of one label set; its methods are
// safe for concurrent use and do not allocate.
type TCPSeries struct {
	sent, received, opened, closed prometheus.Counter
}

// Opened counts a connection opened (istio_tcp_connections_opened_total).
func (s *TCPSeries) Opened() { s.opened.Inc() }

// Closed counts a connection closed (istio_tcp_connections_closed_total).
func (s *TCPSeries) Closed() { s.closed.Inc() }

// Sent adds n bytes sent to the downstream (istio_tcp_sent_bytes_total).
func (s *TCPSeries) Sent(n int64) {
	if n > 0 {
		s.sent.Add(float64(n))
	}
}

// Received adds n bytes received from the downstream
// (istio_tcp_received_bytes_total).
func (s *TCPSeries) Received(n int64) {
	if n > 0 {
		s.received.Add(float64(n))
	}
}

// New creates the metrics and registers them with reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "istio_requests_total", Help: "Total number of requests handled by the proxy.",
		}, HTTPLabelNames),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "istio_request_duration_milliseconds", Help: "Request duration in milliseconds.",
			Buckets: DefaultBuckets,
		}, HTTPLabelNames),
		reqBytes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "istio_request_bytes", Help: "Request body sizes in bytes.", Buckets: DefaultBuckets,
		}, HTTPLabelNames),
		respBytes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "istio_response_bytes", Help: "Response body sizes in bytes.", Buckets: DefaultBuckets,
		}, HTTPLabelNames),
		tcpSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "istio_tcp_sent_bytes_total", Help: "Total bytes sent to the downstream in TCP connections.",
		}, TCPLabelNames),
		tcpReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "istio_tcp_received_bytes_total", Help: "Total bytes received from the downstream in TCP connections.",
		}, TCPLabelNames),
		tcpOpened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "istio_tcp_connections_opened_total", Help: "Total TCP connections opened.",
		}, TCPLabelNames),
		tcpClosed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "istio_tcp_connections_closed_total", Help: "Total TCP connections closed.",
		}, TCPLabelNames),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.reqBytes, m.respBytes,
		m.tcpSent, m.tcpReceived, m.tcpOpened, m.tcpClosed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("istiometrics: register: %w", err)
		}
	}
	return m, nil
}

// ObserveHTTP records one finished request: istio_requests_total +1 and
// one observation in each histogram. durationMillis is in milliseconds
// (Envoy records whole milliseconds); sizes are body bytes.
func (m *Metrics) ObserveHTTP(l *HTTPLabels, durationMillis float64, requestBytes, responseBytes int64) {
	s := m.httpSeries(l)
	s.requests.Inc()
	s.duration.Observe(durationMillis)
	s.reqBytes.Observe(float64(requestBytes))
	s.respBytes.Observe(float64(responseBytes))
}

func (m *Metrics) httpSeries(l *HTTPLabels) *httpSeries {
	return m.http.get(l, func() *httpSeries {
		v := l.values()
		return &httpSeries{
			requests:  m.requests.WithLabelValues(v...),
			duration:  m.duration.WithLabelValues(v...),
			reqBytes:  m.reqBytes.WithLabelValues(v...),
			respBytes: m.respBytes.WithLabelValues(v...),
		}
	})
}

// TCP returns the series of one TCP label set, creating it on first use.
// Callers keep it for the connection's life.
func (m *Metrics) TCP(l *TCPLabels) *TCPSeries {
	return m.tcp.get(l, func() *TCPSeries {
		v := l.values()
		return &TCPSeries{
			sent:     m.tcpSent.WithLabelValues(v...),
			received: m.tcpReceived.WithLabelValues(v...),
			opened:   m.tcpOpened.WithLabelValues(v...),
			closed:   m.tcpClosed.WithLabelValues(v...),
		}
	})
}
