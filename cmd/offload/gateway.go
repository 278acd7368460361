package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/netoffload/offload/backend/yamux"
)

type gatewayCmd struct {
	Listen      string        `required:"" placeholder:"ADDR" help:"Address to accept device links on, e.g. :7000 or 127.0.0.1:7000 (port 0 picks one; the address is printed)."`
	PSKFile     string        `name:"psk-file" placeholder:"FILE" help:"File with the pre-shared key, hex or raw, at least 16 bytes (e.g. head -c 32 /dev/urandom | xxd -p -c 64). Default: the hex key in $$OFFLOAD_PSK."`
	Allow       []allowRule   `sep:"none" placeholder:"CIDR[:PORTS]" help:"Let devices dial these destinations; repeatable. Examples: 10.0.0.0/8, 192.168.1.5:22, 0.0.0.0/0:80,443, [2001:db8::/32]:8000-9000, *:443."`
	AllowListen *portRanges   `name:"allow-listen" placeholder:"PORTS" help:"Ports devices may listen on, here: 8080, 8000-9000, 0 for ephemeral ports, * for any."`
	AllowAll    bool          `name:"allow-all" help:"Turn the allow-lists off: devices may dial anything and listen anywhere. Without it, at least one --allow or --allow-listen is required."`
	TLSCert     string        `name:"tls-cert" placeholder:"FILE" help:"Serve links over TLS with this certificate (PEM); needs --tls-key."`
	TLSKey      string        `name:"tls-key" placeholder:"FILE" help:"Private key of --tls-cert (PEM)."`
	ClientCA    string        `name:"client-ca" placeholder:"FILE" help:"Require TLS client certificates signed by these CAs (PEM); needs --tls-cert."`
	NoAuth      bool          `name:"no-auth" help:"Accept links without a pre-shared key; only together with --client-ca."`
	MaxSessions int           `name:"max-sessions" help:"Most device links at once (0: 256)."`
	KeepAlive   time.Duration `name:"keepalive" placeholder:"DUR" help:"Ping a link that has been quiet this long (0: 250ms)."`
	LinkTimeout time.Duration `name:"link-timeout" placeholder:"DUR" help:"Drop a link on which nothing has arrived for this long (0: 850ms); raise it for links with a round trip near 600ms or more."`
	Window      windowSize    `name:"stream-window" placeholder:"SIZE" help:"Receive window of each stream the devices send on, e.g. 512KiB or 4MiB (default 1MiB, at least 256KiB). A stream moves at most a window per round trip: long links want a large one; on short ones a small one is faster."`
}

// Help is the detailed help of offload gateway --help.
func (g *gatewayCmd) Help() string {
	return `Devices connect one link each (TCP, or TLS with --tls-cert) and
authenticate with the pre-shared key by challenge-response; the key never
crosses the link. Their dials, listens and name lookups are then carried
out here, within the allow-lists: everything else is refused with EACCES
on the device and logged here. Logs go to stderr; the listening address
is printed on stdout. Ctrl-C (SIGINT or SIGTERM) stops it.

Examples:
  head -c 32 /dev/urandom | xxd -p -c 64 > psk && chmod 600 psk
  offload gateway --listen :7000 --psk-file psk --allow 10.0.0.0/8:80,443 --allow-listen 8080
  offload gateway --listen :7443 --psk-file psk --allow '*:443' \
      --tls-cert gw.pem --tls-key gw-key.pem
  # on the device side (or here, to try it):
  offload nc --via 'yamux://gateway.example:7000?psk-file=psk' 10.1.2.3 80`
}

// allowRule is a yamux.Rule read from the command line.
type allowRule struct{ yamux.Rule }

func (r *allowRule) UnmarshalText(b []byte) (err error) {
	r.Rule, err = yamux.ParseAllowRule(string(b))
	return err
}

// portRanges is a yamux.PortRanges read from the command line.
type portRanges struct{ yamux.PortRanges }

func (p *portRanges) UnmarshalText(b []byte) (err error) {
	p.PortRanges, err = yamux.ParsePortRanges(string(b))
	return err
}

