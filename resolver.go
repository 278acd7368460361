package offload

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"

	"github.com/netoffload/offload/backend"
)

// Resolver turns host names into addresses for a Dialer or ListenConfig.
// Literal IP addresses, "localhost" and the empty host (the local system,
// as in net.Dial("tcp", ":80")) always work; other names go to the
// static Hosts table, then to the backend's backend.Resolver (DNS through
// the offload engine, as socket_offload_dns_register does). The zero value
// is ready to use.
type Resolver struct {
	// Hosts holds static entries consulted before the backend, like
	// /etc/hosts. Keys are lower-case names. Nil means none.
	Hosts map[string][]netip.Addr
	// Backend is whose Resolver to ask; nil means the backend of the
	// Dialer or ListenConfig using this Resolver.
	Backend backend.Backend
}

// LookupNetIP returns the addresses of host, filtered to the IP version
// network asks for ("ip", "ip4", "ip6", or a tcp/udp network name). A
// name that does not exist gives a *net.DNSError with IsNotFound set.
func (r *Resolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	version := 0
	switch {
	case strings.HasSuffix(network, "4"):
		version = 4
	case strings.HasSuffix(network, "6"):
		version = 6
	}
	return r.lookup(ctx, nil, host, version)
}

func (r *Resolver) lookup(ctx context.Context, b backend.Backend, host string, version int) ([]netip.Addr, error) {
	if r != nil && r.Backend != nil {
		b = r.Backend
	}
	addrs, err := r.lookupAll(ctx, b, host)
	if err != nil {
		return nil, err
	}
	out := addrs[:0:0]
	for _, a := range addrs {
		if familyOK(a, version) {
			out = append(out, a.Unmap())
		}
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no suitable address found", Name: host, IsNotFound: true}
	}
	return out, nil
}

func (r *Resolver) lookupAll(ctx context.Context, b backend.Backend, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "" || name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}, nil
	}
	if r != nil {
		if addrs, ok := r.Hosts[name]; ok {
			return addrs, nil
		}
	}
	res, ok := b.(backend.Resolver)
	if !ok {
		return nil, &net.DNSError{Err: "no such host (backend has no resolver)", Name: host, IsNotFound: true}
	}
	addrs, err := res.LookupHost(ctx, name)
	if err != nil {
		return nil, dnsError(host, err)
	}
	return addrs, nil
}

func dnsError(host string, err error) error {
	var de *net.DNSError
	if errors.As(err, &de) {
		return de
	}
	return &net.DNSError{
		Err:        err.Error(),
		Name:       host,
		IsNotFound: errors.Is(err, backend.ErrNotFound),
		IsTimeout:  errors.Is(err, context.DeadlineExceeded),
		UnwrapErr:  err,
	}
}
