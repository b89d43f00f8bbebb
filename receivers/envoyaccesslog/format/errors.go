package format

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrEmptyLine is returned for a line that holds nothing but white space.
// It is not a parse failure: a receiver skips such lines instead of keeping
// them as dead letters.
var ErrEmptyLine = errors.New("empty line")

// maxQuoted bounds how much of a bad value an error message repeats, so that
// a 1 MiB line never turns into a 1 MiB error string in the dead-letter table.
const maxQuoted = 64

// quote renders s for an error message: Go-quoted, cut on a rune boundary
// after maxQuoted bytes.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// lineError is a parse failure at a byte offset of the line. The offset lets
// a multi-layout parser report the layout that got furthest, and lets the
// kubectl-prefix handling report offsets in the original line.
type lineError struct {
	layout string // layout name, "" when not tied to one
	at     int    // byte offset in the line
	msg    string
	syntax bool // a JSON syntax error (as opposed to a bad field value)
}

func (e *lineError) Error() string {
	var b strings.Builder
	if e.layout != "" {
		b.WriteString(e.layout)
		b.WriteString(" layout, ")
	}
	fmt.Fprintf(&b, "byte %d: %s", e.at, e.msg)
	return b.String()
}

// shiftErr moves the offset of the lineError inside err by n bytes. Errors
// are created fresh for every parse, so mutating them is safe.
func shiftErr(err error, n int) {
	var le *lineError
	if n != 0 && errors.As(err, &le) {
		le.at += n
	}
}

// errAt returns the offset of the lineError inside err, or -1.
func errAt(err error) int {
	var le *lineError
	if errors.As(err, &le) {
		return le.at
	}
	return -1
}
