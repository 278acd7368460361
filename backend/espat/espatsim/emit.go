package espatsim

import "fmt"

// emit appends to the output of the current critical section; unlock
// queues it as one message, so nothing else can land inside it. Called
// with mu held.
func (s *Sim) emit(parts ...[]byte) {
	for _, p := range parts {
		s.pending = append(s.pending, p...)
	}
}

// emitString is emit for text.
func (s *Sim) emitString(str string) { s.pending = append(s.pending, str...) }

// emitf is emit with fmt formatting.
func (s *Sim) emitf(format string, args ...any) {
	s.pending = fmt.Appendf(s.pending, format, args...)
}

// emitAction runs f in the writer once everything emitted so far has been
// written (for example to change the line rate after an OK).
func (s *Sim) emitAction(f func()) {
	s.flushPending()
	s.out.pushAction(f)
}

// flushPending queues the pending output. Called with mu held.
func (s *Sim) flushPending() {
	if len(s.pending) > 0 {
		s.out.pushOwned(s.pending)
		s.pending = nil
	}
}
