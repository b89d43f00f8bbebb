// Package prometheus holds the collector factories of meshlens' Prometheus
// receivers, `prometheus_scrape` and `prometheus_remote_write`. Their logic
// lives in the scrape and remotewrite subpackages, which do not import the
// collector; this package only wires them into pipelines.
package prometheus
