package tail

import (
	"bytes"
	"fmt"
	"io"
)

// Line is one line of a followed file.
type Line struct {
	// Text is the line without its newline. It aliases the tailer's read
	// buffers: it is valid only until deliver returns, so copy what you keep.
	// It may hold any bytes (binary garbage is just a line).
	Text []byte
	// File is the path the file was matched under when the line was read.
	File string
	// Offset is the file offset of the line's first byte and End the offset
	// just past its newline: [Offset, End) is where the line sits in the
	// file, and a replayed line has the same File, Offset and End.
	Offset, End int64
	// Truncated reports a line longer than Config.MaxLineBytes: Text holds
	// only its first MaxLineBytes bytes. Callers dead-letter such lines.
	Truncated bool
}

// readChunk is the size of a pooled read buffer; buffers grow past it only
// to hold a line of up to MaxLineBytes.
const readChunk = 256 << 10

// freeBufs recycles read buffers between files and batches. It is bounded
// (4 MiB), so an idle tailer holds little memory.
var freeBufs = make(chan []byte, 16)

// lineReader splits one file into lines. It reads with ReadAt, so it keeps
// working on a file that was renamed or deleted while open, and it never
// copies a line: lines alias its buffer until release is called (after the
// batch holding them was committed), and while they do the buffer is not
// overwritten (a fresh one is taken instead).
type lineReader struct {
	src     io.ReaderAt
	maxLine int

	buf  []byte
	r, w int   // buf[r:w] is read but not yet returned
	pos  int64 // file offset of buf[r]

	pinned  bool     // returned lines alias buf
	retired [][]byte // earlier buffers still aliased by returned lines

	// longStart is the offset of a line longer than maxLine whose end is
	// being searched for (its bytes before pos are skipped, not kept), or
	// -1.
	longStart int64
	// limit, when >= 0, is an offset no line crosses: data ends there as
	// if at a newline (used to replay a recorded batch exactly).
	limit int64
	// final makes the end of the data a line terminator, for a rotated
	// file that is being closed.
	final bool
}

func newLineReader(src io.ReaderAt, maxLine int, pos int64) *lineReader {
	return &lineReader{src: src, maxLine: maxLine, pos: pos, longStart: -1, limit: -1}
}

// next returns the next complete line; ok is false when there is none yet.
func (lr *lineReader) next() (line Line, ok bool, err error) {
	for {
		unread := lr.buf[lr.r:lr.w]
		i := bytes.IndexByte(unread, '\n')
		switch {
		case lr.longStart >= 0 && i >= 0:
			return lr.takeLong(i + 1)
		case lr.longStart >= 0:
			lr.pos += int64(len(unread)) // skipped, not buffered
			lr.r = lr.w
		case i >= 0:
			return lr.take(i, i+1), true, nil
		case len(unread) > lr.maxLine:
			lr.longStart = lr.pos
			continue
		}
		if lr.atLimit() {
			return lr.terminate()
		}
		n, err := lr.fill()
		if err != nil {
			return Line{}, false, err
		}
		if n == 0 {
			if lr.final {
				return lr.terminate()
			}
			return Line{}, false, nil
		}
	}
}

// terminate ends the data read so far as a line (at limit, or at the end
// of a file being closed).
func (lr *lineReader) terminate() (Line, bool, error) {
	if lr.longStart >= 0 {
		return lr.takeLong(0)
	}
	if n := lr.w - lr.r; n > 0 {
		return lr.take(n, n), true, nil
	}
	return Line{}, false, nil
}

func (lr *lineReader) atLimit() bool {
	return lr.limit >= 0 && lr.readEnd() >= lr.limit
}

// readEnd is the file offset up to which data has been read.
func (lr *lineReader) readEnd() int64 { return lr.pos + int64(lr.w-lr.r) }

// take returns the n-byte line at buf[r:] and consumes adv bytes.
func (lr *lineReader) take(n, adv int) Line {
	text := lr.buf[lr.r : lr.r+min(n, lr.maxLine)]
	line := Line{Text: text, Offset: lr.pos, End: lr.pos + int64(adv), Truncated: n > lr.maxLine}
	lr.r += adv
	lr.pos += int64(adv)
	lr.pinned = true
	return line
}

// takeLong returns the over-long line that ends adv bytes into buf[r:],
// re-reading its first maxLine bytes (they were skipped, not kept).
func (lr *lineReader) takeLong(adv int) (Line, bool, error) {
	prefix := make([]byte, lr.maxLine)
	n, err := lr.src.ReadAt(prefix, lr.longStart)
	if err != nil && err != io.EOF {
		return Line{}, false, fmt.Errorf("re-reading the first bytes of a long line at offset %d: %w", lr.longStart, err)
	}
	lr.r += adv
	lr.pos += int64(adv)
	line := Line{Text: prefix[:n], Offset: lr.longStart, End: lr.pos, Truncated: true}
	lr.longStart = -1
	return line, true, nil
}

// fill reads more of the file after the unread bytes, returning how many
// bytes it read (0 at the end of the data or at limit).
func (lr *lineReader) fill() (int, error) {
	unread := lr.w - lr.r
	size := readChunk
	if unread == len(lr.buf) && unread > 0 {
		size = min(2*len(lr.buf), lr.maxLine+1) // a line longer than the buffer
	}
	switch {
	case lr.buf == nil:
		lr.buf = getBuf(size)
	case lr.pinned || size > len(lr.buf):
		nb := getBuf(max(size, len(lr.buf)))
		copy(nb, lr.buf[lr.r:lr.w])
		if lr.pinned {
			lr.retired = append(lr.retired, lr.buf)
		} else {
			putBuf(lr.buf)
		}
		lr.buf, lr.pinned = nb, false
	default:
		copy(lr.buf, lr.buf[lr.r:lr.w])
	}
	lr.r, lr.w = 0, unread
	want := int64(len(lr.buf) - lr.w)
	if lr.limit >= 0 {
		want = min(want, lr.limit-lr.readEnd())
	}
	if want <= 0 {
		return 0, nil
	}
	n, err := lr.src.ReadAt(lr.buf[lr.w:lr.w+int(want)], lr.readEnd())
	lr.w += n
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("reading at offset %d: %w", lr.readEnd(), err)
	}
	return n, nil
}

// release is called once the lines returned so far are no longer used: it
// recycles the buffers they aliased, and the current one if it is empty.
func (lr *lineReader) release() {
	for _, b := range lr.retired {
		putBuf(b)
	}
	clear(lr.retired)
	lr.retired = lr.retired[:0]
	lr.pinned = false
	if lr.r == lr.w && lr.buf != nil {
		putBuf(lr.buf)
		lr.buf, lr.r, lr.w = nil, 0, 0
	}
}

// reset drops buffered data and the long-line state and continues at pos
// (after truncation, or to replay from a recorded offset). No returned line
// may alias the buffers any more.
func (lr *lineReader) reset(pos int64) {
	lr.r, lr.w = 0, 0
	lr.release()
	lr.pos, lr.longStart = pos, -1
}

func getBuf(size int) []byte {
	if size == readChunk {
		select {
		case b := <-freeBufs:
			return b
		default:
		}
	}
	return make([]byte, size)
}

func putBuf(b []byte) {
	if cap(b) == readChunk {
		select {
		case freeBufs <- b[:readChunk]:
		default:
		}
	}
}
