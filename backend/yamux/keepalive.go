package yamux

import (
	"log/slog"
	"sync"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// keepalive watches how long the link has been quiet: how long since its
// last read returned bytes (frameLink.quiet). Any frame from the peer is
// proof of life, so a busy link needs no pings; one quiet for interval
// gets a ping, whose answer ends the quiet. A link quiet for timeout is
// dead: keepalive ends the session with end and returns. It returns too
// when the session ends otherwise.
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
	for {
		select {
		case <-mux.CloseChan():
			return
		case <-answered:
			pinging = false
		case <-t.C:
		}
		ping, dead, wait := keepaliveStep(link.quiet(), interval, timeout, pinging)
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
// for quiet: send a ping (if none is in flight and the link has been
// quiet for interval), declare it dead (quiet for timeout), and how long
// to wait before looking again.
func keepaliveStep(quiet, interval, timeout time.Duration, pinging bool) (ping, dead bool, wait time.Duration) {
	switch {
	case quiet >= timeout:
		return false, true, 0
	case quiet >= interval:
		return !pinging, false, timeout - quiet
	default:
		return false, false, interval - quiet
	}
}
