package yamux

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// Defaults of MuxConfig and Config fields left zero.
const (
	DefaultStreamWindow     = 1 << 20
	DefaultKeepAlive        = 250 * time.Millisecond
	DefaultLinkTimeout      = 850 * time.Millisecond
	DefaultWriteTimeout     = 10 * time.Second
	DefaultAcceptBacklog    = 256
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultOpenTimeout      = 30 * time.Second
	DefaultRedialMin        = 50 * time.Millisecond
	DefaultRedialMax        = 5 * time.Second
)

// MinStreamWindow is the smallest stream window: yamux's own, which a
// smaller MuxConfig.StreamWindow is raised to.
const MinStreamWindow = 256 << 10

// MuxConfig holds the link settings both ends share. The zero value is
// ready to use; both ends should agree on AcceptBacklog.
type MuxConfig struct {
	// StreamWindow is each stream's receive window: how many bytes the
	// peer may send ahead of the reader. Zero means DefaultStreamWindow
	// (1 MiB); values below yamux's 256 KiB minimum are raised to it. A
	// stream's throughput is at most a window per round trip, so long
	// links want a large one; on a link with a short round trip a large
	// window only keeps more bytes waiting (in yamux's receive buffer, out
	// of cache), and a smaller one is faster (README, Benchmarks).
	StreamWindow uint32

	// KeepAlive is how long the link may be quiet before a keepalive
	// ping goes out: nothing received from the peer (the ping asks for an
	// answer), or nothing sent to it (the ping lets the peer hear this
	// end; while the peer is heard such pings go out every KeepAlive or
	// so, answered or not). Zero means DefaultKeepAlive (250 ms);
	// negative disables pings (a silent link is then only noticed when a
	// frame write times out).
	KeepAlive time.Duration

	// LinkTimeout is how long the link may be quiet before it is declared
	// dead and every stream on it fails: the time to notice a silent link
	// (850 ms with the defaults). Any frame from the peer counts, so data
	// keeps a busy link alive whatever the pings do; an idle link's ping
	// (sent after KeepAlive) must be answered within LinkTimeout −
	// KeepAlive (600 ms with the defaults). Raise it for links with a
	// longer round trip, or that may carry nothing for longer while busy
	// (a slow serial link sending one large frame). Zero means
	// DefaultLinkTimeout; values below twice KeepAlive are raised to it.
	LinkTimeout time.Duration

	// WriteTimeout bounds how long one frame may wait to be written to
	// the link (yamux's ConnectionWriteTimeout); a write that takes longer
	// fails its stream. Frames are sized to about 50 ms of the link each,
	// so only a long queue of them (many busy streams on a slow link) or
	// a stalled link reaches it. Zero means DefaultWriteTimeout (10 s).
	WriteTimeout time.Duration

	// AcceptBacklog is yamux's limit of streams opened and not yet
	// accepted. Zero means DefaultAcceptBacklog.
	AcceptBacklog int

	// HandshakeTimeout bounds the link handshake (authentication
	// included); a link that has not completed it in time is closed.
	// Zero means DefaultHandshakeTimeout (10 s).
	HandshakeTimeout time.Duration
}

func (m MuxConfig) withDefaults() MuxConfig {
	if m.StreamWindow == 0 {
		m.StreamWindow = DefaultStreamWindow
	}
	m.StreamWindow = max(m.StreamWindow, MinStreamWindow)
	if m.KeepAlive == 0 {
		m.KeepAlive = DefaultKeepAlive
	}
	if m.LinkTimeout <= 0 {
		m.LinkTimeout = DefaultLinkTimeout
	}
	if m.KeepAlive > 0 {
		m.LinkTimeout = max(m.LinkTimeout, 2*m.KeepAlive)
	}
	if m.WriteTimeout <= 0 {
		m.WriteTimeout = DefaultWriteTimeout
	}
	if m.AcceptBacklog <= 0 {
		m.AcceptBacklog = DefaultAcceptBacklog
	}
	if m.HandshakeTimeout <= 0 {
		m.HandshakeTimeout = DefaultHandshakeTimeout
	}
	return m
}

// yamuxConfig builds hashicorp's config. Keepalives are this package's
// own (see keepalive), and yamux's stream-open and stream-close timeouts
// are off: they close the whole session, while the request layer bounds
// each open on its own (Config.OpenTimeout).
func (m MuxConfig) yamuxConfig(log *slog.Logger) *hyamux.Config {
	return &hyamux.Config{
		AcceptBacklog:          m.AcceptBacklog,
		EnableKeepAlive:        false,
		KeepAliveInterval:      time.Hour, // unused, but yamux wants it set
		ConnectionWriteTimeout: m.WriteTimeout,
		MaxStreamWindowSize:    m.StreamWindow,
		Logger:                 yamuxLogger{log},
	}
}

// startKeepalive runs keepalive for mux over link, which end closes,
// unless pings are disabled.
func (m MuxConfig) startKeepalive(mux *hyamux.Session, link *frameLink, end func(), wg *sync.WaitGroup, log *slog.Logger) {
	if m.KeepAlive <= 0 {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		keepalive(mux, link, end, m.KeepAlive, m.LinkTimeout, wg, log)
	}()
}

// Config configures the device side (Client). The zero value (or nil)
// is ready to use with a gateway that runs without a key.
type Config struct {
	MuxConfig

	// PSK is the pre-shared key (see LoadPSK). The client then requires
	// the gateway to prove it knows the key too. Empty means no key: only
	// a gateway with NoAuth accepts the link.
	PSK []byte

	// Redial, if set, is called to get a new link after the current one
	// dies; the client re-handshakes over it. Conns, listeners and packet
	// sockets of the dead link stay failed; new requests wait for the new
	// link up to their context. Nil means a lost link is final: requests
	// fail with syscall.ENETDOWN.
	Redial func(ctx context.Context) (io.ReadWriteCloser, error)

	// RedialMin and RedialMax bound the exponential backoff between
	// Redial attempts. Zero means DefaultRedialMin and DefaultRedialMax.
	RedialMin, RedialMax time.Duration

	// OpenTimeout bounds how long a request (dial, listen, bind, resolve)
	// waits for the gateway's reply when its context has no earlier
	// deadline. Expiry fails that request with syscall.ETIMEDOUT and
	// resets only its stream. Zero means DefaultOpenTimeout.
	OpenTimeout time.Duration

	// Logger receives the client's structured logs. Nil means none.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	c.MuxConfig = c.MuxConfig.withDefaults()
	if c.RedialMin <= 0 {
		c.RedialMin = DefaultRedialMin
	}
	if c.RedialMax <= 0 {
		c.RedialMax = DefaultRedialMax
	}
	c.RedialMax = max(c.RedialMax, c.RedialMin)
	if c.OpenTimeout <= 0 {
		c.OpenTimeout = DefaultOpenTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// yamuxLogger sends hashicorp yamux's log lines to slog at debug level.
type yamuxLogger struct{ log *slog.Logger }

func (l yamuxLogger) Print(v ...any) { l.log.Debug(fmt.Sprint(v...), "src", "yamux") }
func (l yamuxLogger) Printf(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...), "src", "yamux")
}
func (l yamuxLogger) Println(v ...any) { l.log.Debug(fmt.Sprint(v...), "src", "yamux") }
