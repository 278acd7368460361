// Package backend is the offload contract: what a network offload engine
// implements so that package offload can give applications standard
// net.Conn, net.Listener and net.PacketConn values on top of it. It is the
// Go form of Zephyr's struct net_offload and socket_offload_register.
//
//	Zephyr                          backend
//	net_offload_get(family, type)   Backend.Open(ctx, network, opts) → Socket
//	net_offload_bind                Socket.Bind(netip.AddrPort)
//	net_offload_listen(backlog)     Socket.Listen(backlog)
//	net_offload_connect(cb, tmo)    Socket.Connect(ctx, raddr)   (ctx = timeout / K_FOREVER)
//	net_offload_accept(cb, tmo)     Socket.Accept(ctx) → Socket
//	net_offload_send / recv(cb)     Socket.Stream(): Out drained and In filled by the backend
//	net_offload_sendto              Socket.SendTo(p, addr); arrivals → Socket.Packets()
//	net_offload_put                 Socket.Close()
//	socket_offload_register         offload.Register(b)
//	socket_offload_dns_register     optional Resolver on the Backend
//
// # Socket buffers
//
// A connected stream socket owns a Stream: two bounded Buffers. The
// application writes into Out and reads from In; the backend drains Out
// toward its medium and fills In from it, using the lend/commit calls
// (Buffer.Peek/Discard, Buffer.Reserve/Commit) or Buffer.WriteTo and
// Buffer.ReadFrom, which move bytes between the medium and the buffer
// memory with no intermediate copy. A backend that sends each span as
// one frame may call Buffer.SetBlockLimit with its frame size before the
// socket is used, so that Peek's spans fill whole frames (the yamux
// client does). A Buffer hands its last block back when its consumer
// waits on it empty (in Read, Peek or WriteTo), so idle sockets hold little
// memory; a Buffer whose producer has used Reserve or TryReserve keeps its
// block, since a lent span may still be in use, and so does one whose
// producer is inside ReadFrom, which reads its source straight into the
// block (wait for the medium outside ReadFrom, as the yamux client does,
// to let it go). A consumer that only uses TryPeek and waits elsewhere
// calls Buffer.Shrink when it finds the Buffer empty, as the ESP-AT
// driver does. Buffer.Held reports the block memory a Buffer holds. A
// backend may also give two sockets the same Buffer (one's Out is the
// other's In), as the loopback backend does.
//
// Events reach the backend through the buffers:
//
//   - The application's CloseWrite closes Out for writing: the backend
//     drains Out, sees io.EOF from Peek/WriteTo, and sends its FIN. A
//     backend without half-close implements HalfCloser and refuses.
//   - The application's Close first closes Out for writing (so the backend
//     may still flush it) and In for reading, then calls Socket.Close.
//   - The backend ends the received stream in order with In.CloseWrite(nil)
//     (the application drains, then reads io.EOF), or aborts it with
//     In.Abort(err) and Out.Abort(err), e.g. syscall.ECONNRESET. A send
//     that fails must abort the stream: a stream never has a hole.
//
// Datagram sockets keep message boundaries: SendTo hands one datagram to
// the backend; the backend puts arrivals into the socket's PacketQueue,
// which drops (and counts) when full.
//
// # Errors
//
// Return standard sentinels so the socket layer can wrap them in
// *net.OpError and errors.Is works as on kernel sockets:
// syscall.ECONNREFUSED, ECONNRESET, ENETUNREACH, EADDRINUSE, EMFILE,
// EACCES, ETIMEDOUT; net.ErrClosed after Close; os.ErrDeadlineExceeded or
// the context's error when a ctx ends; errors.ErrUnsupported for
// operations the engine lacks.
//
// # Concurrency
//
// The socket layer calls a Socket's methods from any goroutine; Close may
// race with every other method and must unblock Connect and Accept.
// A backend's reader goroutine must never hold a lock while calling a
// Buffer method that blocks on the application (Write, Reserve): use
// TryReserve, or block without locks held.
package backend
