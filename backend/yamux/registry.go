package yamux

import (
	"sync"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// entry is one live yamux stream of a session, as the registry knows it.
// Aborting it runs the owner's hook and stops the stream at once
// (deadlines in the past wake its blocked reads and writes; a FIN is
// sent).
type entry struct {
	st  *hyamux.Stream
	id  uint32
	reg *registry

	mu    sync.Mutex
	err   error       // why it was aborted; nil while live
	hook  func(error) // the owner's reaction to an abort
	onAck func()      // the owner's reaction to a FINACK; nil ignores it
}

// pastTime is a deadline that has always passed.
var pastTime = time.Unix(1, 0)

// abort stops the stream with err; only the first call acts. A FIN goes
// with it while the session lives; once it is ending (registry.closeAll)
// a FIN would only wait for a link that is going away, and the abort may
// run on the link's own read or write loop (frameLink), where that wait
// would hold up the loop it waits for.
func (e *entry) abort(err error) { e.stop(err, e.reg.live()) }

// fin half-closes the stream (a yamux FIN) while it is neither aborted
// nor in an ending session: an abort sent its own FIN if one could go,
// and a FIN sent as the session ends could reach the peer ahead of the
// link's end and read there as an orderly close of the stream.
func (e *entry) fin() {
	if e.aborted() == nil && e.reg.live() {
		e.st.Close()
	}
}

// stop aborts the stream, with a FIN if fin. The owner's hook runs
// before the stream's blocked calls wake, so that whatever they do next
// (a proxy closing its conn once both directions ended, say) comes after
// the owner's reaction to the abort (the proxy's reset of that conn).
func (e *entry) stop(err error, fin bool) {
	e.mu.Lock()
	if e.err != nil {
		e.mu.Unlock()
		return
	}
	e.err = err
	hook := e.hook
	e.mu.Unlock()
	if hook != nil {
		hook(err)
	}
	e.st.SetDeadline(pastTime)
	if fin {
		e.st.Close()
	}
}

// attach installs the owner's hook, or returns the abort error if the
// stream was aborted before it had an owner.
func (e *entry) attach(hook func(error)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return e.err
	}
	e.hook = hook
	return nil
}

// setOnAck installs the owner's reaction to the peer's FINACK.
func (e *entry) setOnAck(f func()) {
	e.mu.Lock()
	e.onAck = f
	e.mu.Unlock()
}

// setReadDeadline arms the stream's read deadline unless the stream was
// aborted, whose past deadline must stay (abort sets err first, then the
// deadline, so checking err after arming is enough).
func (e *entry) setReadDeadline(t time.Time) {
	e.st.SetReadDeadline(t)
	if e.aborted() != nil {
		e.st.SetDeadline(pastTime)
	}
}

// aborted returns the abort error, nil while live.
func (e *entry) aborted() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// maxEarlyResets bounds resets remembered for streams not yet accepted.
const maxEarlyResets = 4096

// registry maps stream ids of one session to their entries so that reset
// messages from the peer and the session's death reach every stream.
//
// A reset may overtake the accept of the stream it names (the control
// stream is read by another goroutine than the accept loop), so resets
// of peer-opened ids above the highest accepted one are kept and applied
// when the stream is added.
type registry struct {
	mu       sync.Mutex
	m        map[uint32]*entry
	peerOdd  bool   // the peer opens odd ids (it is the yamux client)
	maxPeer  uint32 // highest peer-opened id added so far
	early    map[uint32]error
	closeErr error // set once the session is gone: adds fail
}

func newRegistry(peerOdd bool) *registry {
	return &registry{m: make(map[uint32]*entry), peerOdd: peerOdd, early: make(map[uint32]error)}
}

func (r *registry) isPeerID(id uint32) bool { return (id%2 == 1) == r.peerOdd }

// add registers st. If the stream was reset early or the session is gone,
// the entry comes back already aborted.
func (r *registry) add(st *hyamux.Stream) *entry {
	e := &entry{st: st, id: st.StreamID(), reg: r}
	r.mu.Lock()
	err := r.closeErr
	if r.isPeerID(e.id) {
		r.maxPeer = max(r.maxPeer, e.id)
		if early, ok := r.early[e.id]; ok && err == nil {
			err = early
			delete(r.early, e.id)
		}
	}
	if err == nil {
		r.m[e.id] = e
	}
	r.mu.Unlock()
	if err != nil {
		e.abort(err)
	}
	return e
}

// remove forgets a finished stream.
func (r *registry) remove(e *entry) {
	r.mu.Lock()
	if r.m[e.id] == e {
		delete(r.m, e.id)
	}
	r.mu.Unlock()
}

// reset aborts stream id on the peer's request.
func (r *registry) reset(id uint32, err error) {
	r.mu.Lock()
	e := r.m[id]
	if e == nil && r.isPeerID(id) && id > r.maxPeer && len(r.early) < maxEarlyResets {
		r.early[id] = err
	}
	r.mu.Unlock()
	if e != nil {
		e.abort(err)
	}
}

// finAcked runs the FINACK reaction of stream id's owner, if any.
func (r *registry) finAcked(id uint32) {
	r.mu.Lock()
	e := r.m[id]
	r.mu.Unlock()
	if e == nil {
		return
	}
	e.mu.Lock()
	f := e.onAck
	e.mu.Unlock()
	if f != nil {
		f()
	}
}

// closeAll aborts every stream with err and makes later adds fail: the
// session is ending or gone. It sends no FINs (entry.abort) and never
// blocks, so the link's own read and write loops may call it (frameLink).
func (r *registry) closeAll(err error) {
	r.mu.Lock()
	if r.closeErr == nil {
		r.closeErr = err
	}
	r.mu.Unlock()
	for _, e := range r.entries() {
		e.stop(err, false)
	}
}

// entries returns the registered streams.
func (r *registry) entries() []*entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := make([]*entry, 0, len(r.m))
	for _, e := range r.m {
		all = append(all, e)
	}
	return all
}

// live reports whether the session is neither ending nor gone.
func (r *registry) live() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeErr == nil
}
