package yamux

import (
	"bytes"
	"io"
	"testing"
)

// FuzzRequest feeds the gateway's request decoder arbitrary stream
// starts: it must never panic, must accept only what it validated, and
// what it accepts must re-encode to the same bytes.
func FuzzRequest(f *testing.F) {
	for _, r := range seedRequests() {
		f.Add(appendRequest(nil, r))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readRequest(bytes.NewReader(b), DefaultMaxHeader)
		if err != nil {
			return
		}
		if !validRequest(r) {
			t.Fatalf("accepted an invalid request %+v", r)
		}
		enc := appendRequest(nil, r)
		if !bytes.Equal(enc, b[:len(enc)]) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", enc, b[:len(enc)])
		}
	})
}

func seedRequests() []request {
	return []request{
		{op: opControl},
		{op: opDial, network: netTCP, arg: 30000, payload: []byte("127.0.0.1:80")},
		{op: opDial, network: netUDP6, payload: []byte("[::1]:53")},
		{op: opDial, network: netTCP4, payload: []byte("example.test:443")},
		{op: opListen, network: netTCP, arg: 128, payload: []byte(":8080")},
		{op: opListen, network: netUDP, payload: []byte("0.0.0.0:0")},
		{op: opResolve, network: netIP, payload: []byte("gateway.test")},
		{op: opAccept, network: netTCP, arg: 3, payload: appendAddr(appendAddr(nil, mustAP("127.0.0.1:80")), mustAP("[::1]:5000"))},
	}
}

// FuzzReply feeds the device's reply and address decoders.
func FuzzReply(f *testing.F) {
	f.Add(appendReply(nil, stOK, appendAddr(appendAddr(nil, mustAP("10.0.0.1:5")), mustAP("[2001:db8::1]:80"))))
	f.Add(appendReply(nil, stRefused, nil))
	f.Add(appendReply(nil, stOK, []byte{famNone, famIPv4, 1, 2, 3, 4, 0, 80}))
	f.Add([]byte{0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := readReply(bytes.NewReader(b))
		if err != nil {
			return
		}
		statusError(rep.status)
		if aps, err := decodeAddrs(rep.body); err == nil {
			var enc []byte
			for _, ap := range aps {
				enc = appendAddr(enc, ap)
			}
			if len(enc) > len(rep.body) {
				t.Fatalf("addresses grew on re-encoding: %x → %x", rep.body, enc)
			}
		}
	})
}

// FuzzDatagram feeds the datagram frame decoder, which both ends run on
// bytes from the other.
func FuzzDatagram(f *testing.F) {
	one, _ := appendDatagram(nil, mustAP("127.0.0.1:53"), []byte("query"))
	two, _ := appendDatagram(one, mustAP("[::1]:9"), nil)
	f.Add(one)
	f.Add(two)
	f.Add([]byte{0, 3, famNone, 'a', 'b', 'c'})
	f.Add([]byte{255, 255, famIPv4, 1, 2, 3, 4, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := newDatagramReader(bytes.NewReader(b))
		for {
			p, from, err := r.next()
			if err != nil {
				return
			}
			enc, err := appendDatagram(nil, from, p)
			if err != nil || len(enc) > len(b) {
				t.Fatalf("frame of %d bytes from %v does not re-encode", len(p), from)
			}
		}
	})
}

// FuzzHandshake feeds the gateway's handshake what an unauthenticated
// peer may send: it must fail cleanly and never accept a wrong proof.
func FuzzHandshake(f *testing.F) {
	hello := append([]byte(helloMagic), protoVersion, flagHasKey)
	hello = append(hello, make([]byte, nonceSize)...)
	f.Add(append(append([]byte{}, hello...), make([]byte, macSize)...))
	f.Add([]byte("OFLY"))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: gateway.test\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		link := &scripted{r: bytes.NewReader(b)}
		if _, err := gatewayHandshake(link, testKey, false); err == nil {
			t.Fatalf("accepted a handshake without the key: %x", b)
		}
	})
}

// scripted is a link that reads from r and swallows writes.
type scripted struct{ r io.Reader }

func (s *scripted) Read(p []byte) (int, error)  { return s.r.Read(p) }
func (s *scripted) Write(p []byte) (int, error) { return len(p), nil }

// FuzzControl feeds the control stream's decoder what a peer may send:
// it must never panic, end only at the end of its input, and remember a
// bounded number of resets for unknown streams.
func FuzzControl(f *testing.F) {
	f.Add([]byte{ctlReset, stRefused, 0, 0, 0, 0, 0, 4})
	f.Add([]byte{ctlFinAck, 0, 0, 0, 0, 0, 0, 3, ctlReset, 0, 0, 0, 0, 0, 0, 2})
	f.Add([]byte{9, 9, 9, 9, 0xff, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		reg := newRegistry(true)
		err := readControl(bytes.NewReader(b), reg)
		if err != io.EOF && err != io.ErrUnexpectedEOF {
			t.Fatalf("decoder stopped with %v before the end of its input", err)
		}
		if len(reg.early) > maxEarlyResets || len(reg.m) != 0 {
			t.Fatalf("registry grew: %d early resets, %d entries", len(reg.early), len(reg.m))
		}
	})
}
