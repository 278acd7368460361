// Package loopback is an in-memory network for offload: hosts, ports,
// TCP-like streams and UDP-like datagrams, with fault injection. Tests use
// it to run real network code — http.Server, crypto/tls, gRPC — without
// touching the kernel, and to check their retry and timeout logic against
// latency, bandwidth limits, loss, partitions and resets.
//
// A Network is a backend.Backend (the machine "localhost", 127.0.0.1 and
// ::1) and a backend.Resolver for the names in Config.Hosts. Host returns
// the same network as seen from another machine.
//
// Streams: a listener on addr:port (port 0 picks an ephemeral port);
// dialing gets ECONNREFUSED when nothing listens or the backlog is full,
// ENETUNREACH for an address no host has; a second listener on the same
// port gets EADDRINUSE. A connected pair shares its socket buffers — the
// dialer's Out is the acceptor's In — so no goroutine runs per connection
// and each byte is copied twice (into the buffer and out of it).
//
// Datagrams: bound sockets, message boundaries, at most 65,507 bytes; a
// full receive queue drops and counts (PacketConn.Dropped).
//
// Faults: SetLink sets Faults between two hosts (latency, bandwidth,
// datagram loss, blocked); Partition and Heal are shorthands; Reset
// resets one connection; SetConnFaults sets faults on one connection.
// Latency and bandwidth need a pump between the ends, made when the
// connection is dialed across a link with those faults, or always with
// Config.ShapeAll.
//
// Usage:
//
//	n := loopback.New(loopback.Config{
//		Hosts: []loopback.Host{{Name: "db.test", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.10")}}},
//	})
//	defer n.Close()
//	ln, _ := (&offload.ListenConfig{Backend: n.Host("db.test")}).Listen(ctx, "tcp", "192.0.2.10:5432")
//	conn, _ := (&offload.Dialer{Backend: n}).DialContext(ctx, "tcp", "db.test:5432")
package loopback
