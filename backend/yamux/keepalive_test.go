package yamux

import (
	"testing"
	"time"
)

// TestKeepaliveStep: a link quiet for the interval gets one ping at a
// time, one quiet for the timeout is dead, and the keepalive next looks
// when the first of those can happen.
func TestKeepaliveStep(t *testing.T) {
	const iv, to = 250 * time.Millisecond, 850 * time.Millisecond
	ms := time.Millisecond
	for _, c := range []struct {
		quiet      time.Duration
		pinging    bool
		ping, dead bool
		wait       time.Duration
	}{
		{0, false, false, false, iv},
		{100 * ms, false, false, false, 150 * ms},
		{100 * ms, true, false, false, 150 * ms}, // an answer came back early
		{iv, false, true, false, to - iv},
		{300 * ms, false, true, false, 550 * ms},
		{300 * ms, true, false, false, 550 * ms}, // one ping in flight is enough
		{849 * ms, true, false, false, ms},
		{to, true, false, true, 0},
		{to, false, false, true, 0}, // quiet that long is dead, ping or not
		{time.Hour, true, false, true, 0},
	} {
		ping, dead, wait := keepaliveStep(c.quiet, iv, to, c.pinging)
		if ping != c.ping || dead != c.dead || wait != c.wait {
			t.Errorf("quiet %v, pinging %v: ping %v, dead %v, wait %v; want %v, %v, %v",
				c.quiet, c.pinging, ping, dead, wait, c.ping, c.dead, c.wait)
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
