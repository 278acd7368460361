package yamux

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// muxSession is what both ends' sessions have in common: the yamux
// session over one link, the registry of its streams, how the session
// ends, and the upkeep of its streams' memory.
type muxSession struct {
	mux    *hyamux.Session
	link   *frameLink
	reg    *registry
	ending atomic.Bool // end or a link failure began (fail)
}

// alive reports whether the link is still up.
func (s *muxSession) alive() bool { return !s.ending.Load() && !s.mux.IsClosed() }

// end closes the session. It fails every stream first (fail), so that no
// call is left waiting in one when yamux shuts the session down: yamux
// v0.1.2's Stream.Read and Write spin while their session closes, until
// the close reaches their stream (hashicorp/yamux#176). With 1,000 idle
// conns, each with its receive pump waiting in a read, closing a client
// took 30 s of both cores (BenchmarkYamuxEnd/close; 7.5 ms now).
func (s *muxSession) end() {
	s.fail()
	s.mux.Close()
}

// fail fails everything the session carries, ahead of its end. It never
// blocks: the link's read and write loops call it at the link's first
// error (frameLink), before yamux acts on that error.
func (s *muxSession) fail() {
	s.ending.Store(true)
	s.reg.closeAll(syscall.ECONNRESET)
}

// compactEvery is how often a session hands back the receive buffers of
// its streams that have run empty (compact).
const compactEvery = time.Second

// startCompact runs compact every compactEvery until the session ends.
func (s *muxSession) startCompact(wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(compactEvery)
		defer t.Stop()
		for {
			select {
			case <-s.mux.CloseChan():
				return
			case <-t.C:
				s.compact()
			}
		}
	}()
}

// compact drops the receive buffer of every stream whose buffer is empty
// (yamux's Stream.Shrink). yamux keeps a stream's buffer once it has
// grown, up to the window, for the stream's life, so an idle conn that
// had carried a bulk transfer held two of them, one at each end of its
// stream (144 KB per idle conn after 1 MiB each way; 13.2 KB with
// compact, BenchmarkIdleConn/yamux). A busy stream caught empty only
// allocates its next buffer again, at most once a compactEvery.
func (s *muxSession) compact() {
	for _, e := range s.reg.entries() {
		e.st.Shrink()
	}
}
