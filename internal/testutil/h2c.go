package testutil

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// RefusingH2C is an h2c (prior knowledge) server speaking raw HTTP/2
// frames, for tests of what a client does with RST_STREAM REFUSED_STREAM,
// which net/http's server never sends on its own. It refuses the first
// Refuse streams it is sent, across connections, and answers each later
// one with 200 and the body "ok", as soon as its HEADERS arrive.
type RefusingH2C struct {
	// Addr is the server's host:port.
	Addr string
	// Streams counts the streams opened by clients (refused or not).
	Streams atomic.Int64
	// Conns counts the connections accepted.
	Conns  atomic.Int64
	refuse int64
	ln     net.Listener
	wg     sync.WaitGroup
}

// NewRefusingH2C starts a RefusingH2C on 127.0.0.1 that refuses the first
// refuse streams; the test's cleanup stops it and closes its connections.
func NewRefusingH2C(t testing.TB, refuse int) *RefusingH2C {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &RefusingH2C{Addr: ln.Addr().String(), refuse: int64(refuse), ln: ln}
	var mu sync.Mutex
	var conns []net.Conn
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.Conns.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// serve runs one connection until the client or the cleanup closes it.
func (s *RefusingH2C) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(br, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(c, br)
	if err := fr.WriteSettings(); err != nil {
		return
	}
	var hbuf bytes.Buffer
	enc := hpack.NewEncoder(&hbuf)
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				err = fr.WriteSettingsAck()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				err = fr.WritePing(true, f.Data)
			}
		case *http2.HeadersFrame:
			if s.Streams.Add(1) <= s.refuse {
				err = fr.WriteRSTStream(f.StreamID, http2.ErrCodeRefusedStream)
				break
			}
			hbuf.Reset()
			_ = enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
			_ = enc.WriteField(hpack.HeaderField{Name: "content-length", Value: "2"})
			err = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: f.StreamID, BlockFragment: hbuf.Bytes(), EndHeaders: true})
			if err == nil {
				err = fr.WriteData(f.StreamID, true, []byte("ok"))
			}
		}
		if err != nil {
			return
		}
	}
}
