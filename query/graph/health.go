package graph

import "fmt"

// Health states, as Kiali names them.
const (
	Healthy  = "healthy"
	Degraded = "degraded"
	Failure  = "failure"
	Idle     = "idle"
)

// Tolerance is one pair of thresholds, in percent of requests: at or above
// Degraded the state is degraded, at or above Failure it is failure.
type Tolerance struct {
	Degraded float64 `mapstructure:"degraded" json:"degraded"`
	Failure  float64 `mapstructure:"failure" json:"failure"`
}

// HealthConfig classifies request traffic as Kiali's health does. The
// defaults are Kiali's default tolerances (kiali.io/docs/configuration/health,
// "Default Configuration"): application errors (5xx; here also requests
// with a failure response flag, storage.IsFailure) are degraded from 0.1%
// and a failure from 10%; client errors (4xx) degraded from 10% and a
// failure from 20%. The worse of the two wins; no requests is idle.
type HealthConfig struct {
	Errors       Tolerance `mapstructure:"errors" json:"errors"`
	ClientErrors Tolerance `mapstructure:"client_errors" json:"client_errors"`
}

// DefaultHealth returns Kiali's default tolerances.
func DefaultHealth() HealthConfig {
	return HealthConfig{
		Errors:       Tolerance{Degraded: 0.1, Failure: 10},
		ClientErrors: Tolerance{Degraded: 10, Failure: 20},
	}
}

// Validate reports the first invalid threshold by its config name (under
// the given prefix, e.g. "health").
func (h HealthConfig) Validate(prefix string) error {
	for _, t := range []struct {
		name string
		tol  Tolerance
	}{{"errors", h.Errors}, {"client_errors", h.ClientErrors}} {
		switch {
		case t.tol.Degraded < 0 || t.tol.Degraded > 100:
			return fmt.Errorf("%s.%s.degraded: %v is not a percentage in [0, 100]", prefix, t.name, t.tol.Degraded)
		case t.tol.Failure < 0 || t.tol.Failure > 100:
			return fmt.Errorf("%s.%s.failure: %v is not a percentage in [0, 100]", prefix, t.name, t.tol.Failure)
		case t.tol.Failure < t.tol.Degraded:
			return fmt.Errorf("%s.%s.failure: %v is below degraded %v", prefix, t.name, t.tol.Failure, t.tol.Degraded)
		}
	}
	return nil
}

// Classify is the health of traffic with these counts.
func (h HealthConfig) Classify(requests, errors, clientErrors int64) string {
	if requests <= 0 {
		return Idle
	}
	e := 100 * float64(errors) / float64(requests)
	c := 100 * float64(clientErrors) / float64(requests)
	switch {
	case e >= h.Errors.Failure || c >= h.ClientErrors.Failure:
		return Failure
	case (errors > 0 && e >= h.Errors.Degraded) || (clientErrors > 0 && c >= h.ClientErrors.Degraded):
		return Degraded
	default:
		return Healthy
	}
}
