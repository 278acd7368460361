package espatsim

import (
	"bytes"
	"io"
	"time"
)

// maxLine is the longest command line the modem accepts, terminator
// excluded.
const maxLine = 256

// readLoop reads the UART until it fails or the Sim stops, feeding the
// bytes to the input state machine.
func (s *Sim) readLoop(r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		if s.echoing() && !s.out.waitRoom(s.done) || !s.waitStall() {
			return nil
		}
		n, err := r.Read(buf[:s.rx.batch()])
		if n > 0 {
			if !s.rx.wait(n, s.done) {
				return nil
			}
			s.input(s.faults.in.apply(buf[:n]), time.Now())
		}
		if err != nil {
			return err
		}
	}
}

// echoing reports whether input is echoed now. Only then does the reader
// wait for room in the output queue, so a host that writes a payload
// without reading is never blocked by output it has not read yet.
func (s *Sim) echoing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode == modeCommand && s.st.echo
}

// input runs the bytes through the current input mode. data is only
// borrowed.
func (s *Sim) input(data []byte, at time.Time) {
	s.mu.Lock()
	for len(data) > 0 && !s.closed {
		switch s.mode {
		case modeCommand:
			data = s.inputCommand(data)
		case modePayload:
			data = s.inputPayload(data)
		case modePassthrough:
			pt := s.pt
			s.unlock()
			if pt.feed(data, at) {
				return
			}
			s.mu.Lock()
		}
	}
	s.unlock()
}

// inputCommand echoes and assembles a command line up to its LF and runs
// it. It returns the bytes after the LF.
func (s *Sim) inputCommand(data []byte) []byte {
	chunk, rest := data, []byte(nil)
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		chunk, rest = data[:i+1], data[i+1:]
	}
	if s.st.echo && !s.busy {
		s.emit(chunk)
	}
	body := bytes.TrimSuffix(chunk, []byte("\n"))
	if len(s.line)+len(body) > maxLine+8 {
		s.lineOver = true
	} else {
		s.line = append(s.line, body...)
	}
	if len(body) == len(chunk) {
		return nil
	}
	line := bytes.TrimRight(s.line, "\r")
	over := s.lineOver || len(line) > maxLine
	s.line, s.lineOver = s.line[:0], false
	s.runLine(line, over)
	return rest
}
