package ring

// Gates and parking. Every function here is called with mu held and
// returns with mu held; it may release mu while it waits.

// acquireProducer takes the producer gate, waiting for the holder to
// finish. It fails when the write deadline passes.
func (r *Ring) acquireProducer() error {
	for r.producing {
		r.prodWaiters++
		r.mu.Unlock()
		var err error
		select {
		case <-r.prodGate:
		case <-r.wdl.Done():
			err = errTimeout
		}
		r.mu.Lock()
		r.prodWaiters--
		if err != nil {
			return err
		}
	}
	r.producing = true
	return nil
}

func (r *Ring) releaseProducer() {
	r.producing = false
	if r.prodWaiters > 0 {
		select {
		case r.prodGate <- struct{}{}:
		default:
		}
	}
}

// acquireConsumer takes the consumer gate, waiting for the holder to
// finish. It fails when the read deadline passes.
func (r *Ring) acquireConsumer() error {
	for r.consuming {
		r.consWaiters++
		r.mu.Unlock()
		var err error
		select {
		case <-r.consGate:
		case <-r.rdl.Done():
			err = errTimeout
		}
		r.mu.Lock()
		r.consWaiters--
		if err != nil {
			return err
		}
	}
	r.consuming = true
	return nil
}

func (r *Ring) releaseConsumer() {
	r.consuming = false
	if r.consWaiters > 0 {
		select {
		case r.consGate <- struct{}{}:
		default:
		}
	}
}

// waitData parks the consumer until the producer adds bytes, either side
// closes, or the read deadline passes.
func (r *Ring) waitData() error {
	r.readWaiting = true
	r.mu.Unlock()
	var err error
	select {
	case <-r.dataCh:
	case <-r.rdl.Done():
		err = errTimeout
	}
	r.mu.Lock()
	r.readWaiting = false
	return err
}

// waitSpace parks the producer until the consumer frees space, either side
// closes, or the write deadline passes.
func (r *Ring) waitSpace() error {
	r.writeWaiting = true
	r.mu.Unlock()
	var err error
	select {
	case <-r.spaceCh:
	case <-r.wdl.Done():
		err = errTimeout
	}
	r.mu.Lock()
	r.writeWaiting = false
	return err
}
