// Command offload is the command-line face of the offload library: a demo
// of every backend, a yamux gateway, an ESP-AT modem emulator, and netcat,
// HTTP GET and a benchmark that go through any backend.
//
// Usage:
//
//	offload demo                                   # every backend in one process, a table
//	offload gateway --listen :7000 --psk-file psk --allow 10.0.0.0/8:80,443
//	offload espat-sim --pty                        # or --tcp 127.0.0.1:3333
//	offload nc --via URI HOST PORT                 # -l to listen
//	offload get --via URI [-o FILE] URL
//	offload bench [--duration 250ms] [--out offload-bench.svg]
//
// Backends are named by URIs: loopback:, yamux://HOST:PORT?psk-file=F
// (yamux+tls:// over TLS), espat:///dev/ttyUSB0?baud=115200&ssid=NET&psk-file=F
// and espat+tcp://HOST:PORT for a modem behind a serial-over-TCP bridge.
// Secrets come from files or environment variables, never from the
// command line. Run offload --help, or offload COMMAND --help, for every
// flag.
//
// Exit codes: 0 success, 1 the command failed (the reason on stderr),
// 2 bad usage (a bad flag, argument or URI).
//
// Every command runs through run, which takes its arguments, standard
// streams and a context, so the tests run commands in-process.
package main
