package ring

// SetHandoffHook installs f to run in Write right after a hand-off copied
// bytes into a parked reader's buffer; nil removes it. Tests use it to
// act in the window before the Write returns.
func SetHandoffHook(f func()) { handoffHook = f }
