package scrape

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
)

// errBodySizeLimit fails a scrape whose (uncompressed) body reaches
// body_size_limit.
var errBodySizeLimit = errors.New("body size limit exceeded")

// userAgent is sent on every scrape request.
const userAgent = "meshlens-prometheus-scrape"

// fetcher performs one target's HTTP scrapes. It is used by a single loop
// goroutine and reuses its request and gzip reader.
type fetcher struct {
	client    *http.Client
	req       *http.Request
	bodyLimit int64
	gzipr     *gzip.Reader
	bufr      *bufio.Reader
}

func newFetcher(client *http.Client, t *target, j *job) (*fetcher, error) {
	req, err := http.NewRequest(http.MethodGet, t.url, http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", t.url, err)
	}
	req.Header.Set("Accept", j.acceptHeader)
	req.Header.Set("Accept-Encoding", j.acceptEncoding)
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", strconv.FormatFloat(t.timeout.Seconds(), 'f', -1, 64))
	limit := j.bodySizeLimit
	if limit <= 0 {
		limit = math.MaxInt64
	}
	return &fetcher{client: client, req: req, bodyLimit: limit}, nil
}

// fetch GETs the target into w (reset first) and returns the response's
// Content-Type. ctx carries the scrape timeout. Any error fails the scrape:
// transport errors, a status other than 200, a bad gzip stream, and a body
// that reaches the size limit (errBodySizeLimit; like Prometheus, a body of
// exactly the limit fails too).
func (f *fetcher) fetch(ctx context.Context, w *bytes.Buffer) (string, error) {
	w.Reset()
	resp, err := f.client.Do(f.req.WithContext(ctx))
	if err != nil {
		return "", err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("server returned HTTP status %s", resp.Status)
	}

	var body io.Reader = resp.Body
	switch enc := resp.Header.Get("Content-Encoding"); enc {
	case "gzip":
		if f.gzipr == nil {
			f.bufr = bufio.NewReader(resp.Body)
			if f.gzipr, err = gzip.NewReader(f.bufr); err != nil {
				f.gzipr = nil
				return "", fmt.Errorf("reading gzip body: %w", err)
			}
		} else {
			f.bufr.Reset(resp.Body)
			if err := f.gzipr.Reset(f.bufr); err != nil {
				return "", fmt.Errorf("reading gzip body: %w", err)
			}
		}
		defer f.gzipr.Close()
		body = f.gzipr
	case "", "identity":
	default:
		return "", fmt.Errorf("unsupported Content-Encoding %q", enc)
	}

	n, err := w.ReadFrom(io.LimitReader(body, f.bodyLimit))
	if err != nil {
		return "", fmt.Errorf("reading body: %w", err)
	}
	if n >= f.bodyLimit {
		return "", fmt.Errorf("%w (%d bytes)", errBodySizeLimit, f.bodyLimit)
	}
	return resp.Header.Get("Content-Type"), nil
}
