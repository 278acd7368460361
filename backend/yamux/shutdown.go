package yamux

import (
	"context"
	"net"
)

// Shutdown closes the backend gracefully, as http.Server.Shutdown closes
// a server: it stops taking new requests (Open, Connect, Listen,
// LookupHost and a datagram socket's Bind fail with net.ErrClosed from
// now on), waits until every connected stream socket is quiet, then
// closes the backend as Close does.
//
// A stream socket is quiet once it has nothing left to deliver:
//
//   - one the application closed (or half-closed) when its buffered bytes
//     have been written to the link, its FIN sent, and the gateway has
//     confirmed that it wrote them to its own connection and half-closed
//     that (so the far peer reads every byte, then EOF, even though the
//     link goes away right after);
//   - one still open when its send buffer has been drained to the link;
//     the final close then resets it, as Close does;
//   - one that failed (reset, or its link died).
//
// Against a gateway too old to confirm FINs, Shutdown waits for the FIN
// to leave only. Listeners and packet sockets are not waited for.
//
// If ctx ends first, Shutdown closes the backend anyway and returns
// ctx.Err(); bytes still in flight are then lost. It returns nil if the
// backend was closed already, and net.ErrClosed if Close cut it short.
func (b *Backend) Shutdown(ctx context.Context) error {
	if !b.beginShutdown() {
		return nil
	}
	err := b.awaitQuiet(ctx)
	if err == nil && b.isClosed() {
		err = net.ErrClosed // Close cut the wait short
	}
	b.Close()
	return err
}

// beginShutdown refuses new requests from now on; false if the backend
// is closed already.
func (b *Backend) beginShutdown() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	if !b.draining.Swap(true) {
		close(b.drainCh)
	}
	return true
}

// awaitQuiet waits until every stream of the live session is quiet. Each
// stream kicks quietKick when it may have become quiet; the check after
// each kick looks at them all.
func (b *Backend) awaitQuiet(ctx context.Context) error {
	for !b.quiet() {
		select {
		case <-b.quietKick:
		case <-ctx.Done():
			if b.quiet() {
				return nil
			}
			return ctx.Err()
		}
	}
	return nil
}

// quiet reports whether the live session, if any, is quiet. Streams of
// earlier sessions failed with them.
func (b *Backend) quiet() bool {
	b.mu.Lock()
	s := b.sess
	b.mu.Unlock()
	return s == nil || s.quiet()
}

// kickDrain wakes a waiting Shutdown; it never blocks.
func (b *Backend) kickDrain() {
	select {
	case b.quietKick <- struct{}{}:
	default:
	}
}
