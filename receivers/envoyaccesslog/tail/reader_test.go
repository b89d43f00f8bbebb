package tail

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// growing is a file being appended to, as an io.ReaderAt.
type growing struct{ data []byte }

func (g *growing) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(g.data)) {
		return 0, io.EOF
	}
	n := copy(p, g.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readAll feeds chunks to a lineReader one at a time, draining it after
// each (as polls would), and returns the lines with their text copied.
func readAll(t testing.TB, chunks []string, maxLine int, final bool) []Line {
	t.Helper()
	src := &growing{}
	rd := newLineReader(src, maxLine, 0)
	var out []Line
	drain := func() {
		for {
			line, ok, err := rd.next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			out = append(out, cloneLines([]Line{line})...)
		}
		rd.release()
	}
	for _, c := range chunks {
		src.data = append(src.data, c...)
		drain()
	}
	if final {
		rd.final = true
		drain()
	}
	return out
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 3*readChunk+5)
	tests := []struct {
		name    string
		chunks  []string
		maxLine int
		final   bool
		want    []Line
	}{
		{name: "empty", chunks: []string{""}, maxLine: 10},
		{
			name: "lines", chunks: []string{"a\nbb\n\n"}, maxLine: 10,
			want: []Line{{Text: []byte("a"), End: 2}, {Text: []byte("bb"), Offset: 2, End: 5}, {Text: []byte(""), Offset: 5, End: 6}},
		},
		{
			name: "partial line waits for its newline", chunks: []string{"ab", "c", "d\ne"}, maxLine: 10,
			want: []Line{{Text: []byte("abcd"), End: 5}},
		},
		{
			name: "final delivers the unterminated tail", chunks: []string{"ab\ncd"}, maxLine: 10, final: true,
			want: []Line{{Text: []byte("ab"), End: 3}, {Text: []byte("cd"), Offset: 3, End: 5}},
		},
		{
			name: "line of exactly maxLine", chunks: []string{"abcd\n"}, maxLine: 4,
			want: []Line{{Text: []byte("abcd"), End: 5}},
		},
		{
			name: "long line inside the buffer is truncated", chunks: []string{"abcdef\ng\n"}, maxLine: 4,
			want: []Line{{Text: []byte("abcd"), End: 7, Truncated: true}, {Text: []byte("g"), Offset: 7, End: 9}},
		},
		{
			name: "long line across polls is skipped, not buffered", chunks: []string{"abcdef", "ghij", "kl\nm\n"}, maxLine: 4,
			want: []Line{{Text: []byte("abcd"), End: 13, Truncated: true}, {Text: []byte("m"), Offset: 13, End: 15}},
		},
		{
			name: "long unterminated tail at final", chunks: []string{"abcdefgh"}, maxLine: 4, final: true,
			want: []Line{{Text: []byte("abcd"), End: 8, Truncated: true}},
		},
		{
			name: "line longer than a read buffer", chunks: []string{long + "\nz\n"}, maxLine: len(long),
			want: []Line{{Text: []byte(long), End: int64(len(long) + 1)}, {Text: []byte("z"), Offset: int64(len(long) + 1), End: int64(len(long) + 3)}},
		},
		{
			name: "binary garbage is a line", chunks: []string{"\x00\xff\xfe\r\x01\n"}, maxLine: 10,
			want: []Line{{Text: []byte("\x00\xff\xfe\r\x01"), End: 6}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(t, tt.chunks, tt.maxLine, tt.final)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines %q, want %d", len(got), texts(got), len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if !bytes.Equal(g.Text, w.Text) || g.Offset != w.Offset || g.End != w.End || g.Truncated != w.Truncated {
					t.Errorf("line %d: got {%.20q %d %d %v}, want {%.20q %d %d %v}",
						i, g.Text, g.Offset, g.End, g.Truncated, w.Text, w.Offset, w.End, w.Truncated)
				}
			}
		})
	}
}

// TestLineReaderLimit checks that a replay stops exactly at the recorded
// end, even when the file has grown past it.
func TestLineReaderLimit(t *testing.T) {
	src := &growing{data: []byte("aa\nbb\ncc\ndd\n")}
	rd := newLineReader(src, 10, 3)
	rd.limit = 9
	var got []string
	for {
		line, ok, err := rd.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, string(line.Text))
	}
	if strings.Join(got, ",") != "bb,cc" || rd.pos != 9 {
		t.Fatalf("got %q up to %d, want bb,cc up to 9", got, rd.pos)
	}
}

// checkSplit verifies lines against the data they came from: contiguous,
// complete, truncated exactly when too long.
func checkSplit(t *testing.T, data []byte, lines []Line, maxLine int, final bool) {
	t.Helper()
	var pos int64
	for i, l := range lines {
		if l.Offset != pos {
			t.Fatalf("line %d starts at %d, want %d", i, l.Offset, pos)
		}
		raw := data[l.Offset:l.End]
		body := bytes.TrimSuffix(raw, []byte("\n"))
		if len(body) == len(raw) && !(final && l.End == int64(len(data))) {
			t.Fatalf("line %d [%d,%d) has no newline and is not the final tail", i, l.Offset, l.End)
		}
		if bytes.IndexByte(body, '\n') >= 0 {
			t.Fatalf("line %d [%d,%d) holds a newline", i, l.Offset, l.End)
		}
		if l.Truncated != (len(body) > maxLine) || !bytes.Equal(l.Text, body[:min(len(body), maxLine)]) {
			t.Fatalf("line %d: text %q truncated=%v, from %q (max %d)", i, l.Text, l.Truncated, body, maxLine)
		}
		pos = l.End
	}
	rest := data[pos:]
	if final && len(rest) > 0 || bytes.IndexByte(rest, '\n') >= 0 {
		t.Fatalf("undelivered data after %d: %q", pos, rest)
	}
}

// FuzzLineReader splits arbitrary bytes, appended in arbitrary pieces, and
// checks the lines against the bytes.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nbb\nccc"), uint8(3), uint8(2), false)
	f.Add([]byte("\x00\xff\n\n\nlong line here\nx"), uint8(4), uint8(1), true)
	f.Add([]byte(strings.Repeat("y", 300)+"\nz\n"), uint8(7), uint8(100), false)
	f.Fuzz(func(t *testing.T, data []byte, chunk, maxLine uint8, final bool) {
		step := int(chunk%16) + 1
		var chunks []string
		for i := 0; i < len(data); i += step {
			chunks = append(chunks, string(data[i:min(i+step, len(data))]))
		}
		ml := int(maxLine) + 1
		checkSplit(t, data, readAll(t, chunks, ml, final), ml, final)
	})
}
