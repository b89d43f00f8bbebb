package route

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	networking "istio.io/api/networking/v1alpha3"
)

type matchKind uint8

const (
	matchAny    matchKind = iota // StringMatch without a type: presence
	matchExact                   // exact
	matchPrefix                  // prefix
	matchRegex                   // RE2, whole-string as Envoy's safe_regex
)

// strMatch is a compiled Istio StringMatch.
type strMatch struct {
	kind matchKind
	s    string
	re   *regexp.Regexp
}

func compileStringMatch(sm *networking.StringMatch, fold bool) (strMatch, error) {
	switch t := sm.GetMatchType().(type) {
	case *networking.StringMatch_Exact:
		s := t.Exact
		if fold {
			s = strings.ToLower(s)
		}
		return strMatch{kind: matchExact, s: s}, nil
	case *networking.StringMatch_Prefix:
		s := t.Prefix
		if fold {
			s = strings.ToLower(s)
		}
		return strMatch{kind: matchPrefix, s: s}, nil
	case *networking.StringMatch_Regex:
		expr := "^(?:" + t.Regex + ")$"
		if fold {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return strMatch{}, err
		}
		return strMatch{kind: matchRegex, re: re}, nil
	default:
		return strMatch{kind: matchAny}, nil
	}
}

func (m *strMatch) match(v string) bool {
	switch m.kind {
	case matchExact:
		return v == m.s
	case matchPrefix:
		return strings.HasPrefix(v, m.s)
	case matchRegex:
		return m.re.MatchString(v)
	default:
		return true
	}
}

type headerMatch struct {
	name string // canonical MIME header key
	m    strMatch
}

// matcher is one compiled HTTPMatchRequest: all its conditions must hold.
type matcher struct {
	never      bool // sourceLabels/sourceNamespace exclude this workload
	uri        *strMatch
	ignoreCase bool
	method     *strMatch
	scheme     *strMatch
	authority  *strMatch
	port       uint32
	headers    []headerMatch
	without    []headerMatch
	query      []headerMatch // name is the raw parameter name
}

// Request is what route matching looks at, extracted once per request.
type Request struct {
	Method    string
	Path      string // without query
	RawQuery  string
	Scheme    string // "http"
	Authority string // Host as received
	Port      uint32 // destination port the request is for
	Header    http.Header
}

func (m *matcher) matches(r *Request) bool {
	if m.never {
		return false
	}
	if m.port != 0 && m.port != r.Port {
		return false
	}
	if m.uri != nil {
		p := r.Path
		if m.ignoreCase {
			p = strings.ToLower(p)
		}
		if !m.uri.match(p) {
			return false
		}
	}
	if m.method != nil && !m.method.match(r.Method) {
		return false
	}
	if m.scheme != nil && !m.scheme.match(r.Scheme) {
		return false
	}
	if m.authority != nil && !m.authority.match(r.Authority) {
		return false
	}
	for i := range m.headers {
		h := &m.headers[i]
		vs, ok := r.Header[h.name]
		if !ok || !h.m.match(joinValues(vs)) {
			return false
		}
	}
	for i := range m.without {
		h := &m.without[i]
		if vs, ok := r.Header[h.name]; ok && h.m.match(joinValues(vs)) {
			return false
		}
	}
	if len(m.query) > 0 {
		q := parseQuery(r.RawQuery)
		for i := range m.query {
			h := &m.query[i]
			v, ok := q[h.name]
			if !ok || !h.m.match(v) {
				return false
			}
		}
	}
	return true
}

// joinValues joins repeated header values with "," as Envoy does.
func joinValues(vs []string) string {
	if len(vs) == 1 {
		return vs[0]
	}
	return strings.Join(vs, ",")
}

// parseQuery decodes the query, keeping the first value of each name.
func parseQuery(raw string) map[string]string {
	vals, _ := url.ParseQuery(raw) // a malformed pair is skipped, as Envoy
	out := make(map[string]string, len(vals))
	for k, v := range vals {
		out[k] = v[0]
	}
	return out
}
