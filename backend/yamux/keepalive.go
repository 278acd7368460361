package yamux

import (
	"log/slog"
	"sync"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// keepalive pings the peer every interval and closes the session when an
// answer takes longer than timeout. It replaces yamux's own keepalive,
// which shares its timeout with every frame write: a silent link must be
// noticed within about a second, while a frame queued behind many others
// on a busy link may take longer than that to leave without anything
// being wrong. It ends the session with end, and returns when the
// session ends.
func keepalive(mux *hyamux.Session, end func(), interval, timeout time.Duration, wg *sync.WaitGroup, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-mux.CloseChan():
			return
		case <-t.C:
		}
		if !ping(mux, timeout, wg) {
			if !mux.IsClosed() {
				log.Warn("link silent: no keepalive answer", "timeout", timeout)
			}
			end()
			return
		}
	}
}

// ping reports whether the peer answered a ping within timeout. The ping
// itself ends at the latest when the session closes.
func ping(mux *hyamux.Session, timeout time.Duration, wg *sync.WaitGroup) bool {
	done := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := mux.Ping()
		done <- err
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err == nil
	case <-timer.C:
		return false
	}
}
