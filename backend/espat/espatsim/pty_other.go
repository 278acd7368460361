//go:build !unix

package espatsim

import (
	"context"
	"errors"
)

// ServePTY needs a Unix pseudo-terminal; on this system it fails. Use
// ListenAndServeTCP with a serial-over-TCP client, or Pipe, instead.
func ServePTY(ctx context.Context, cfg Config, ready func(path string)) error {
	return errors.ErrUnsupported
}
