package yamux

import (
	"encoding/binary"
	"io"
	"net/netip"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// Datagram framing on UDP streams (PROTOCOL.md, "Datagrams"): a u16
// payload length, a binary address (the destination toward the gateway,
// the source toward the device), then the payload.

// maxAddrSize is the largest binary address: family, IPv6, port.
const maxAddrSize = 1 + 16 + 2

// maxFrameSize is the largest datagram frame.
const maxFrameSize = lenSize + maxAddrSize + backend.MaxDatagram

// appendDatagram frames payload p for address ap.
func appendDatagram(b []byte, ap netip.AddrPort, p []byte) ([]byte, error) {
	if len(p) > backend.MaxDatagram {
		return b, syscall.EMSGSIZE
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
	b = appendAddr(b, ap)
	return append(b, p...), nil
}

// datagramReader decodes frames from a stream into one reused buffer.
type datagramReader struct {
	r   io.Reader
	buf []byte // maxFrameSize bytes
}

func newDatagramReader(r io.Reader) *datagramReader {
	return &datagramReader{r: r, buf: make([]byte, maxFrameSize)}
}

// next returns the next datagram; the payload is valid until the next
// call. It fails with errBadRequest on a malformed frame.
func (d *datagramReader) next() ([]byte, netip.AddrPort, error) {
	h := d.buf[:lenSize+1]
	if _, err := io.ReadFull(d.r, h); err != nil {
		return nil, netip.AddrPort{}, err
	}
	n := int(binary.BigEndian.Uint16(h))
	size, ok := addrBodySize(h[lenSize])
	if !ok || n > backend.MaxDatagram {
		return nil, netip.AddrPort{}, errBadRequest
	}
	rest := d.buf[lenSize+1 : lenSize+1+size+n]
	if _, err := io.ReadFull(d.r, rest); err != nil {
		return nil, netip.AddrPort{}, noEOF(err)
	}
	ap, _, err := decodeAddr(d.buf[lenSize : lenSize+1+size])
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	return rest[size:], ap, nil
}

// addrBodySize is how many bytes follow a binary address's family byte.
func addrBodySize(fam uint8) (int, bool) {
	switch fam {
	case famNone:
		return 0, true
	case famIPv4:
		return 4 + 2, true
	case famIPv6:
		return 16 + 2, true
	}
	return 0, false
}

// noEOF turns an EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
