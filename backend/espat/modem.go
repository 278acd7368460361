package espat

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/netoffload/offload/backend"
)

// Modem is an ESP-AT modem on a UART: a backend.Backend (TCP client and
// server, UDP connected and unconnected, up to five links at once) and a
// backend.Resolver (AT+CIPDOMAIN). Create it with Open or OpenSerial and
// release it with Close.
//
// Three goroutines run per Modem: the reader (parses everything the modem
// sends and dispatches it at once), the engine (runs one command at a
// time: control operations queued by callers, and the data path that
// turns pending bytes into AT+CIPSEND and AT+CIPRECVDATA), and a writer
// that lets the engine give up on a UART that no longer drains.
type Modem struct {
	cfg  Config
	port io.ReadWriter

	done      chan struct{} // closed by Close
	closeOnce sync.Once
	engineWG  sync.WaitGroup // the engine goroutine
	ioWG      sync.WaitGroup // the reader and writer, blocked in the port

	kick chan struct{} // cap 1: wake the engine

	opMu sync.Mutex
	ops  []*op // control operations waiting for the engine

	wreq chan []byte // to the writer goroutine
	wres chan error  // from it

	eng engineState // owned by the engine goroutine

	// mu guards the fields below. It is a leaf lock: nothing that can
	// block, and no Buffer, PacketQueue or socket method, is called while
	// it is held (socket.mu is taken before it, never after).
	mu         sync.Mutex
	cur        *command // the command in flight
	links      [maxLinks]*link
	stale      uint8   // ids whose trailing CLOSED is still due
	listener   *socket // the CIPSERVER listener
	dinfo      bool    // AT+CIPDINFO=1 in effect
	gen        uint64  // bumped by every unsolicited ready
	fatal      error   // the port failed, or Close: nothing works any more
	info       modemInfo
	unresolved []*socket // accepted, waiting for their addresses
	scratch    []byte    // reader-owned datagram assembly buffer
}

// modemInfo is what start-up learned.
type modemInfo struct {
	dialect   Dialect
	sendLimit int
	station   netip.Addr
	linkConn  bool // AT+SYSMSG bit 1: +LINK_CONN instead of <id>,CONNECT
	started   bool
}

// Open starts a Modem on port, which carries the modem's AT UART, and
// runs start-up (see the package documentation). The Modem owns port from
// now on: Close closes it if it is an io.Closer. Without io.Closer the
// reader and writer goroutines end only when their pending Read or Write
// returns, and Close does not wait for them.
func Open(port io.ReadWriter, cfg Config) (*Modem, error) {
	m := &Modem{
		cfg:  cfg.withDefaults(),
		port: port,
		done: make(chan struct{}),
		kick: make(chan struct{}, 1),
		wreq: make(chan []byte),
		wres: make(chan error, 1),
	}
	m.eng.baud = m.cfg.Baud
	m.engineWG.Add(1)
	m.ioWG.Add(2)
	go m.readLoop()
	go m.writeLoop()
	go m.engineLoop()
	ctx := context.Background()
	if err := m.do(ctx, opControl, func(context.Context) error { return m.startup() }, nil); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Close fails every socket with net.ErrClosed, closes the links on the
// modem (best effort, briefly), stops the goroutines and closes the port
// if it is an io.Closer. It is idempotent.
func (m *Modem) Close() error {
	m.closeOnce.Do(func() {
		// Ask the engine to close links politely, bounded.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		m.do(ctx, opControl, func(context.Context) error { return m.closeAllLinks() }, nil)
		cancel()
		m.setFatal(errClosed)
		close(m.done)
		if c, ok := m.port.(io.Closer); ok {
			c.Close()
		}
		m.failAll(errClosed)
	})
	m.engineWG.Wait()
	if _, ok := m.port.(io.Closer); ok {
		m.ioWG.Wait() // closing the port unblocked them
	}
	return nil
}

// Open creates an unconnected socket: "tcp"/"tcp4" streams or
// "udp"/"udp4" datagrams. IPv6 is not offered.
func (m *Modem) Open(ctx context.Context, network string, opts backend.Options) (backend.Socket, error) {
	if err := m.failed(); err != nil {
		return nil, err
	}
	switch network {
	case "tcp", "tcp4":
		return newSocket(m, false, opts), nil
	case "udp", "udp4":
		return newSocket(m, true, opts), nil
	case "tcp6", "udp6":
		return nil, errors.ErrUnsupported
	}
	return nil, net.UnknownNetworkError(network)
}

// LocalIP returns the station address read at start-up (the zero Addr if
// the modem reported none).
func (m *Modem) LocalIP() netip.Addr {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.info.station
}

// Dialect returns the firmware dialect in use.
func (m *Modem) Dialect() Dialect {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.info.dialect
}

// failed returns the error that stopped the Modem, or nil.
func (m *Modem) failed() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fatal
}

// setFatal records the first fatal error.
func (m *Modem) setFatal(err error) {
	m.mu.Lock()
	if m.fatal == nil {
		m.fatal = err
	}
	m.mu.Unlock()
}

// wake nudges the engine; it never blocks.
func (m *Modem) wake() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

var (
	_ backend.Backend  = (*Modem)(nil)
	_ backend.Resolver = (*Modem)(nil)
)
