// Package benchmarks compares offload's backends with their peers in one
// `go test -bench` run: net.Pipe, TCP and Unix sockets on loopback, grpc's
// bufconn, raw yamux, and for ESP-AT the UART line rate. It is a module
// of its own so that the peers never become dependencies of the library.
//
// Run:
//
//	cd benchmarks && go test -run '^$' -bench . -benchmem
package benchmarks
