//go:build !linux

package espat

import "errors"

// prepareFlowControl: RTS/CTS is only implemented on Linux.
func prepareFlowControl(string) (flowSetter, error) { return nil, errors.ErrUnsupported }
