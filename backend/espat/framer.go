package espat

import (
	"bytes"
	"net/netip"
)

// maxLine is the longest line the framer keeps; longer ones (garbage) are
// dropped up to the next LF.
const maxLine = 1024

// maxPayload bounds the length a +IPD or +CIPRECVDATA header may announce;
// a larger value is garbage and resynchronises at the next line.
const maxPayload = 1 << 20

// frameHandler receives what the framer finds in the modem's byte stream.
// Slices passed to it are only valid during the call.
type frameHandler interface {
	// line gets a complete line, trimmed of CR, spaces and LF, never empty.
	line(l []byte)
	// prompt gets the '>' that asks for a CIPSEND payload.
	prompt()
	// ipd begins an active-mode +IPD record; its payload follows.
	ipd(h dataHeader) sink
	// recvData begins a +CIPRECVDATA payload.
	recvData(h dataHeader) sink
	// recvDataDinfo reports whether a v2 "+CIPRECVDATA:" header carries the
	// source address ("ip",port) before the payload.
	recvDataDinfo() bool
}

// dataHeader is a parsed +IPD or +CIPRECVDATA header: n payload bytes for
// link id (-1 when the header has none), from the source address when the
// header carries one.
type dataHeader struct {
	id   int
	n    int
	from netip.AddrPort
}

// sink takes the payload of one record.
type sink interface {
	write(p []byte)
	end()
}

// directSink is a sink that can lend memory for the payload to be read
// into straight from the UART.
type directSink interface {
	sink
	span(max int) []byte
	commit(n int)
}

// framer splits the byte stream from the modem into lines, send prompts
// and length-prefixed payloads. It never fails: bytes that make no sense
// are dropped and parsing resumes at the next line.
type framer struct {
	h    frameHandler
	line []byte
	skip bool // dropping the rest of an overlong line
	pay  int  // payload bytes still due
	sink sink
}

func newFramer(h frameHandler) *framer {
	return &framer{h: h, line: make([]byte, 0, 128)}
}

// feed consumes p.
func (f *framer) feed(p []byte) {
	for len(p) > 0 {
		if f.pay > 0 {
			p = f.feedPayload(p)
			continue
		}
		p = f.feedLine(p)
	}
}

// feedPayload hands payload bytes to the current sink.
func (f *framer) feedPayload(p []byte) []byte {
	n := min(len(p), f.pay)
	f.sink.write(p[:n])
	f.advance(n)
	return p[n:]
}

// advance records n payload bytes as delivered.
func (f *framer) advance(n int) {
	f.pay -= n
	if f.pay == 0 {
		s := f.sink
		f.sink = nil
		s.end()
	}
}

// payloadSpan returns memory to read the next payload bytes into directly,
// or nil when no payload is due or the sink cannot lend.
func (f *framer) payloadSpan() []byte {
	if f.pay == 0 {
		return nil
	}
	if d, ok := f.sink.(directSink); ok {
		return d.span(f.pay)
	}
	return nil
}

// payloadCommit records n bytes read into the span of payloadSpan.
func (f *framer) payloadCommit(n int) {
	if n <= 0 {
		return
	}
	f.sink.(directSink).commit(n)
	f.advance(n)
}

// feedLine accumulates line bytes until a line, prompt or header ends, and
// returns the bytes it did not consume.
func (f *framer) feedLine(p []byte) []byte {
	for i, b := range p {
		if f.skip {
			f.skip = b != '\n'
			continue
		}
		if b == '\n' {
			f.endLine()
			continue
		}
		f.line = append(f.line, b)
		switch {
		case len(f.line) > maxLine:
			f.line, f.skip = f.line[:0], true
		case b == '>' && len(f.line) == 1:
			f.line = f.line[:0]
			f.h.prompt()
		case (b == ':' || b == ',') && f.line[0] == '+':
			if f.header() {
				return p[i+1:]
			}
		}
	}
	return nil
}

