package backendtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
)

func (s *suite) halfClose(t *testing.T) {
	if s.probe.NoHalfClose {
		t.Run("CloseWriteUnsupported", s.closeWriteUnsupported)
	} else {
		t.Run("CloseWrite", s.closeWrite)
		t.Run("WriteAfterCloseWrite", s.writeAfterCloseWrite)
	}
	t.Run("CloseRead", s.closeRead)
	t.Run("CloseReadUnblocksRead", s.closeReadUnblocksRead)
}

// closeWriteUnsupported: CloseWrite fails with errors.ErrUnsupported and
// leaves the conn usable.
func (s *suite) closeWriteUnsupported(t *testing.T) {
	h := s.start(t)
	client, server := h.pair(h.listen())
	err := asCloseWriter(t, client).CloseWrite()
	checkIs(t, "CloseWrite on a backend without half-close", err, "", tcp, errors.ErrUnsupported)
	h.exchange(client, server, []byte("still open"))
}

// exchange writes p on from and reads it whole on to.
func (h *harness) exchange(from, to net.Conn, p []byte) {
	h.t.Helper()
	if n, err := from.Write(p); err != nil || n != len(p) {
		h.t.Fatalf("Write = %d, %v", n, err)
	}
	got := make([]byte, len(p))
	if _, err := io.ReadFull(to, got); err != nil || !bytes.Equal(got, p) {
		h.t.Fatalf("ReadFull = %q, %v; want %q", got, err, p)
	}
}

// closeWrite: after CloseWrite the peer reads everything, then io.EOF,
// and can still write back.
func (s *suite) closeWrite(t *testing.T) {
	h := s.start(t)
	client, server := h.pair(h.listen())
	data := randBytes(1, 600<<10) // more than a default buffer holds
	done := h.asyncErr(func() error { return writeThenCloseWrite(client, data) })
	h.readAllExpect(server, data, "peer of a CloseWrite")
	if err := <-done; err != nil {
		t.Fatalf("Write then CloseWrite: %v", err)
	}
	if n, err := server.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("Read after io.EOF = %d, %v; want 0, io.EOF", n, err)
	}
	reply := randBytes(2, 300<<10)
	done = h.asyncErr(func() error { return writeThenCloseWrite(server, reply) })
	h.readAllExpect(client, reply, "half-closed end reading its peer's reply")
	if err := <-done; err != nil {
		t.Fatalf("reply Write then CloseWrite: %v", err)
	}
}

// writeThenCloseWrite writes p on c and half-closes it.
func writeThenCloseWrite(c net.Conn, p []byte) error {
	if _, err := c.Write(p); err != nil {
		return err
	}
	cw, ok := c.(closeWriter)
	if !ok {
		return fmt.Errorf("%T has no CloseWrite method", c)
	}
	return cw.CloseWrite()
}

// readAllExpect reads c to io.EOF and checks it got exactly want.
func (h *harness) readAllExpect(c net.Conn, want []byte, what string) {
	h.t.Helper()
	got, err := io.ReadAll(c)
	if err != nil {
		h.t.Errorf("%s: reading to EOF: %v (after %d of %d bytes)", what, err, len(got), len(want))
		return
	}
	if !bytes.Equal(got, want) {
		h.t.Errorf("%s: read %d bytes, want %d; the data differ", what, len(got), len(want))
	}
}

// writeAfterCloseWrite: writes after CloseWrite fail with EPIPE, and
// nothing written before is lost.
func (s *suite) writeAfterCloseWrite(t *testing.T) {
	h := s.start(t)
	client, server := h.pair(h.listen())
	data := randBytes(3, 10<<10)
	if _, err := client.Write(data); err != nil {
		t.Fatalf("Write: %v", err)
	}
	cw := asCloseWriter(t, client)
	if err := cw.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	_, err := client.Write([]byte("too late"))
	checkIs(t, "Write after CloseWrite", err, "write", tcp, syscall.EPIPE)
	if err := cw.CloseWrite(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Errorf("second CloseWrite: %v", err)
	}
	h.readAllExpect(server, data, "peer after CloseWrite")
}

// closeRead: after CloseRead, Read returns io.EOF and the conn still
// writes.
func (s *suite) closeRead(t *testing.T) {
	h := s.start(t)
	client, server := h.pair(h.listen())
	h.exchange(server, client, []byte("before"))
	if _, err := server.Write([]byte("unread")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := asCloseReader(t, client).CloseRead(); err != nil {
		t.Fatalf("CloseRead: %v", err)
	}
	for range 2 {
		if n, err := client.Read(make([]byte, 8)); n != 0 || err != io.EOF {
			t.Errorf("Read after CloseRead = %d, %v; want 0, io.EOF", n, err)
		}
	}
	h.exchange(client, server, []byte("write side still open"))
}

// closeReadUnblocksRead: a Read blocked when CloseRead is called returns
// io.EOF.
func (s *suite) closeReadUnblocksRead(t *testing.T) {
	h := s.start(t)
	client, _ := h.pair(h.listen())
	res := async(h, func() ioResult { n, err := client.Read(make([]byte, 8)); return ioResult{n, err} })
	letRun()
	if err := asCloseReader(t, client).CloseRead(); err != nil {
		t.Fatalf("CloseRead: %v", err)
	}
	if r := <-res; r.n != 0 || r.err != io.EOF {
		t.Errorf("Read blocked across CloseRead = %d, %v; want 0, io.EOF", r.n, r.err)
	}
}
