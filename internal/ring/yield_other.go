//go:build !linux

package ring

import "time"

// osYield gives up the thread's CPU for a moment.
func osYield() { time.Sleep(time.Microsecond) }
