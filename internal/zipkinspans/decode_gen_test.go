package zipkinspans

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDecodeMatchesStdlibGenerated compares DecodeJSONV2 with
// encoding/json (as FuzzDecodeMatchesStdlib does) on span lists built at
// random from the schema, mostly valid, with the corners mixed in:
// repeated and case-folded member names, null, escapes, odd numbers,
// wrong types. Byte-level fuzzing seldom gets that far into valid input.
func TestDecodeMatchesStdlibGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	accepted := 0
	const n = 4000
	for range n {
		g := spanGen{r: r}
		body := g.list()
		checkMatchesStdlib(t, []byte(body))
		if _, err := decodeStdlib([]byte(body)); err == nil {
			accepted++
		}
	}
	t.Logf("%d of %d generated lists accepted", accepted, n)
	// Both outcomes must be well represented for the comparison to mean much.
	if accepted < n/5 || accepted > n*4/5 {
		t.Errorf("%d of %d generated lists accepted", accepted, n)
	}
}

type spanGen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *spanGen) one(n int) bool { return g.r.IntN(n) == 0 }

func (g *spanGen) ws() {
	if g.one(4) {
		g.b.WriteString([]string{" ", "\n  ", "\t", "\r\n"}[g.r.IntN(4)])
	}
}

func (g *spanGen) list() string {
	g.b.WriteByte('[')
	for i, n := 0, g.r.IntN(4); i < n; i++ {
		if i > 0 {
			g.b.WriteByte(',')
		}
		g.ws()
		switch {
		case g.one(60):
			g.b.WriteString("null")
		case g.one(80):
			g.b.WriteString("[]")
		default:
			g.span()
		}
		g.ws()
	}
	g.b.WriteByte(']')
	if g.one(80) {
		g.b.WriteString([]string{" x", ",", "]", " []"}[g.r.IntN(4)])
	}
	return g.b.String()
}

// object writes an object of n members, each written by member(i).
func (g *spanGen) object(n int, member func()) {
	g.b.WriteByte('{')
	for i := range n {
		if i > 0 {
			g.b.WriteByte(',')
		}
		g.ws()
		member()
		g.ws()
	}
	if g.one(200) {
		g.b.WriteByte(',')
	}
	g.b.WriteByte('}')
}

func (g *spanGen) span() {
	members := []string{"traceId", "id", "parentId", "name", "kind", "timestamp", "duration", "debug",
		"shared", "localEndpoint", "remoteEndpoint", "annotations", "tags"}
	// Mostly the ids first, then a shuffle of the rest, some repeated.
	var order []string
	if !g.one(20) {
		order = append(order, "traceId", "id")
	}
	for _, m := range members {
		if g.one(2) {
			order = append(order, m)
		}
		if g.one(15) {
			order = append(order, m)
		}
	}
	if g.one(40) {
		order = append(order, "colour")
	}
	g.r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	i := 0
	g.object(len(order), func() {
		m := order[i]
		i++
		g.key(m)
		g.value(m)
	})
}

// key writes name as a key, sometimes in another case, folded with
// U+212A or U+017F, or escaped.
func (g *spanGen) key(name string) {
	var k strings.Builder
	for _, c := range name {
		switch {
		case (c == 'k' || c == 'K') && g.one(8):
			if g.one(2) {
				k.WriteString(`\u212a`)
			} else {
				k.WriteRune('\u212a')
			}
		case (c == 's' || c == 'S') && g.one(8):
			k.WriteRune('\u017f')
		case c == 'i' && g.one(40):
			k.WriteRune('\u0131') // folds to no 'i'
		case g.one(15):
			k.WriteString(strings.ToUpper(string(c)))
		case g.one(40):
			fmt.Fprintf(&k, `\u%04x`, c)
		default:
			k.WriteRune(c)
		}
	}
	g.b.WriteString(`"` + k.String() + `"`)
	g.ws()
	g.b.WriteByte(':')
	g.ws()
}

