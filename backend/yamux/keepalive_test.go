package yamux

import (
	"testing"
	"time"
)

// TestKeepaliveStep: a link quiet either way for the interval gets one
// ping at a time, one on which nothing arrived for the timeout is dead,
// and the keepalive next looks when the first of those can happen.
func TestKeepaliveStep(t *testing.T) {
	const iv, to = 250 * time.Millisecond, 850 * time.Millisecond
	ms := time.Millisecond
	for _, c := range []struct {
		in, out    time.Duration
		pinging    bool
		ping, dead bool
		wait       time.Duration
	}{
		{0, 0, false, false, false, iv},
		{100 * ms, 0, false, false, false, 150 * ms},
		{0, 100 * ms, false, false, false, 150 * ms},
		{100 * ms, 200 * ms, false, false, false, 50 * ms},
		{100 * ms, 0, true, false, false, 750 * ms}, // a ping in flight: only death to wait for
		{iv, 0, false, true, false, to - iv},
		{0, iv, false, true, false, to}, // heard, but said nothing: ping so the peer hears
		{10 * ms, time.Hour, true, false, false, 840 * ms},
		{300 * ms, 0, false, true, false, 550 * ms},
		{300 * ms, 0, true, false, false, 550 * ms}, // one ping in flight is enough
		{849 * ms, 0, true, false, false, ms},
		{to, 0, true, false, true, 0},
		{to, 0, false, false, true, 0}, // nothing heard that long is dead, ping or not
		{time.Hour, 0, true, false, true, 0},
	} {
		ping, dead, wait := keepaliveStep(c.in, c.out, iv, to, c.pinging)
		if ping != c.ping || dead != c.dead || wait != c.wait {
			t.Errorf("quiet in %v, out %v, pinging %v: ping %v, dead %v, wait %v; want %v, %v, %v",
				c.in, c.out, c.pinging, ping, dead, wait, c.ping, c.dead, c.wait)
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
