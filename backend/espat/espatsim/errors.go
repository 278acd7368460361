package espatsim

import (
	"errors"
	"fmt"
)

// atError is an ERR CODE subcategory (bits 23..16 of the code printed by
// AT+SYSLOG=1). A command handler returns one to make the modem answer
// ERROR.
type atError uint8

const (
	errNoAT         atError = 0x03 // line does not start with "AT"
	errParamLength  atError = 0x04 // a parameter is too long
	errParamType    atError = 0x05 // string where a number belongs, or vice versa
	errParamCount   atError = 0x06 // missing or surplus parameters
	errParamInvalid atError = 0x07 // value out of range
	errParse        atError = 0x08 // malformed line
	errUnsupported  atError = 0x09 // unknown command or form
	errExec         atError = 0x0a // the command failed
	errOp           atError = 0x0c // not allowed in the current state
)

func (e atError) Error() string { return fmt.Sprintf("ERR CODE:0x%08x", e.code()) }

// code is the 32-bit value printed after "ERR CODE:".
func (e atError) code() uint32 { return 0x01000000 | uint32(e)<<16 }

// errHandled tells the dispatcher that the handler already printed the
// final result, went asynchronous or entered a data mode.
var errHandled = errors.New("espatsim: handled")

// errAlreadyServing is returned by Serve when the Sim already served.
var errAlreadyServing = errors.New("espatsim: Serve called twice")

// errNoConn reports an uplink function that returned neither a connection
// nor an error.
var errNoConn = errors.New("espatsim: uplink returned no connection")