func (g *spanGen) value(m string) {
	if g.one(12) {
		g.b.WriteString("null")
		return
	}
	if g.one(50) { // a wrong type
		g.b.WriteString([]string{`1`, `"1"`, `true`, `{}`, `[]`, `[[{}]]`}[g.r.IntN(6)])
		return
	}
	switch m {
	case "traceId":
		g.hex(1 + g.r.IntN(32))
	case "id", "parentId":
		g.hex(1 + g.r.IntN(16))
	case "name", "colour":
		g.str()
	case "kind":
		k := []string{"CLIENT", "server", "Producer", "CONSUMER", "", "SIDEWAYS"}[g.r.IntN(6)]
		g.b.WriteString(`"` + k + `"`)
	case "timestamp", "duration":
		g.number()
	case "debug", "shared":
		g.b.WriteString([]string{"true", "false"}[g.r.IntN(2)])
	case "localEndpoint", "remoteEndpoint":
		g.endpoint()
	case "annotations":
		g.b.WriteByte('[')
		for i, n := 0, g.r.IntN(4); i < n; i++ {
			if i > 0 {
				g.b.WriteByte(',')
			}
			if g.one(6) {
				g.b.WriteString("null")
				continue
			}
			fields := []string{"timestamp", "value"}[:g.r.IntN(3)]
			if g.one(8) {
				fields = append(fields, "value")
			}
			j := 0
			g.object(len(fields), func() {
				f := fields[j]
				j++
				g.key(f)
				if g.one(10) {
					g.b.WriteString("null")
				} else if f == "value" {
					g.str()
				} else {
					g.number()
				}
			})
		}
		g.b.WriteByte(']')
	case "tags":
		keys := []string{"http.method", "http.status_code", "a", "b", "é"}
		g.object(g.r.IntN(6), func() {
			g.b.WriteString(`"` + keys[g.r.IntN(len(keys))] + `"`)
			g.b.WriteByte(':')
			switch {
			case g.one(10):
				g.b.WriteString("null")
			case g.one(40):
				g.b.WriteString("200")
			default:
				g.str()
			}
		})
	}
}

func (g *spanGen) endpoint() {
	fields := []string{"serviceName", "ipv4", "ipv6", "port"}
	g.r.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	fields = fields[:g.r.IntN(5)]
	if g.one(20) {
		fields = append(fields, "hostname")
	}
	i := 0
	g.object(len(fields), func() {
		f := fields[i]
		i++
		g.key(f)
		switch f {
		case "serviceName", "hostname":
			g.str()
		case "ipv4":
			g.b.WriteString([]string{`"10.1.2.3"`, `"::1"`, `"300.1.1.1"`, `""`}[g.r.IntN(4)])
		case "ipv6":
			g.b.WriteString([]string{`"2001:db8::1"`, `"10.1.2.3"`, `"x"`, `""`}[g.r.IntN(4)])
		case "port":
			g.b.WriteString([]string{`8080`, `0`, `65535`, `65536`, `-1`, `null`, `80.0`}[g.r.IntN(7)])
		}
	})
}

func (g *spanGen) hex(n int) {
	const digits = "0123456789abcdefABCDEF"
	g.b.WriteByte('"')
	for range n {
		c := digits[g.r.IntN(len(digits))]
		switch {
		case g.one(300):
			c = 'g'
		case g.one(30):
			fmt.Fprintf(&g.b, `\u%04X`, c)
			continue
		}
		g.b.WriteByte(c)
	}
	g.b.WriteByte('"')
}

func (g *spanGen) number() {
	forms := []string{"0", "-0", "1571896375322000", "14000", "-5", "9223372036854775807",
		"9223372036854775808", "-9223372036854775808", "1.5", "1e3", "01", "1E+2", "-"}
	if g.one(3) {
		g.b.WriteString(forms[g.r.IntN(len(forms))])
		return
	}
	fmt.Fprint(&g.b, g.r.Int64N(1<<53))
}

// str writes a string of mostly plain text with escapes, surrogates
// (paired and lone), multi-byte and invalid UTF-8 mixed in.
func (g *spanGen) str() {
	g.b.WriteByte('"')
	for i, n := 0, g.r.IntN(12); i < n; i++ {
		switch g.r.IntN(24) {
		case 0:
			g.b.WriteString([]string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`}[g.r.IntN(8)])
		case 1:
			fmt.Fprintf(&g.b, `\u%04x`, g.r.IntN(0x10000))
		case 2:
			g.b.WriteString([]string{`\ud83d\ude00`, `\ud800`, `\udc00`, `\uD800\uD800\uDC00`, `\ud800x`}[g.r.IntN(5)])
		case 3:
			g.b.WriteRune(rune(0x80 + g.r.IntN(0x2000)))
		case 4:
			g.b.WriteString([]string{"\xff", "\xed\xa0\x80", "\xe2\x82", "\xef\xbf\xbd"}[g.r.IntN(4)])
		case 5:
			if g.one(10) {
				g.b.WriteByte(byte(g.r.IntN(0x20))) // a control character
			}
		default:
			g.b.WriteByte(byte('a' + g.r.IntN(26)))
		}
	}
	g.b.WriteByte('"')
}