// endLine dispatches the accumulated line.
func (f *framer) endLine() {
	l := trimLine(f.line)
	f.line = f.line[:0]
	if len(l) > 0 {
		f.h.line(l)
	}
}

// header checks whether the line so far is a complete +IPD or
// +CIPRECVDATA header; if so it starts the payload and reports true.
func (f *framer) header() bool {
	l := f.line
	last := l[len(l)-1]
	switch {
	case last == ':' && bytes.HasPrefix(l, []byte("+IPD,")):
		return f.ipdHeader(l[len("+IPD,") : len(l)-1])
	case last == ',' && bytes.HasPrefix(l, []byte("+CIPRECVDATA:")):
		return f.recvV2Header(l[len("+CIPRECVDATA:") : len(l)-1])
	case last == ':' && bytes.HasPrefix(l, []byte("+CIPRECVDATA,")):
		return f.recv17Header(l[len("+CIPRECVDATA,") : len(l)-1])
	}
	return false
}

// ipdHeader handles <id>,<len>[,ip,port] or <len>[,ip,port] before ':'.
func (f *framer) ipdHeader(c []byte) bool {
	return f.colonHeader(c, true, f.h.ipd)
}

// recvV2Header handles "+CIPRECVDATA:<n>," and, with CIPDINFO,
// "+CIPRECVDATA:<n>,"ip",port,".
func (f *framer) recvV2Header(c []byte) bool {
	if quoteOpen(c) {
		return false
	}
	fields := splitFields(c)
	want := 1
	if f.h.recvDataDinfo() {
		want = 3
	}
	if len(fields) < want {
		return false
	}
	h, ok := parseDataFields(fields, false)
	if !ok || len(fields) > want {
		f.garbage()
		return false
	}
	f.start(h, f.h.recvData(h))
	return true
}

// recv17Header handles AT 1.7's "+CIPRECVDATA,<n>[,ip,port]:".
func (f *framer) recv17Header(c []byte) bool {
	return f.colonHeader(c, false, f.h.recvData)
}

// colonHeader parses a header that ends at a ':' outside quotes and
// starts its payload with begin.
func (f *framer) colonHeader(c []byte, withID bool, begin func(dataHeader) sink) bool {
	if quoteOpen(c) {
		return false // a ':' inside a quoted IPv6 address
	}
	h, ok := parseDataFields(splitFields(c), withID)
	if !ok {
		f.garbage()
		return false
	}
	f.start(h, begin(h))
	return true
}

// parseDataFields parses [id,]len[,ip,port]; withID says an id may lead.
func parseDataFields(f [][]byte, withID bool) (dataHeader, bool) {
	h := dataHeader{id: -1}
	if withID && (len(f) == 2 || len(f) == 4) {
		id, ok := atoi(f[0])
		if !ok || id >= maxLinks {
			return h, false
		}
		h.id, f = id, f[1:]
	}
	if len(f) != 1 && len(f) != 3 {
		return h, false
	}
	n, ok := atoi(f[0])
	if !ok || n > maxPayload {
		return h, false
	}
	h.n = n
	if len(f) == 3 {
		if h.from, ok = parseAddrPort(f[1], f[2]); !ok {
			return h, false
		}
	}
	return h, true
}

// start begins a payload of h.n bytes for s.
func (f *framer) start(h dataHeader, s sink) {
	f.line = f.line[:0]
	if s == nil {
		s = discard{}
	}
	f.sink, f.pay = s, h.n
	if h.n == 0 {
		f.sink = nil
		s.end()
	}
}

// garbage drops the current line up to the next LF.
func (f *framer) garbage() {
	f.line, f.skip = f.line[:0], true
}

// quoteOpen reports whether s has an unbalanced double quote.
func quoteOpen(s []byte) bool {
	return bytes.Count(s, []byte(`"`))%2 == 1
}

// discard is a sink that drops payload.
type discard struct{}

func (discard) write([]byte) {}
func (discard) end()         {}
