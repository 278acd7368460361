package espatsim

import (
	"sync"
	"time"
)

// halfBits8N1 is the length of one 8N1 character in half bits: start bit,
// 8 data bits, 1 stop bit. Half bits let 1.5 stop bits be exact.
const halfBits8N1 = 20

// frameHalfBits returns the character length in half bits for the
// AT+UART_CUR frame parameters (stop: 1 = 1, 2 = 1.5, 3 = 2 bits; parity
// 0 = none).
func frameHalfBits(data, stop, parity int) int {
	h := 2 * (1 + data)
	if parity != 0 {
		h += 2
	}
	return h + stop + 1
}

// pacer is a token bucket for one direction of the UART: a batch of n
// characters is handed on when its last stop bit would have crossed the
// line, after the batches before it. It sleeps once per batch (about 10 ms
// of line time), never per byte.
type pacer struct {
	mu       sync.Mutex
	baud     int // 0: unpaced
	halfBits int
	next     time.Time // when the line is free again
}

// set changes the line rate and frame; baud 0 disables pacing.
func (p *pacer) set(baud, halfBits int) {
	p.mu.Lock()
	p.baud, p.halfBits = baud, halfBits
	p.mu.Unlock()
}

// batch is how many bytes to move per write or read: about 10 ms of line
// time when paced (at least 64), 32 KiB when not.
func (p *pacer) batch() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.baud == 0 {
		return 32 << 10
	}
	return max(64, p.baud*2/p.halfBits/100)
}

// wait blocks until n more characters have had their line time. It
// returns false if done is closed first.
func (p *pacer) wait(n int, done <-chan struct{}) bool {
	p.mu.Lock()
	if p.baud == 0 {
		p.mu.Unlock()
		return true
	}
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	p.next = p.next.Add(time.Duration(n*p.halfBits) * time.Second / time.Duration(2*p.baud))
	d := p.next.Sub(now)
	p.mu.Unlock()
	return sleep(d, done)
}

// sleep waits d (nothing when d < 1 ms) and reports false if done closed
// first.
func sleep(d time.Duration, done <-chan struct{}) bool {
	if d < time.Millisecond {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
