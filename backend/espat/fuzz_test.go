package espat

import (
	"net/netip"
	"testing"

	"github.com/netoffload/offload/backend"
)

// FuzzFramer checks that any byte stream from the modem is parsed without
// panicking, and that how the bytes are split into reads does not change
// the result.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{
		"\r\nOK\r\n",
		"+CIPRECVDATA:3,\"1.2.3.4\",80,abc\r\nOK\r\n",
		"\r\n+CIPRECVDATA,2:ab\r\nOK\r\n",
		"\r\n+IPD,0,4:ab\r\n\r\n+IPD,1,20\r\n",
		"\r\nOK\r\n\r\n>\r\nRecv 5 bytes\r\n\r\nSEND OK\r\n",
		"+LINK_CONN:0,1,\"TCP\",1,\"10.0.0.2\",5000,80\r\n1,CLOSED\r\n",
		"ERR CODE:0x01090000\r\n\r\nERROR\r\nbusy p...\r\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, dinfo bool) {
		whole := frameBytes(data, dinfo, len(data))
		if split := frameBytes(data, dinfo, 3); split != whole {
			t.Fatalf("split reads changed the result:\nwhole %s\nsplit %s", whole, split)
		}
		feedModem(data, dinfo)
	})
}

// frameBytes frames data fed in reads of at most chunk bytes.
func frameBytes(data []byte, dinfo bool, chunk int) string {
	r := &recorder{dinfo: dinfo}
	f := newFramer(r)
	for len(data) > 0 {
		n := min(max(chunk, 1), len(data))
		f.feed(data[:n])
		data = data[n:]
	}
	return r.out.String()
}

// feedModem runs data through the Modem's own dispatch (no goroutines,
// no port) with links of every kind registered and a CIPRECVDATA and a
// CIPSEND in flight in turn.
func feedModem(data []byte, dinfo bool) {
	m := &Modem{cfg: Config{}.withDefaults(), done: make(chan struct{}), kick: make(chan struct{}, 1)}
	m.dinfo = dinfo
	opts := backend.Options{InSize: 4096, OutSize: 4096, PacketQueue: 4}
	tcp := m.newStreamLink(0, backend.NewStream(opts))
	tcp.state = linkOpen
	udp := newPacketLink(1, backend.NewPacketQueue(4), netip.MustParseAddrPort("10.0.0.1:53"))
	udp.state = linkOpen
	m.links[0], m.links[1] = tcp, udp
	m.links[2] = &link{id: 2, state: linkConnecting, st: backend.NewStream(opts)}
	srv := newSocket(m, false, opts)
	srv.acceptQ, srv.lstop, srv.listening = make(chan *socket, 2), make(chan struct{}), true
	m.listener = srv
	recv := newCommand("AT+CIPRECVDATA=0,4096")
	recv.recv, recv.recvLen = tcp, 4096
	recv.prepare()
	m.cur = recv
	f := newFramer(modemHandler{m})
	half := len(data) / 2
	f.feed(data[:half])
	send := newCommand("AT+CIPSEND=0,5")
	send.payload = []byte("hello")
	send.prepare()
	m.mu.Lock()
	m.cur = send
	m.mu.Unlock()
	f.feed(data[half:])
}
