package yamux

import (
	"sync/atomic"
	"time"
)

// Data frame sizing. A frame holds the link until its last byte is out,
// and every frame queued behind it waits: keepalive pings and their
// answers, other streams' frames, window updates. On a fast link a large
// frame costs less per byte; on a slow one (a serial line at 115200 baud
// moves 11.5 KB/s) a 128 KiB frame holds the link for 11 s, past the
// keepalive's timeout and the frame write timeout. So each link sizes its
// frames from how long its writes take (pacer): at most about frameTime
// of the link each, between minFrame and the link's cap (frameLimit).
const (
	frameTime = 50 * time.Millisecond
	minFrame  = 1 << 10
	// firstFrame is the limit until the link has shown its speed. Every
	// busy stream has a frame queued before the first one is out, so the
	// link starts small and grows (to 32 KiB in five fast frames).
	firstFrame = minFrame
	// paceFrom is the smallest frame body the pacer times: smaller ones
	// could neither shrink the limit (minFrame) nor grow it (half of it).
	paceFrom = minFrame / 2
)

// pacer holds a link's current data frame size. Only yamux's send loop
// (through frameLink) updates it; send pumps read it for every frame.
type pacer struct {
	limit atomic.Int64 // largest data frame body to write now
	most  int64        // the link's cap
}

func (p *pacer) init(most int) {
	p.most = int64(most)
	p.limit.Store(min(firstFrame, p.most))
}

// largest returns the link's cap: the largest frame it will ever allow.
func (p *pacer) largest() int { return int(p.most) }

// frameMax returns the largest data frame body a pump should write now.
func (p *pacer) frameMax() int { return int(p.limit.Load()) }

// wrote learns from a data frame body of n bytes that took d to write.
// A frame slower than frameTime sets the limit to what would have taken
// frameTime at that speed; a frame of at least half the limit written in
// under a quarter of frameTime doubles it, so it grows back only while a
// frame of the new size still fits in frameTime.
func (p *pacer) wrote(n int, d time.Duration) {
	lim := p.limit.Load()
	switch {
	case d > frameTime:
		fit := int64(n) * int64(frameTime) / int64(d)
		if fit = max(fit, minFrame); fit < lim {
			p.limit.Store(fit)
		}
	case d < frameTime/4 && int64(n) >= lim/2 && lim < p.most:
		p.limit.Store(min(2*lim, p.most))
	}
}
