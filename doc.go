// Package offload gives programs standard net.Conn, net.Listener and
// net.PacketConn values whose networking is done by an offload backend
// instead of the host kernel: an in-memory loopback network
// (backend/loopback), a gateway reached over one multiplexed link
// (backend/yamux), or an ESP-AT Wi-Fi modem on a UART (backend/espat). It
// is the Go form of Zephyr's network offloading: package backend is
// struct net_offload, and Register is socket_offload_register.
//
// # Usage
//
//	n := loopback.New(loopback.Config{})
//	ln, _ := (&offload.ListenConfig{Backend: n}).Listen(ctx, "tcp", "127.0.0.1:8080")
//	go http.Serve(ln, handler)
//
//	d := &offload.Dialer{Backend: n, Timeout: 5 * time.Second}
//	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
//	resp, _ := client.Get("http://127.0.0.1:8080/")
//
// Register makes a backend the default of the package-level Dial,
// DialContext, Listen and ListenPacket, for code that cannot take a Dialer.
//
// # Socket buffers
//
// Every stream connection owns two bounded socket buffers. Write copies
// into the Out buffer and returns, blocking only while it is full
// (backpressure, bounded memory); Read copies out of the In buffer. The
// backend moves bytes between the buffers and its medium. A nil error from
// Write therefore means the bytes are queued, as with a kernel socket.
// Buffers grow as bytes arrive and shrink when their reader waits: an
// idle connection with a goroutine blocked in Read holds no buffer
// memory.
//
// # Semantics
//
// Errors are *net.OpError values around the standard sentinels — net.ErrClosed,
// os.ErrDeadlineExceeded (Timeout() is true), syscall.ECONNREFUSED,
// ECONNRESET, ENETUNREACH, EADDRINUSE, EMFILE — so errors.Is works as on
// kernel sockets; a peer's orderly close reads as io.EOF. Unknown networks
// wrap net.UnknownNetworkError, malformed addresses *net.AddrError, and
// names that do not exist are *net.DNSError with IsNotFound. Addresses are
// *net.TCPAddr and *net.UDPAddr and never nil. Deadlines and Close wake
// calls already blocked.
package offload
