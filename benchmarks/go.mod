module github.com/netoffload/offload/benchmarks

go 1.26.8

require (
	github.com/hashicorp/yamux v0.1.2
	github.com/netoffload/offload v0.0.0
	go.uber.org/goleak v1.3.0
	google.golang.org/grpc v1.85.0
)

require (
	github.com/creack/pty v1.1.24 // indirect
	github.com/pion/transport/v3 v3.1.1 // indirect
	go.bug.st/serial v1.8.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/term v0.47.0 // indirect
)

replace github.com/netoffload/offload => ../
