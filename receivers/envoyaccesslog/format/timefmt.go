package format

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timeFormat parses START_TIME values. A nil *timeFormat is Envoy's default
// rendering, RFC 3339 with milliseconds in UTC ("2020-11-25T21:26:18.409Z");
// any RFC 3339 time is accepted.
//
// %START_TIME(fmt)% takes an strftime-like format (Envoy formats with
// absl::FormatTime plus %s and %Nf). It is translated once, at compile time,
// into a Go time layout, or into an epoch parser for "%s" and "%s.%Nf".
type timeFormat struct {
	spec   string // the format as written, for errors
	layout string // Go layout; "" for epoch formats
	epoch  bool   // "%s" optionally followed by ".%Nf"
}

// strftimeToGo maps the supported conversion specifiers to Go layout text.
var strftimeToGo = map[string]string{
	"Y": "2006", "y": "06", "m": "01", "d": "02", "e": "_2",
	"H": "15", "M": "04", "S": "05",
	"F": "2006-01-02", "T": "15:04:05",
	"z": "-0700", "Ez": "-07:00", "Z": "MST",
	"b": "Jan", "h": "Jan", "a": "Mon",
	"E*S": "05.999999999",
}

// compileTimeFormat translates a START_TIME format. Unsupported specifiers
// and literal letters (which Go layouts could misread) are errors, so that a
// config that cannot be parsed fails at start instead of on every line.
func compileTimeFormat(spec string) (*timeFormat, error) {
	if spec == "" {
		return nil, nil
	}
	if frac, ok := strings.CutPrefix(spec, "%s.%"); spec == "%s" || ok && (frac == "f" || len(frac) == 2 && fracDigits(frac) > 0) {
		return &timeFormat{spec: spec, epoch: true}, nil
	}
	var b strings.Builder
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		if c != '%' {
			if c >= '0' && c <= '9' || (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') && c != 'T' && c != 'Z' {
				return nil, fmt.Errorf("time format %s: literal %q at offset %d is not supported", quote(spec), c, i)
			}
			b.WriteByte(c)
			continue
		}
		rest := spec[i+1:]
		switch {
		case strings.HasPrefix(rest, "%"):
			return nil, fmt.Errorf("time format %s: a literal %%%% at offset %d is not supported", quote(spec), i)
		case len(rest) >= 3 && rest[0] == 'E' && rest[1] >= '1' && rest[1] <= '9' && rest[2] == 'S':
			b.WriteString("05." + strings.Repeat("0", int(rest[1]-'0')))
			i += 3
		case fracDigits(rest) > 0:
			// %f / %Nf: fractional digits, which Go only reads after "05.".
			if !strings.HasSuffix(b.String(), "05.") {
				return nil, fmt.Errorf("time format %s: %%f at offset %d must follow \"%%S.\"", quote(spec), i)
			}
			n := fracDigits(rest)
			b.WriteString(strings.Repeat("0", n))
			if rest[0] == 'f' {
				i++
			} else {
				i += 2
			}
		default:
			n := 1
			if strings.HasPrefix(rest, "E*") || strings.HasPrefix(rest, "Ez") {
				n = 2
				if strings.HasPrefix(rest, "E*") {
					n = 3
				}
			}
			if len(rest) < n {
				return nil, fmt.Errorf("time format %s: incomplete specifier at offset %d", quote(spec), i)
			}
			g, ok := strftimeToGo[rest[:n]]
			if !ok {
				return nil, fmt.Errorf("time format %s: specifier %%%s at offset %d is not supported", quote(spec), rest[:n], i)
			}
			b.WriteString(g)
			i += n
		}
	}
	return &timeFormat{spec: spec, layout: b.String()}, nil
}

// fracDigits returns the digit count of a "f" or "Nf" specifier at the
// start of s (9 for a bare "f"), or 0 when s does not start with one.
func fracDigits(s string) int {
	switch {
	case len(s) >= 1 && s[0] == 'f':
		return 9
	case len(s) >= 2 && s[0] >= '1' && s[0] <= '9' && s[1] == 'f':
		return int(s[0] - '0')
	}
	return 0
}

// parse reads a START_TIME value. Times without a zone are UTC, as Envoy
// writes them.
func (tf *timeFormat) parse(s string) (time.Time, bool) {
	if tf == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	if tf.epoch {
		return parseEpoch(s)
	}
	t, err := time.ParseInLocation(tf.layout, s, time.UTC)
	return t, err == nil
}

// parseEpoch reads "seconds[.fraction]".
func parseEpoch(s string) (time.Time, bool) {
	sec, frac, dot := strings.Cut(s, ".")
	n, ok := parseDigits(sec)
	if !ok || len(frac) > 9 || dot && frac == "" || !allDigits(frac) {
		return time.Time{}, false
	}
	ns := int64(0)
	if frac != "" {
		ns, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	}
	return time.Unix(n, ns).UTC(), true
}
