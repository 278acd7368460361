//go:build !linux && !darwin

package yamux

import "net"

func setUnsentLimit(*net.TCPConn, int) {}
