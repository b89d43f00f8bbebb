package format

import (
	"errors"
	"fmt"

	"github.com/meshlens/meshlens/storage"
)

// jsonLayout parses JSON-encoded records (Envoy's json_format and
// typed_json_format, Istio's accessLogEncoding: JSON) by member name.
//
// Values may be typed (numbers, null) or all strings; "-", null and, for
// numbers and times, "" mean no value. Members the layout does not know are
// skipped, as are nested objects and arrays; a line with none of the
// layout's members is an error rather than an empty record.
type jsonLayout struct {
	name    string
	keys    map[string]*program // member name → its compiled format
	keyList string              // for errors
	text    *program            // the dictionary as TEXT-encoded output, or nil
}

func (l *jsonLayout) parseRecord(s string, dst *storage.AccessLog) error {
	err := l.parseJSON(s, dst)
	if err != nil && l.text != nil && l.text.match(s, dst, nil) == nil {
		return nil
	}
	return err
}

func (l *jsonLayout) parseJSON(s string, dst *storage.AccessLog) error {
	*dst = blank
	sc := jsonScanner{layout: l.name, s: s}
	if err := sc.begin(); err != nil {
		return err
	}
	known := 0
	for {
		key, v, ok, err := sc.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		p := l.keys[key]
		if p == nil {
			continue
		}
		known++
		if err := p.setJSON(dst, v); err != nil {
			return &lineError{layout: l.name, at: v.at, msg: fmt.Sprintf("key %s: %v", quote(key), err)}
		}
	}
	if known == 0 {
		return &lineError{layout: l.name, msg: "the object has none of the layout's members (" + l.keyList + ")"}
	}
	return nil
}

// setJSON stores one member's value. A bare operator takes typed values;
// a value with several operators or literal text must be a string, matched
// as a text format.
func (p *program) setJSON(dst *storage.AccessLog, v jsonValue) error {
	if p.bare() {
		o := &p.ops[0]
		var why problem
		switch v.kind {
		case jsonString:
			null := v.str == "-" || v.str == "" && kinds[o.field].typed()
			why = set(dst, o.field, v.str, null, false, o.time)
		case jsonNull:
			why = set(dst, o.field, "", true, false, o.time)
		case jsonNumber, jsonTrue, jsonFalse:
			why = set(dst, o.field, v.str, false, v.kind == jsonNumber, o.time)
		default:
			return errors.New("expected a string, number or null, got " + jsonKindNames[v.kind])
		}
		if why != noProblem {
			return errors.New(why.describe(v.str, o.time))
		}
		return nil
	}
	switch v.kind {
	case jsonNull:
		return nil
	case jsonString:
		if f := p.fill(v.str, dst, nil); f.failed() {
			le := p.error(f)
			return fmt.Errorf("at offset %d of the value: %s", le.at, le.msg)
		}
		return nil
	}
	return errors.New("expected a string, got " + jsonKindNames[v.kind])
}
