// Package yamux is the offload backend for devices that reach the
// network through a gateway: one multiplexed link (TCP, TLS, a serial
// line — any io.ReadWriteCloser) to a host that dials, listens and
// resolves on the device's behalf. It holds both sides of the protocol,
// as hashicorp/yamux holds Client and Server: Client gives the device a
// backend.Backend (and backend.Resolver); Gateway serves links.
//
// Each socket is one yamux stream that starts with a request header
// (dial, listen, resolve); the gateway answers with a status that maps to
// the errno a kernel socket would give (ECONNREFUSED, ENETUNREACH,
// ETIMEDOUT, EACCES, …). A connected stream socket then has two pumps:
// one drains the socket's Out buffer into the stream, one fills its In
// buffer from the stream, both straight between the ring's memory and
// yamux. Small application writes pile up in Out while a frame is in
// flight, so they leave in large frames. Listening is done in reverse: the
// gateway listens on its network and opens a stream toward the device
// for every connection it accepts, so an http.Server on the device serves
// requests that arrive at the gateway. Datagram sockets carry framed
// datagrams with their addresses. PROTOCOL.md in this directory is the
// wire specification.
//
// # Semantics
//
//   - Half-close works end to end: CloseWrite on the device's conn makes
//     the far peer read EOF while the device keeps reading, and the
//     reverse. Close flushes what was written, then sends FIN (see
//     Closing); data that arrives for a closed conn resets it, as TCP
//     does.
//   - A link that dies (closed, or silent past keepalives: nothing
//     received for 850 ms with the defaults) fails every conn, listener,
//     packet socket and waiting call with ECONNRESET. With Config.Redial
//     the client reconnects with backoff; new requests wait for the new
//     link up to their context, old sockets stay failed. Without it, Backend.Done is closed and
//     requests fail with ENETDOWN.
//   - Data frames are sized to the link's speed, about 50 ms of the link
//     each (at least 1 KiB), so slow links such as serial lines keep
//     their pings and other streams' frames moving. On TCP links (plain
//     or TLS; on Linux and macOS) the socket holds about 16 KiB unsent at
//     most, so behind a slow hop frames wait in yamux's queue, in turn,
//     not in the kernel's behind a whole upload.
//   - A request that gets no reply within its context or
//     Config.OpenTimeout fails alone (ETIMEDOUT or the context's error);
//     the session lives on.
//   - Bind on a stream socket only records the address for Listen; the
//     gateway picks the source address of its dials. LocalAddr and
//     RemoteAddr are addresses on the gateway's network.
//
// # Closing
//
// Conn.Close lingers, as close(2) on a kernel socket does: it returns at
// once, and the send pump goes on writing what the conn's send buffer
// still holds to the link, then sends FIN; the far peer reads every
// byte, then EOF. Only a reset cuts this short: bytes from the far peer
// that reach the closed conn (answered with a reset, as TCP answers them
// with RST), a reset from the far end, or the end of the link.
//
// Unlike a kernel, though, the backend lives in the program: those bytes
// are lost if the program exits or calls Backend.Close, which closes the
// link at once, before they have reached the gateway. Backend.Shutdown
// is the graceful way, like http.Server.Shutdown: it refuses new dials,
// listens and lookups (net.ErrClosed), waits until every closed conn's
// bytes and FIN have reached the gateway's own connection — the gateway
// confirms each one (PROTOCOL.md, FINACK) — and until conns still open
// have drained their send buffers to the link, then closes as Close
// does (conns still open are reset). Its context bounds the wait; when
// it ends first, Shutdown closes anyway and returns the context's error.
//
//	defer func() {
//		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//		defer cancel()
//		b.Shutdown(ctx)
//	}()
//
// A gateway that loses a link after it has passed a conn's FIN on closes
// that conn's connection gracefully instead of resetting it, so its peer
// still reads the last bytes, then EOF.
//
// # Security
//
// The gateway must not be an open proxy. Links authenticate with a
// pre-shared key by challenge–response (HMAC-SHA256 over nonces from
// both sides; the key never crosses the link), over plain or TLS links,
// and TLS client certificates can be required on top through the
// listener's tls.Config. A link that has not authenticated within
// HandshakeTimeout is closed. Dial destinations must match an allow rule
// (CIDR and port ranges, see ParseAllowRule) and listen ports the listen
// allow-list; everything else is refused with EACCES on the device and a
// log line on the gateway. A Gateway without any rule (and without
// AllowAll) or without a key (and without NoAuth) refuses to start.
// Streams and listeners per session, sessions per gateway and request
// header sizes are bounded.
//
// # Usage
//
// On the gateway host:
//
//	psk, err := yamux.LoadPSK("/etc/offload/psk")
//	rule, err := yamux.ParseAllowRule("10.0.0.0/8:80,443")
//	listenPorts, err := yamux.ParsePortRanges("8080")
//	g := &yamux.Gateway{PSK: psk, Allow: []yamux.Rule{rule}, AllowListen: listenPorts}
//	ln, err := net.Listen("tcp", ":7000") // or tls.Listen
//	err = g.Serve(ln)
//
// On the device:
//
//	link, err := net.Dial("tcp", "gateway.example:7000") // or a serial port
//	b, err := yamux.Client(link, &yamux.Config{PSK: psk})
//	defer b.Shutdown(ctx) // or Close, which drops bytes still on their way
//	offload.Register(b)
//	c, err := offload.Dial("tcp", "10.1.2.3:80")    // dialed by the gateway
//	ln, err := offload.Listen("tcp", ":8080")        // listened on the gateway
//	http.Serve(ln, handler)
//
// The gateway's own networking is the host's by default; set Gateway.Dial,
// Listen, ListenPacket and Resolve to use anything else, such as another
// offload backend's Dialer to chain gateways.
package yamux