// Run serves links until ctx is done.
func (g *gatewayCmd) Run(ctx context.Context, e *env) error {
	gw, err := g.gateway(e)
	if err != nil {
		return err
	}
	ln, err := g.listen(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.out, ln.Addr())
	gw.Logger.Info("gateway listening", "addr", ln.Addr().String(), "tls", g.TLSCert != "",
		"allow", g.describeAllow(), "allow-listen", g.describeListen())
	stop := context.AfterFunc(ctx, func() { gw.Close() })
	defer stop()
	err = gw.Serve(ln)
	if errors.Is(err, yamux.ErrGatewayClosed) && ctx.Err() != nil {
		return nil
	}
	return err
}

// gateway checks the flags and builds the Gateway.
func (g *gatewayCmd) gateway(e *env) (*yamux.Gateway, error) {
	if len(g.Allow) == 0 && g.AllowListen == nil && !g.AllowAll {
		return nil, usagef("gateway: no allow rule: give --allow CIDR[:PORTS] (or --allow-listen PORTS), or --allow-all to run an open proxy on purpose")
	}
	if err := g.checkTLSFlags(); err != nil {
		return nil, err
	}
	gw := &yamux.Gateway{AllowAll: g.AllowAll, NoAuth: g.NoAuth, MaxSessions: g.MaxSessions,
		MuxConfig: yamux.MuxConfig{KeepAlive: g.KeepAlive, LinkTimeout: g.LinkTimeout, StreamWindow: uint32(g.Window)}}
	for _, r := range g.Allow {
		gw.Allow = append(gw.Allow, r.Rule)
	}
	if g.AllowListen != nil {
		gw.AllowListen = g.AllowListen.PortRanges
	}
	level := slog.LevelInfo
	if e.verbose {
		level = slog.LevelDebug
	}
	gw.Logger = slog.New(slog.NewTextHandler(e.err, &slog.HandlerOptions{Level: level}))
	psk, err := g.psk()
	if err != nil {
		return nil, err
	}
	gw.PSK = psk
	return gw, nil
}

// checkTLSFlags refuses flag combinations that make no sense.
func (g *gatewayCmd) checkTLSFlags() error {
	switch {
	case (g.TLSCert == "") != (g.TLSKey == ""):
		return usagef("gateway: --tls-cert and --tls-key go together")
	case g.ClientCA != "" && g.TLSCert == "":
		return usagef("gateway: --client-ca needs --tls-cert and --tls-key")
	case g.NoAuth && g.ClientCA == "":
		return usagef("gateway: --no-auth is only allowed with --client-ca (links must authenticate somehow)")
	case g.NoAuth && g.PSKFile != "":
		return usagef("gateway: --no-auth and --psk-file contradict each other")
	}
	return nil
}

// psk loads the key from --psk-file or $OFFLOAD_PSK; nil with --no-auth.
func (g *gatewayCmd) psk() ([]byte, error) {
	if g.NoAuth {
		return nil, nil
	}
	src := &via{scheme: "yamux", query: map[string][]string{}}
	if g.PSKFile != "" {
		src.query.Set("psk-file", g.PSKFile)
	}
	raw, err := src.secret(envPSK)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, usagef("gateway: no pre-shared key: give --psk-file FILE or set %s", envPSK)
	}
	psk, err := yamux.ParsePSK(raw)
	if err != nil {
		return nil, fmt.Errorf("gateway key: %w", err)
	}
	return psk, nil
}

// listen opens the link listener, with TLS when asked.
func (g *gatewayCmd) listen(ctx context.Context) (net.Listener, error) {
	var tcfg *tls.Config
	if g.TLSCert != "" {
		var err error
		if tcfg, err = serverTLS(g.TLSCert, g.TLSKey, g.ClientCA); err != nil {
			return nil, err
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", g.Listen)
	if err != nil {
		return nil, err
	}
	if tcfg != nil {
		ln = tls.NewListener(ln, tcfg)
	}
	return ln, nil
}

func (g *gatewayCmd) describeAllow() string {
	if g.AllowAll {
		return "*"
	}
	var s []string
	for _, r := range g.Allow {
		s = append(s, r.String())
	}
	return strings.Join(s, " ")
}

func (g *gatewayCmd) describeListen() string {
	if g.AllowAll {
		return "*"
	}
	if g.AllowListen == nil {
		return "none"
	}
	return g.AllowListen.String()
}
