package yamux

import (
	"testing"
	"time"
)

// TestKeepaliveStep: a link quiet either way for the interval gets a
// ping; with pings unanswered, more go out only to be heard (the peer is
// heard, this end has been silent), up to maxPings; a link on which
// nothing arrived for the timeout is dead; and the keepalive next looks
// by the first time any of that can change.
func TestKeepaliveStep(t *testing.T) {
	const iv, to = 250 * time.Millisecond, 850 * time.Millisecond
	ms := time.Millisecond
	for _, c := range []struct {
		in, out    time.Duration
		inFlight   int
		ping, dead bool
		wait       time.Duration
	}{
		{0, 0, 0, false, false, iv},
		{100 * ms, 0, 0, false, false, 150 * ms},
		{0, 100 * ms, 0, false, false, 150 * ms},
		{100 * ms, 200 * ms, 0, false, false, 50 * ms},
		{100 * ms, 0, 1, false, false, 150 * ms},
		{iv, 0, 0, true, false, iv},                    // heard nothing: ping
		{0, iv, 0, true, false, iv},                    // said nothing: ping, so the peer hears
		{10 * ms, time.Hour, 1, true, false, 240 * ms}, // heard, silent, answer stuck: ping again
		{10 * ms, 300 * ms, maxPings, false, false, 240 * ms},
		{300 * ms, 0, 0, true, false, iv},
		{300 * ms, 0, 1, false, false, iv},        // a ping is out to check on the peer: enough
		{300 * ms, 300 * ms, 1, false, false, iv}, // not heard: more pings would not help
		{849 * ms, 0, 1, false, false, ms},
		{to, 0, 1, false, true, 0},
		{to, 0, 0, false, true, 0}, // nothing heard that long is dead, ping or not
		{time.Hour, 0, 1, false, true, 0},
	} {
		ping, dead, wait := keepaliveStep(c.in, c.out, iv, to, c.inFlight)
		if ping != c.ping || dead != c.dead || wait != c.wait {
			t.Errorf("quiet in %v, out %v, %d in flight: ping %v, dead %v, wait %v; want %v, %v, %v",
				c.in, c.out, c.inFlight, ping, dead, wait, c.ping, c.dead, c.wait)
		}
	}
}

// TestLinkTimeoutAboveKeepAlive: a link timeout that would leave a ping
// no time to be answered is raised to twice the ping interval.
func TestLinkTimeoutAboveKeepAlive(t *testing.T) {
	for _, c := range []struct{ keep, link, want time.Duration }{
		{0, 0, DefaultLinkTimeout},
		{time.Second, 0, 2 * time.Second},
		{time.Second, 500 * time.Millisecond, 2 * time.Second},
		{100 * time.Millisecond, time.Second, time.Second},
		{-1, 100 * time.Millisecond, 100 * time.Millisecond}, // no pings: unused
	} {
		got := MuxConfig{KeepAlive: c.keep, LinkTimeout: c.link}.withDefaults().LinkTimeout
		if got != c.want {
			t.Errorf("KeepAlive %v, LinkTimeout %v: got %v, want %v", c.keep, c.link, got, c.want)
		}
	}
}
