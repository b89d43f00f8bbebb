package format

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/meshlens/meshlens/storage"
	"github.com/meshlens/meshlens/storage/cluster"
)

// Parser parses one access-log line into a storage.AccessLog.
//
// Parse overwrites *dst entirely (on error its contents are unspecified),
// sets dst.Reporter from rep and derives the source and destination with
// cluster.Derive. The line may end in "\n" or "\r\n" and may carry a
// `kubectl logs --timestamps` (or CRI log-file) prefix, whose time becomes
// Start when the record has none. Strings in dst share the memory of one
// copy of the line, which Parse makes; line itself is not retained.
//
// Errors name the layout, the byte offset in the line and what is wrong
// there; they never repeat more than a short piece of the line. Blank lines
// give ErrEmptyLine. Lines that are not valid UTF-8 are rejected whole
// rather than stored altered. Parse never panics, whatever the input.
//
// A Parser is safe for concurrent use.
type Parser interface {
	Parse(line []byte, rep storage.Reporter, dst *storage.AccessLog) error
}

// ForName returns the parser for a receiver's `format` setting:
//
//   - "auto": each line on its own: JSON (Istio's members), or any of the
//     Envoy and Istio text layouts below;
//   - "envoy": Envoy's default text format, with or without
//     %RESPONSE_CODE_DETAILS% (and a trailing
//     "%UPSTREAM_TRANSPORT_FAILURE_REASON%", as Envoy's examples write it);
//   - "istio": Istio's default text formats: 1.9 and later (with
//     %UPSTREAM_CLUSTER% or %UPSTREAM_CLUSTER_RAW%), 1.8, 1.3 to 1.7 (with the
//     Mixer status) and 1.2;
//   - "istio_json": Istio's JSON encoding, typed or all strings;
//   - anything else is an Envoy format string, compiled by Compile.
//
// All of them accept a kubectl timestamp prefix.
func ForName(name string) (Parser, error) {
	switch name {
	case "auto":
		return &lineParser{rec: &multiLayout{name: "known", texts: allTexts, json: istioJSON}}, nil
	case "envoy":
		return &lineParser{rec: &multiLayout{name: "envoy", texts: envoyTexts}}, nil
	case "istio":
		return &lineParser{rec: &multiLayout{name: "istio", texts: istioTexts}}, nil
	case "istio_json":
		return &lineParser{rec: istioJSON}, nil
	case "":
		return nil, errors.New("format: empty name (want auto, envoy, istio, istio_json or an Envoy format string)")
	}
	return Compile(name)
}

// recordParser parses a record with no line ending and no prefix, resetting
// dst first. Its errors carry a *lineError with offsets into s.
type recordParser interface {
	parseRecord(s string, dst *storage.AccessLog) error
}

// lineParser does what every layout shares: line endings, blank lines,
// UTF-8, the kubectl prefix, and the derived fields.
type lineParser struct {
	rec recordParser
}

func (p *lineParser) Parse(line []byte, rep storage.Reporter, dst *storage.AccessLog) error {
	for n := len(line); n > 0 && (line[n-1] == '\n' || line[n-1] == '\r'); n = len(line) {
		line = line[:n-1]
	}
	if isBlank(line) {
		return ErrEmptyLine
	}
	if !utf8.Valid(line) {
		return &lineError{at: invalidUTF8At(line), msg: "the line is not valid UTF-8"}
	}
	s := string(line)
	body, prefixTime, n := splitPrefix(s)
	if n > 0 && isBlank(body) {
		return ErrEmptyLine // kubectl's prefix on an empty log line
	}
	err := p.rec.parseRecord(body, dst)
	if err != nil && n > 0 {
		// The "prefix" may be the record's own leading START_TIME.
		if whole := p.rec.parseRecord(s, dst); whole == nil {
			err, n = nil, 0
		} else if errAt(whole) > errAt(err)+n {
			err, n = whole, 0
		}
	}
	if err != nil {
		shiftErr(err, n)
		return err
	}
	if dst.Start.IsZero() && n > 0 {
		dst.Start = prefixTime
	}
	dst.Reporter = rep
	// The alt_stat_name Istio gives clusters ends in ';', and
	// %UPSTREAM_CLUSTER% prints it (istio/istio#52384, #54219); the cluster
	// name is what precedes it.
	dst.UpstreamCluster = strings.TrimSuffix(dst.UpstreamCluster, ";")
	cluster.Derive(dst)
	return nil
}

func isBlank[T string | []byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != ' ' && b[i] != '\t' {
			return false
		}
	}
	return true
}

// invalidUTF8At returns the offset of the first byte that is not part of a
// valid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}
