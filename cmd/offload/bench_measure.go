package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// drainTimeout bounds how long the reader may lag behind the writer at
// the end of a cell before the cell fails.
const drainTimeout = 30 * time.Second

// throughput writes size-byte writes on a fresh pair for about dur and
// returns the rate at which the far end read them, in MB/s (10^6 bytes a
// second), counted from the first write to the last byte read.
func throughput(ctx context.Context, pair pairFunc, size int, dur time.Duration) (float64, error) {
	w, r, stop, err := pair(ctx)
	if err != nil {
		return 0, err
	}
	rd := startReader(r)
	defer func() { stop(); rd.wait() }() // closing unblocks the reader
	start := time.Now()
	written, err := writeFor(ctx, w, size, dur)
	if err != nil {
		return 0, err
	}
	if err := rd.until(ctx, written); err != nil {
		return 0, err
	}
	return float64(written) / time.Since(start).Seconds() / 1e6, nil
}

// writeFor writes size-byte writes to w until dur has passed or ctx is
// done, and returns how many bytes it wrote.
func writeFor(ctx context.Context, w net.Conn, size int, dur time.Duration) (int64, error) {
	buf := make([]byte, size)
	every := max(1, (64<<10)/size) // look at the clock every 64 KiB or so
	deadline := time.Now().Add(dur)
	var written int64
	for i := 1; ; i++ {
		n, err := w.Write(buf)
		written += int64(n)
		if err != nil {
			return written, fmt.Errorf("write: %w", err)
		}
		if i%every == 0 && (time.Now().After(deadline) || ctx.Err() != nil) {
			return written, ctx.Err()
		}
	}
}

// reader counts what a connection delivers.
type reader struct {
	got    atomic.Int64
	target atomic.Int64
	done   chan struct{} // closed when got reaches target
	err    chan error    // the read error, if reading stopped early
	wg     sync.WaitGroup
}

func startReader(c net.Conn) *reader {
	rd := &reader{done: make(chan struct{}), err: make(chan error, 1)}
	rd.target.Store(math.MaxInt64)
	rd.wg.Add(1)
	go rd.loop(c)
	return rd
}

func (rd *reader) loop(c net.Conn) {
	defer rd.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if rd.got.Add(int64(n)) >= rd.target.Load() {
			close(rd.done)
			return
		}
		if err != nil {
			rd.err <- err
			return
		}
	}
}

// until waits for total bytes to have been read.
func (rd *reader) until(ctx context.Context, total int64) error {
	rd.target.Store(total)
	if rd.got.Load() >= total {
		return nil
	}
	t := time.NewTimer(drainTimeout)
	defer t.Stop()
	select {
	case <-rd.done:
		return nil
	case err := <-rd.err:
		return fmt.Errorf("read after %d of %d bytes: %w", rd.got.Load(), total, err)
	case <-t.C:
		return fmt.Errorf("read %d of %d bytes: %w", rd.got.Load(), total, errDrain)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait waits for the reader goroutine, which ends once the connection is
// closed.
func (rd *reader) wait() { rd.wg.Wait() }

var errDrain = errors.New("reader stalled")
