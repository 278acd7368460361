package yamux

import (
	"context"
	"net/netip"

	"github.com/netoffload/offload/backend"
)

// LookupHost resolves host with the gateway's resolver
// (socket_offload_dns_register). A name that does not exist gives an
// error satisfying errors.Is(err, backend.ErrNotFound).
func (b *Backend) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	if !validText([]byte(host)) {
		return nil, backend.ErrNotFound
	}
	sess, err := b.session(ctx)
	if err != nil {
		return nil, err
	}
	_, rep, err := sess.call(ctx, request{op: opResolve, network: netIP, payload: []byte(host)}, nil, nil, false)
	if err != nil {
		return nil, err
	}
	aps, err := decodeAddrs(rep.body)
	if err != nil {
		return nil, err
	}
	addrs := make([]netip.Addr, 0, len(aps))
	for _, ap := range aps {
		addrs = append(addrs, ap.Addr())
	}
	if len(addrs) == 0 {
		return nil, backend.ErrNotFound
	}
	return addrs, nil
}
