package format

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Compile compiles an Envoy access-log format string into a Parser, once,
// so that parsing a line is a single pass with no regular expression.
//
// The format is what Envoy's text_format (or Istio's meshConfig
// accessLogFormat) holds: literal text and %COMMAND%, %COMMAND(arg)% or
// %COMMAND(arg):len% operators, with %% for a literal '%' and one trailing
// newline ignored. Operators that map to an AccessLog column (START_TIME,
// REQ(:METHOD), RESPONSE_CODE, DURATION, UPSTREAM_CLUSTER, ...; see the
// package doc) fill it; any other operator is parsed over and its value
// dropped. Header names in REQ()/RESP() are case-insensitive, as in Envoy.
//
// A format that is a JSON object (Envoy's json_format, or Istio's
// accessLogFormat with JSON encoding) compiles into a JSON parser keyed by
// member name, so member order does not matter; each member's string is
// itself compiled as a format. Lines that are not JSON are then tried
// against the dictionary as TEXT-encoded output.
//
// Errors name the offending operator and its byte offset in the format.
// Compile fails when two operators are not separated by literal text (no
// line could be split between them), when no operator maps to a column, and
// for START_TIME formats it cannot parse back.
func Compile(envoyFormat string) (Parser, error) {
	rp, err := compileRecordParser("custom", envoyFormat)
	if err != nil {
		return nil, fmt.Errorf("format %s: %w", quote(envoyFormat), err)
	}
	return &lineParser{rec: rp}, nil
}

// compileRecordParser compiles a text format or a JSON format dictionary.
func compileRecordParser(name, format string) (recordParser, error) {
	if l, ok, err := compileDict(name, format); err != nil {
		return nil, err
	} else if ok {
		return l, nil
	}
	p, err := compileText(name, format)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// compileText compiles a text format that must fill at least one column.
func compileText(name, format string) (*program, error) {
	p, err := parseProgram(name, format)
	if err != nil {
		return nil, err
	}
	if !p.hasField() {
		return nil, errors.New("no operator maps to an access-log field (known: " + knownCommands() + ")")
	}
	return p, nil
}

// parseProgram splits a format into head, operators and tails.
func parseProgram(name, format string) (*program, error) {
	if format == "" {
		return nil, errors.New("empty format")
	}
	// One trailing newline ends every Envoy text format; lines arrive
	// without it.
	body := strings.TrimSuffix(strings.TrimSuffix(format, "\n"), "\r")
	p := &program{name: name}
	var lit strings.Builder
	pending := false // an operator whose tail is still being collected
	flush := func() {
		if pending {
			p.tails = append(p.tails, lit.String())
		} else {
			p.head = lit.String()
		}
		lit.Reset()
	}
	for i := 0; i < len(body); {
		c := body[i]
		if c == '\n' {
			return nil, fmt.Errorf("offset %d: a newline before the end of the format (multi-line records are not supported)", i)
		}
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(body) && body[i+1] == '%' {
			lit.WriteByte('%')
			i += 2
			continue
		}
		o, end, err := parseOperator(body, i, len(p.ops)+1)
		if err != nil {
			return nil, err
		}
		if pending && lit.Len() == 0 {
			prev := p.ops[len(p.ops)-1]
			return nil, fmt.Errorf("operators %d (%%%s%%) and %d (%%%s%%) at offset %d are not separated by literal text, so a line cannot be split between them",
				prev.index, prev.name, o.index, o.name, o.offset)
		}
		flush()
		p.ops = append(p.ops, o)
		pending = true
		i = end
	}
	if !pending {
		return nil, errors.New("no %COMMAND% operator in the format")
	}
	flush()
	return p, nil
}

// parseOperator reads the operator starting at body[i] == '%' (Envoy's
// grammar: %[A-Z0-9_]+(\([^)]*\))?(:[0-9]+)?%) and returns it and the offset
// after its closing '%'.
func parseOperator(body string, i, index int) (op, int, error) {
	bad := func(msg string) (op, int, error) {
		return op{}, 0, fmt.Errorf("operator %d at offset %d: %s", index, i, msg)
	}
	j := i + 1
	for j < len(body) && (body[j] >= 'A' && body[j] <= 'Z' || body[j] >= '0' && body[j] <= '9' || body[j] == '_') {
		j++
	}
	if j == i+1 {
		return bad("'%' is not followed by a command name in capitals (write %% for a literal '%')")
	}
	name := body[i+1 : j]
	arg, hasArg := "", false
	if j < len(body) && body[j] == '(' {
		k := strings.IndexByte(body[j+1:], ')')
		if k < 0 {
			return bad("%" + name + "( has no closing ')'")
		}
		arg, hasArg = body[j+1:j+1+k], true
		j += k + 2
	}
	written := body[i+1 : j]
	if j < len(body) && body[j] == ':' {
		k := j + 1
		for k < len(body) && body[k] >= '0' && body[k] <= '9' {
			k++
		}
		if k == j+1 {
			return bad("%" + written + ": ':' must be followed by a maximum length")
		}
		if _, err := strconv.Atoi(body[j+1 : k]); err != nil {
			return bad("%" + written + ": bad maximum length " + body[j+1:k])
		}
		j = k
	}
	if j >= len(body) || body[j] != '%' {
		return bad("%" + written + " is not closed by '%'")
	}
	o := op{index: index, offset: i, name: written, field: commands[commandKey(name, arg, hasArg)]}
	if o.field == fStart && hasArg {
		tf, err := compileTimeFormat(arg)
		if err != nil {
			return bad("%" + written + "%: " + err.Error())
		}
		o.time = tf
	}
	return o, j + 1, nil
}

// compileDict compiles a JSON format dictionary. ok is false when format is
// not a JSON object (it is then a text format).
func compileDict(name, format string) (l *jsonLayout, ok bool, err error) {
	trimmed := strings.TrimSpace(format)
	if !strings.HasPrefix(trimmed, "{") {
		return nil, false, nil
	}
	var dict map[string]any
	if json.Unmarshal([]byte(trimmed), &dict) != nil {
		return nil, false, nil
	}
	l = &jsonLayout{name: name + " JSON", keys: map[string]*program{}}
	for _, key := range sortedKeys(dict) {
		s, isString := dict[key].(string)
		if !isString {
			continue // nested dictionaries and constants fill no column
		}
		p, err := parseProgram(name, s)
		if err != nil {
			if strings.Contains(s, "%") {
				return nil, true, fmt.Errorf("key %s: %w", quote(key), err)
			}
			continue // a constant
		}
		if p.hasField() {
			l.keys[key] = p
		}
	}
	if len(l.keys) == 0 {
		return nil, true, errors.New("no member of the JSON format maps to an access-log field (known: " + knownCommands() + ")")
	}
	l.keyList = strings.Join(sortedKeys(l.keys), ", ")
	if text, err := compileText(name, format); err == nil {
		l.text = text
	}
	return l, true, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// knownCommands lists the operators that fill a column, for error messages.
func knownCommands() string {
	return strings.Join(sortedKeys(commands), ", ")
}
