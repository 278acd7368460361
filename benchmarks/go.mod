module github.com/netoffload/offload/benchmarks

go 1.26.8

require (
	github.com/hashicorp/yamux v0.1.2
	github.com/netoffload/offload v0.0.0
	google.golang.org/grpc v1.85.0
)

require github.com/pion/transport/v3 v3.1.1 // indirect

replace github.com/netoffload/offload => ../
