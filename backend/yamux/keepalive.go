package yamux

import (
	"log/slog"
	"sync"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// keepalive watches how long the link has been quiet each way: in from
// the time of the last read that returned bytes (frameLink.quiet), out
// from the first time it finds the link's write count moved (so out may
// be up to one look late: the count costs the send loop no clock
// reading). Any frame from the peer is proof of life, so a busy
// link needs no pings. A ping goes out when nothing has arrived for
// interval, and also when nothing has been sent for interval: then the
// peer hears from this end even when its own pings wait behind its own
// long frames on a slow link. A link on which nothing has arrived for
// timeout is dead: keepalive ends the session with end and returns. It
// returns too when the session ends otherwise.
//
// Counting from the last byte received, not from each ping, makes the
// time to notice a silent link the same wherever the silence falls in the
// ping cycle (timeout, not interval+timeout), and keeps a ping that waits
// behind the peer's data frames from killing a link those frames show is
// alive. It replaces yamux's own keepalive, which shares its timeout with
// every frame write.
func keepalive(mux *hyamux.Session, link *frameLink, end func(), interval, timeout time.Duration, wg *sync.WaitGroup, log *slog.Logger) {
	t := time.NewTimer(interval)
	defer t.Stop()
	answered := make(chan struct{}, 1) // the ping in flight has returned
	pinging := false
	writes, wroteBy := link.writes.Load(), monoNow() // a write count and a time it had been reached by
	for {
		select {
		case <-mux.CloseChan():
			return
		case <-answered:
			pinging = false
		case <-t.C:
		}
		if w := link.writes.Load(); w != writes {
			writes, wroteBy = w, monoNow()
		}
		out := time.Duration(monoNow() - wroteBy)
		ping, dead, wait := keepaliveStep(link.quiet(), out, interval, timeout, pinging)
		if dead {
			if !mux.IsClosed() {
				log.Warn("link silent: nothing received", "for", timeout)
			}
			end()
			return
		}
		if ping {
			pinging = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				mux.Ping() // ends with its answer, yamux's write timeout or the session
				answered <- struct{}{}
			}()
		}
		t.Reset(wait)
	}
}

// keepaliveStep decides what keepalive does after the link has been quiet
// for in (nothing received) and out (nothing sent): send a ping (if none
// is in flight and either has reached interval), declare the link dead
// (in has reached timeout), and how long to wait before looking again.
func keepaliveStep(in, out, interval, timeout time.Duration, pinging bool) (ping, dead bool, wait time.Duration) {
	if in >= timeout {
		return false, true, 0
	}
	if !pinging && (in >= interval || out >= interval) {
		return true, false, timeout - in
	}
	wait = timeout - in
	if !pinging {
		wait = min(wait, interval-in, interval-out)
	}
	return false, false, wait
}
