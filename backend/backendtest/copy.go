package backendtest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
)

// copyBytes is how many bytes each io.Copy test moves.
const copyBytes = 2 << 20

func (s *suite) copy(t *testing.T) {
	t.Run("ReaderFromWriterTo", s.readerFromWriterTo)
	t.Run("RelayWriterTo", func(t *testing.T) { s.relay(t, false) })
	t.Run("RelayReaderFrom", func(t *testing.T) { s.relay(t, true) })
}

// readerFromWriterTo sends with the conn's ReadFrom from a plain Reader
// and receives with the peer's WriteTo into a plain Writer.
func (s *suite) readerFromWriterTo(t *testing.T) {
	h := s.start(t)
	client, server := h.pair(h.listen())
	rf, ok := client.(io.ReaderFrom)
	if !ok {
		t.Fatalf("%T is not an io.ReaderFrom", client)
	}
	wt, ok := server.(io.WriterTo)
	if !ok {
		t.Fatalf("%T is not an io.WriterTo", server)
	}
	data := randBytes(9, copyBytes)
	sent := h.asyncErr(func() error {
		n, err := rf.ReadFrom(onlyReader{bytes.NewReader(data)})
		if err == nil && n != int64(len(data)) {
			err = fmt.Errorf("ReadFrom returned %d, want %d", n, len(data))
		}
		if cerr := client.Close(); err == nil {
			err = cerr
		}
		return err
	})
	var got bytes.Buffer
	n, err := wt.WriteTo(onlyWriter{&got})
	if err != nil {
		t.Errorf("WriteTo: %v (after %d bytes)", err, n)
	}
	if n != int64(got.Len()) || !bytes.Equal(got.Bytes(), data) {
		t.Errorf("WriteTo returned %d and wrote %d bytes, want %d; equal: %v",
			n, got.Len(), len(data), bytes.Equal(got.Bytes(), data))
	}
	if err := <-sent; err != nil {
		t.Errorf("ReadFrom: %v", err)
	}
}

// relay copies from one conn to another with io.Copy (taking the source
// conn's WriteTo) or with the destination conn's ReadFrom, as proxies do.
func (s *suite) relay(t *testing.T, readerFrom bool) {
	h := s.start(t)
	l := h.listen()
	src, srcPeer := h.pair(l)
	dstPeer, dst := h.pair(l)
	data := randBytes(10, copyBytes)
	sent := h.asyncErr(func() error {
		_, err := src.Write(data)
		if cerr := src.Close(); err == nil {
			err = cerr
		}
		return err
	})
	relayed := h.asyncErr(func() error {
		err := relayCopy(dst, srcPeer, readerFrom)
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		return err
	})
	h.readAllExpect(dstPeer, data, "end of the relay")
	if err := <-sent; err != nil {
		t.Errorf("writing into the relay: %v", err)
	}
	if err := <-relayed; err != nil {
		t.Errorf("relaying: %v", err)
	}
}

// relayCopy copies src to dst until io.EOF.
func relayCopy(dst, src net.Conn, readerFrom bool) error {
	if !readerFrom {
		_, err := io.Copy(dst, src)
		return err
	}
	rf, ok := dst.(io.ReaderFrom)
	if !ok {
		return fmt.Errorf("%T is not an io.ReaderFrom", dst)
	}
	_, err := rf.ReadFrom(src)
	return err
}
