package espatsim

import (
	"context"
	"net"
	"sync"
)

// ListenAndServeTCP listens on addr and serves each accepted TCP
// connection as the UART of a fresh modem configured by cfg, like a
// serial-over-TCP bridge. It runs until ctx is done (then returns nil) or
// the listener fails.
func ListenAndServeTCP(ctx context.Context, addr string, cfg Config) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln, cfg)
}

// ServeListener is ListenAndServeTCP on a listener the caller opened (for
// example to learn its port). It closes ln, and every modem it started,
// before returning.
func ServeListener(ctx context.Context, ln net.Listener, cfg Config) error {
	release := onDone(ctx, func() { ln.Close() })
	defer release()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sims = map[*Sim]bool{}
		err  error
	)
	for {
		conn, aerr := ln.Accept()
		if aerr != nil {
			if ctx.Err() == nil {
				err = aerr
			}
			break
		}
		sim := New(cfg)
		mu.Lock()
		sims[sim] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sim.Serve(conn)
			mu.Lock()
			delete(sims, sim)
			mu.Unlock()
		}()
	}
	ln.Close()
	mu.Lock()
	running := make([]*Sim, 0, len(sims))
	for s := range sims {
		running = append(running, s)
	}
	mu.Unlock()
	for _, s := range running {
		s.Close()
	}
	wg.Wait()
	return err
}

// onDone runs f once ctx is done. The returned release cancels that, or
// waits for f to finish if it already started, so no goroutine outlives
// the caller.
func onDone(ctx context.Context, f func()) (release func()) {
	finished := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(finished)
		f()
	})
	return func() {
		if !stop() {
			<-finished
		}
	}
}
