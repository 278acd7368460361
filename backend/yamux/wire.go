package yamux

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
)

// Operation codes of a request header (PROTOCOL.md, "Requests").
const (
	opControl uint8 = 1 // the session's control stream
	opDial    uint8 = 2 // dial on the gateway, then carry the conn
	opListen  uint8 = 3 // listen on the gateway; reverse streams follow
	opResolve uint8 = 4 // resolve a host name with the gateway's resolver
	opAccept  uint8 = 5 // gateway → device: a connection a listener accepted
)

// Network codes of a request header.
const (
	netTCP uint8 = 1 + iota
	netTCP4
	netTCP6
	netUDP
	netUDP4
	netUDP6
	netIP
	netIP4
	netIP6
)

var netNames = [...]string{"", "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "ip", "ip4", "ip6"}

// netCode returns the wire code of a network name, or 0.
func netCode(name string) uint8 {
	for i, n := range netNames {
		if i > 0 && n == name {
			return uint8(i)
		}
	}
	return 0
}

// netName returns the network name of a wire code ("" if unknown).
func netName(code uint8) string {
	if int(code) >= len(netNames) {
		return ""
	}
	return netNames[code]
}

func isStreamNet(code uint8) bool { return code >= netTCP && code <= netTCP6 }
func isPacketNet(code uint8) bool { return code >= netUDP && code <= netUDP6 }
func isIPNet(code uint8) bool     { return code >= netIP && code <= netIP6 }

const (
	lenSize      = 2 // the u16 length prefix of requests and replies
	reqFixedSize = 6 // op, network, arg
	replyFixed   = 4 // status, reserved, u16 body length

	// DefaultMaxHeader is the largest request header (after its length
	// prefix) a gateway accepts when Gateway.MaxHeader is zero.
	DefaultMaxHeader = 1024
	// maxHostLen bounds names and "host:port" strings in requests.
	maxHostLen = 512
	// maxReplyBody bounds reply bodies a client accepts.
	maxReplyBody = 16 << 10
)

// request is a decoded request header.
type request struct {
	op      uint8
	network uint8
	arg     uint32 // DIAL: timeout in ms; LISTEN: backlog; ACCEPT: listener id
	payload []byte // op-specific: a text address, a host name, or two binary addresses
}

// errBadRequest marks a malformed or oversized request header.
var errBadRequest = errors.New("yamux: malformed request header")

// appendRequest encodes r, length prefix included.
func appendRequest(b []byte, r request) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(reqFixedSize+len(r.payload)))
	b = append(b, r.op, r.network)
	b = binary.BigEndian.AppendUint32(b, r.arg)
	return append(b, r.payload...)
}

// readRequest reads one request header of at most max bytes (after the
// prefix) from r. An oversized length fails without reading the body.
func readRequest(r io.Reader, max int) (request, error) {
	var p [lenSize]byte
	if _, err := io.ReadFull(r, p[:]); err != nil {
		return request{}, err
	}
	n := int(binary.BigEndian.Uint16(p[:]))
	if n < reqFixedSize || n > max {
		return request{}, errBadRequest
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return request{}, err
	}
	return decodeRequest(body)
}

// decodeRequest decodes and validates a request body (without prefix).
func decodeRequest(body []byte) (request, error) {
	if len(body) < reqFixedSize {
		return request{}, errBadRequest
	}
	r := request{
		op:      body[0],
		network: body[1],
		arg:     binary.BigEndian.Uint32(body[2:6]),
		payload: body[6:],
	}
	if !validRequest(r) {
		return request{}, errBadRequest
	}
	return r, nil
}

// validRequest checks that op, network and payload fit together.
func validRequest(r request) bool {
	switch r.op {
	case opControl:
		return r.network == 0 && len(r.payload) == 0
	case opDial:
		return (isStreamNet(r.network) || isPacketNet(r.network)) && validHostPort(r.payload)
	case opListen:
		return (isStreamNet(r.network) || isPacketNet(r.network)) && validHostPort(r.payload)
	case opResolve:
		return isIPNet(r.network) && validText(r.payload)
	case opAccept:
		return isStreamNet(r.network) && validAddrPair(r.payload)
	}
	return false
}

// validText accepts 1..maxHostLen printable ASCII bytes (no spaces), so
// names are safe to log and to hand to a resolver.
func validText(p []byte) bool {
	if len(p) == 0 || len(p) > maxHostLen {
		return false
	}
	for _, c := range p {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// validHostPort accepts "host:port" text with a numeric port.
func validHostPort(p []byte) bool {
	if !validText(p) {
		return false
	}
	_, _, err := splitHostPort(string(p))
	return err == nil
}

func validAddrPair(p []byte) bool {
	_, rest, err := decodeAddr(p)
	if err != nil {
		return false
	}
	_, rest, err = decodeAddr(rest)
	return err == nil && len(rest) == 0
}

// reply is a decoded reply header.
type reply struct {
	status uint8
	body   []byte
}

// appendReply encodes a reply with the given status and body.
func appendReply(b []byte, status uint8, body []byte) []byte {
	b = append(b, status, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// readReply reads one reply from r.
func readReply(r io.Reader) (reply, error) {
	var h [replyFixed]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return reply{}, err
	}
	n := int(binary.BigEndian.Uint16(h[2:]))
	if n > maxReplyBody || h[1] != 0 {
		return reply{}, errBadRequest
	}
	rep := reply{status: h[0]}
	if n > 0 {
		rep.body = make([]byte, n)
		if _, err := io.ReadFull(r, rep.body); err != nil {
			return reply{}, err
		}
	}
	return rep, nil
}

// Binary addresses: family (0, 4 or 6), the IP (0, 4 or 16 bytes), and
// for families 4 and 6 a big-endian port.
const (
	famNone uint8 = 0
	famIPv4 uint8 = 4
	famIPv6 uint8 = 6
)

// appendAddr encodes ap; an invalid address encodes as family 0.
func appendAddr(b []byte, ap netip.AddrPort) []byte {
	a := ap.Addr().Unmap()
	switch {
	case a.Is4():
		v := a.As4()
		b = append(append(b, famIPv4), v[:]...)
	case a.Is6():
		v := a.As16()
		b = append(append(b, famIPv6), v[:]...)
	default:
		return append(b, famNone)
	}
	return binary.BigEndian.AppendUint16(b, ap.Port())
}

// decodeAddr decodes one binary address from the front of p.
func decodeAddr(p []byte) (netip.AddrPort, []byte, error) {
	if len(p) < 1 {
		return netip.AddrPort{}, nil, errBadRequest
	}
	var size int
	switch p[0] {
	case famNone:
		return netip.AddrPort{}, p[1:], nil
	case famIPv4:
		size = 4
	case famIPv6:
		size = 16
	default:
		return netip.AddrPort{}, nil, errBadRequest
	}
	if len(p) < 1+size+2 {
		return netip.AddrPort{}, nil, errBadRequest
	}
	a, _ := netip.AddrFromSlice(p[1 : 1+size])
	port := binary.BigEndian.Uint16(p[1+size:])
	return netip.AddrPortFrom(a, port), p[1+size+2:], nil
}

// decodeAddrs decodes a whole body of binary addresses.
func decodeAddrs(p []byte) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for len(p) > 0 {
		ap, rest, err := decodeAddr(p)
		if err != nil {
			return nil, err
		}
		out = append(out, ap)
		p = rest
	}
	return out, nil
}
