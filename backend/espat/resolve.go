package espat

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/netoffload/offload/backend"
)

// maxHostLen is the longest name AT+CIPDOMAIN takes.
const maxHostLen = 64

// LookupHost resolves host through the modem (AT+CIPDOMAIN), the DNS
// offload of backend.Resolver. A literal IP is returned as is. The modem
// answers with one address; a name it cannot resolve gives an error
// wrapping backend.ErrNotFound.
func (m *Modem) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	if host == "" || len(host) > maxHostLen || !validParam(host) {
		return nil, fmt.Errorf("espat: lookup %q: %w", host, backend.ErrNotFound)
	}
	timeout := m.cfg.ConnectTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	var addr netip.Addr
	err := m.do(ctx, opControl, func(context.Context) error {
		cmd := newCommand("AT+CIPDOMAIN=" + quote(host))
		cmd.timeout = max(timeout, 100*time.Millisecond)
		cmd.errno = backend.ErrNotFound
		if err := m.exec(cmd); err != nil {
			return err
		}
		v, _ := infoValue(cmd.info, "+CIPDOMAIN:")
		a, ok := parseQuotedAddr(strings.TrimSpace(v))
		if !ok {
			return fmt.Errorf("espat: lookup %q: bad answer %q: %w", host, v, backend.ErrNotFound)
		}
		addr = a
		return nil
	}, nil)
	if err != nil {
		return nil, err
	}
	return []netip.Addr{addr}, nil
}
