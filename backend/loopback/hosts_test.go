package loopback_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

func TestNamedHosts(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	db, app := n.Host("db.test"), n.Host("app.test")
	if db == nil || app == nil {
		t.Fatal("Host returned nil for a configured name")
	}
	ln := listen(t, db, "db.test:5432")
	if got := addrPort(t, ln.Addr()); got != netip.AddrPortFrom(addrDB, 5432) {
		t.Fatalf("listener Addr = %v, want 192.0.2.10:5432", got)
	}
	c, s := pair(t, app, ln, "db.test:5432")
	if got := addrPort(t, c.RemoteAddr()); got != netip.AddrPortFrom(addrDB, 5432) {
		t.Fatalf("client RemoteAddr = %v", got)
	}
	local := addrPort(t, c.LocalAddr())
	if local.Addr() != addrApp || local.Port() == 0 {
		t.Fatalf("client LocalAddr = %v, want 192.0.2.20 and an ephemeral port", local)
	}
	if got := addrPort(t, s.RemoteAddr()); got != local {
		t.Fatalf("server RemoteAddr = %v, want the client's %v", got, local)
	}
	if got := addrPort(t, s.LocalAddr()); got != netip.AddrPortFrom(addrDB, 5432) {
		t.Fatalf("server LocalAddr = %v", got)
	}
	transfer(t, c, s, []byte("SELECT 1"))
}

func TestNamesAreCaseInsensitive(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	if n.Host("DB.Test") == nil {
		t.Fatal("Host is case-sensitive")
	}
	addrs, err := n.LookupHost(context.Background(), "DB.TEST.")
	if err != nil || len(addrs) != 1 || addrs[0] != addrDB {
		t.Fatalf("LookupHost(DB.TEST.) = %v, %v", addrs, err)
	}
}

// TestDialFromLocalhostToNamedHost: the default machine reaches named
// hosts too, from its IPv4 address.
func TestDialFromLocalhostToNamedHost(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	ln := listen(t, n.Host("db.test"), "0.0.0.0:5432")
	c, s := pair(t, n, ln, "db.test:5432")
	if got := addrPort(t, c.LocalAddr()).Addr(); !got.Is4() {
		t.Fatalf("client LocalAddr %v, want an IPv4 address of localhost", got)
	}
	transfer(t, s, c, []byte("hello"))
}

func TestUnknownNames(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	if n.Host("nowhere.test") != nil {
		t.Fatal("Host(unknown) is not nil")
	}
	_, err := (&offload.Dialer{Backend: n}).Dial("tcp", "nowhere.test:80")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Fatalf("Dial(unknown name): %v; want a *net.DNSError with IsNotFound", err)
	}
}

// TestListenOnOthersAddress: a machine cannot bind another's address.
func TestListenOnOthersAddress(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	_, err := (&offload.ListenConfig{Backend: n.Host("app.test")}).Listen(context.Background(), "tcp", "192.0.2.10:80")
	isOpErr(t, err, syscall.EADDRNOTAVAIL)
}
