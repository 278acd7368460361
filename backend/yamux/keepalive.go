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
// reading). Any frame from the peer is proof of life, so a busy link
// needs no pings. A ping goes out when nothing has arrived for interval,
// and also when nothing has been sent for interval, so that the peer
// hears from this end. While the peer is heard, that second kind of ping
// goes out every interval or so even with earlier pings unanswered: on a
// slow link whose peer is sending, their answers wait behind the peer's
// queued frames, and the peer has no other way to hear this end. A link
// on which nothing has arrived for timeout is dead: keepalive ends the
// session with end and returns. It returns too when the session ends
// otherwise.
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
	answered := make(chan struct{}, maxPings) // a ping in flight has returned
	inFlight := 0
	writes, wroteBy := link.writes.Load(), monoNow() // a write count and a time it had been reached by
	for {
		select {
		case <-mux.CloseChan():
			return
		case <-answered:
			inFlight--
		case <-t.C:
		}
		if w := link.writes.Load(); w != writes {
			writes, wroteBy = w, monoNow()
		}
		out := time.Duration(monoNow() - wroteBy)
		ping, dead, wait := keepaliveStep(link.quiet(), out, interval, timeout, inFlight)
		if dead {
			if !mux.IsClosed() {
				log.Warn("link silent: nothing received", "for", timeout)
			}
			link.dead.Store(true)
			end()
			return
		}
		if ping {
			inFlight++
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

// maxPings bounds the pings a keepalive has in flight. Each waits for
// its answer at most the frame write timeout (10 s by default).
const maxPings = 32

// keepaliveStep decides what keepalive does after the link has been quiet
// for in (nothing received) and out (nothing sent), with inFlight pings
// unanswered: send a ping, declare the link dead (in has reached
// timeout), and how long to wait before looking again.
//
// With no ping in flight, one goes out when in or out has reached
// interval. With pings in flight, another goes out only to be heard:
// when out has reached interval while the peer is heard (in below
// interval), up to maxPings.
func keepaliveStep(in, out, interval, timeout time.Duration, inFlight int) (ping, dead bool, wait time.Duration) {
	if in >= timeout {
		return false, true, 0
	}
	switch {
	case inFlight == 0:
		ping = in >= interval || out >= interval
	case inFlight < maxPings:
		ping = in < interval && out >= interval
	}
	wait = timeout - in
	if in < interval {
		wait = min(wait, interval-in)
	}
	if ping || out >= interval {
		wait = min(wait, interval)
	} else {
		wait = min(wait, interval-out)
	}
	return ping, false, wait
}
