package format

import (
	"fmt"
	"strings"

	"github.com/meshlens/meshlens/storage"
)

// op is one compiled %COMMAND(arg):len% operator.
type op struct {
	index  int    // 1-based position among the format's operators
	offset int    // byte offset in the format string
	name   string // as written, without '%' and ':len', e.g. "REQ(:METHOD)"
	field  field
	time   *timeFormat // START_TIME's format; nil is RFC 3339
}

// program is a compiled text format: literal head, then operators each
// followed by the literal that separates it from the next one (the last
// operator's tail may be empty, meaning end of line).
//
// Matching is a single left-to-right pass with no backtracking: an
// operator's value runs to the first occurrence of its tail (to the end of
// the line for the last one), and is then validated by its field's kind.
// Envoy does not escape text values, so a value that contains its own tail
// (a User-Agent with `" "` in it) cannot be split; such lines fail and are
// kept as dead letters rather than stored wrong.
type program struct {
	name  string // layout name for errors
	head  string
	ops   []op
	tails []string
}

// failure says where and why a line did not match a program. It is a plain
// value, turned into an error (and formatted) only when it is reported, so
// that trying a layout that does not match allocates nothing.
type failure struct {
	at    int
	op    *op // nil: the line does not start with the head
	why   problem
	value string // the refused value
	miss  string // when not "": the literal that was not found after op
	last  bool   // miss is the literal that must end the line
}

func (f *failure) failed() bool { return f.why != noProblem || f.miss != "" || f.at < 0 }

// error turns a failure of program p into a *lineError.
func (p *program) error(f failure) *lineError {
	if f.at < 0 {
		return &lineError{layout: p.name, msg: "the line does not start with " + quote(p.head)}
	}
	var msg string
	switch {
	case f.miss != "" && f.last:
		msg = "the line does not end with " + quote(f.miss)
	case f.miss != "":
		msg = "no " + quote(f.miss) + " after it"
	default:
		msg = f.why.describe(f.value, f.op.time)
	}
	return &lineError{layout: p.name, at: f.at, msg: fmt.Sprintf("field %d (%s): %s", f.op.index, f.op.name, msg)}
}

func (p *program) parseRecord(s string, dst *storage.AccessLog) error {
	return p.match(s, dst, nil)
}

// match parses s into dst, which it first resets. raw, when not nil, must
// have len(p.ops) entries and receives each operator's text (for tests).
func (p *program) match(s string, dst *storage.AccessLog, raw []string) error {
	*dst = blank
	if f := p.fill(s, dst, raw); f.failed() {
		return p.error(f)
	}
	return nil
}

// fill matches s and sets the fields into dst without resetting it first:
// a JSON dictionary member that holds several operators fills its fields
// into a record in progress. The zero failure means success.
func (p *program) fill(s string, dst *storage.AccessLog, raw []string) failure {
	if !strings.HasPrefix(s, p.head) {
		return failure{at: -1}
	}
	pos := len(p.head)
	last := len(p.ops) - 1
	for i := range p.ops {
		o := &p.ops[i]
		tail := p.tails[i]
		var v string
		switch {
		case i < last:
			j := strings.Index(s[pos:], tail)
			if j < 0 {
				return failure{at: pos, op: o, miss: tail}
			}
			v = s[pos : pos+j]
		case !strings.HasSuffix(s[pos:], tail):
			return failure{at: pos, op: o, miss: tail, last: true}
		default:
			v = s[pos : len(s)-len(tail)]
		}
		if raw != nil {
			raw[i] = v
		}
		why := probEmpty
		if v != "" || !kinds[o.field].nonEmptyInText() {
			why = set(dst, o.field, v, v == "-", false, o.time)
		}
		if why != noProblem {
			return failure{at: pos, op: o, why: why, value: v}
		}
		pos += len(v) + len(tail)
	}
	return failure{}
}

// bare reports whether the program is a single operator with no literal
// text around it, as most values of a JSON format dictionary are.
func (p *program) bare() bool {
	return p.head == "" && len(p.ops) == 1 && p.tails[0] == ""
}

// hasField reports whether any operator fills an AccessLog column.
func (p *program) hasField() bool {
	for _, o := range p.ops {
		if o.field != fNone {
			return true
		}
	}
	return false
}
