package ring_test

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/netoffload/offload/internal/ring"
)

// TestBusyGatesUnderContention drives the fast paths from every side at
// once: several writers with small Writes (busy gates, each publishing
// with a plain store) and several readers with small buffers, through a
// ring small enough that readers park for data and writers park for space
// all the time, each while the other side's gate is busy. A lost wake-up
// hangs; a lost or torn update loses, duplicates or interleaves bytes.
func TestBusyGatesUnderContention(t *testing.T) {
	const writers, readers, calls = 4, 3, 3000
	r := ring.New(96)
	wg := goWriters(t, r, writers, calls, func(w, c int) []byte {
		return bytes.Repeat([]byte{byte(w)}, 2+(w*7+c)%40)
	})
	// Readers count what they read; run integrity is checked in
	// TestBusyGatesRunsIntact, where one reader sees every byte.
	counts := make([]int, readers)
	var rg sync.WaitGroup
	for i := range readers {
		rg.Add(1)
		go func() {
			defer rg.Done()
			buf := make([]byte, 1+i*5)
			for {
				n, err := r.Read(buf)
				counts[i] += n
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					t.Errorf("Read: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	r.CloseWrite(nil)
	awaitGroup(t, &rg)
	total := 0
	for _, c := range counts {
		total += c
	}
	want := 0
	for w := range writers {
		for c := range calls {
			want += 2 + (w*7+c)%40
		}
	}
	if total != want {
		t.Fatalf("read %d bytes, want %d", total, want)
	}
}

// TestBusyGatesRunsIntact: several small writers, one reader with a
// buffer of a few bytes, a ring of a few dozen. Every message must arrive
// whole and every writer's messages in order.
func TestBusyGatesRunsIntact(t *testing.T) {
	const writers, calls = 3, 4000
	r := ring.New(48)
	wg := goWriters(t, r, writers, calls, func(w, c int) []byte {
		return []byte{byte(w), byte(c), byte(c >> 8), byte(w) ^ byte(c)}
	})
	done := make(chan error, 1)
	go func() {
		next := make([]int, writers)
		msg := make([]byte, 0, 4)
		buf := make([]byte, 3)
		for got := 0; got < writers*calls; {
			n, err := r.Read(buf)
			if err != nil {
				done <- err
				return
			}
			for _, b := range buf[:n] {
				msg = append(msg, b)
				if len(msg) < 4 {
					continue
				}
				w, c := int(msg[0]), int(msg[1])|int(msg[2])<<8
				if w >= writers || msg[3] != byte(w)^byte(c) || c != next[w] {
					done <- errors.New("message torn or out of order")
					return
				}
				next[w]++
				got++
				msg = msg[:0]
			}
		}
		done <- nil
	}()
	wg.Wait()
	if err := await(t, done); err != nil {
		t.Fatal(err)
	}
}

// goWriters starts writers goroutines, each writing msg(w, c) for c from 0
// to calls-1; the group is done when all have finished.
func goWriters(t *testing.T, r *ring.Ring, writers, calls int, msg func(w, c int) []byte) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range calls {
				if _, err := r.Write(msg(w, c)); err != nil {
					t.Errorf("Write: %v", err)
					return
				}
			}
		}()
	}
	return &wg
}
