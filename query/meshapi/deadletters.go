package meshapi

import (
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/meshlens/meshlens/storage"
)

// DeadLetter is an input that could not be parsed, as the API returns it.
// Raw is the stored bytes as text when they are valid UTF-8, else RawBase64
// holds them.
type DeadLetter struct {
	Received  time.Time `json:"received"`
	Source    string    `json:"source"`
	Signal    string    `json:"signal"`
	Error     string    `json:"error"`
	Raw       string    `json:"raw,omitempty"`
	RawBase64 []byte    `json:"raw_base64,omitempty"`
	Size      int       `json:"size"`
}

// deadLettersHandler: GET /deadletters?start=&end=&limit=, newest first.
func (a *API) deadLettersHandler(r *http.Request) (any, error) {
	if a.dead == nil {
		return nil, fmt.Errorf("dead letters: %w", storage.ErrNotSupported)
	}
	start, end, err := window(r, time.Now())
	if err != nil {
		return nil, err
	}
	limit, err := intParam(r, "limit", 1, MaxLimit)
	if err != nil {
		return nil, err
	}
	rows, err := a.dead.DeadLetters(r.Context(), start, end, limit)
	if err != nil {
		return nil, fmt.Errorf("reading dead letters: %w", err)
	}
	out := make([]DeadLetter, len(rows))
	for i, d := range rows {
		out[i] = DeadLetter{Received: d.Received.UTC(), Source: d.Source, Signal: d.Signal, Error: d.Error, Size: d.Size}
		if utf8.Valid(d.Raw) {
			out[i].Raw = string(d.Raw)
		} else {
			out[i].RawBase64 = d.Raw
		}
	}
	return out, nil
}
