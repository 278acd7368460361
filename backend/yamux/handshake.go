package yamux

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
)

// The link handshake runs on the raw link before yamux starts
// (PROTOCOL.md, "Handshake"). Both sides draw a nonce; each proves
// knowledge of the pre-shared key with HMAC-SHA256 over both nonces under
// its own label, so the key never crosses the link and no proof can be
// replayed or reflected.

const (
	helloMagic   = "OFLY"
	protoVersion = 1
	nonceSize    = 32
	macSize      = sha256.Size

	clientHelloSize  = 4 + 1 + 1 + nonceSize
	gatewayHelloSize = 4 + 1 + 1 + 1 + nonceSize + macSize

	flagHasKey = 1 << 0
	// flagFinAck, in the client's hello, asks for FINACK messages; in the
	// gateway's, it promises them (PROTOCOL.md, "Control stream").
	flagFinAck = 1 << 1

	labelGateway = "offload-yamux v1 gateway"
	labelClient  = "offload-yamux v1 client"
)

// Handshake status codes.
const (
	hsOK           uint8 = 0
	hsVersion      uint8 = 1 // unsupported version
	hsAuthRequired uint8 = 2 // the gateway needs a key the client lacks
	hsBusy         uint8 = 3 // session limit reached
	hsAuthFailed   uint8 = 4 // wrong proof
)

// proof computes HMAC-SHA256(key, label || client nonce || gateway nonce).
func proof(key []byte, label string, cn, gn []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	m.Write(cn)
	m.Write(gn)
	return m.Sum(nil)
}

// clientHandshake authenticates the client end of a link and returns
// the flags of the gateway's hello.
func clientHandshake(link io.ReadWriter, key []byte) (uint8, error) {
	hello := make([]byte, 0, clientHelloSize)
	hello = append(hello, helloMagic...)
	hello = append(hello, protoVersion, hasKeyFlag(key)|flagFinAck)
	cn := randomNonce()
	hello = append(hello, cn...)
	if _, err := link.Write(hello); err != nil {
		return 0, err
	}
	gh := make([]byte, gatewayHelloSize)
	if _, err := io.ReadFull(link, gh); err != nil {
		return 0, err
	}
	gn, err := checkGatewayHello(gh, cn, key)
	if err != nil {
		return 0, err
	}
	mine := make([]byte, macSize)
	if len(key) > 0 {
		mine = proof(key, labelClient, cn, gn)
	}
	if _, err := link.Write(mine); err != nil {
		return 0, err
	}
	var verdict [1]byte
	if _, err := io.ReadFull(link, verdict[:]); err != nil {
		return 0, err
	}
	return gh[6], handshakeError(verdict[0])
}

// checkGatewayHello validates the gateway's hello and proof and returns
// the gateway's nonce.
func checkGatewayHello(gh, cn, key []byte) ([]byte, error) {
	if string(gh[:4]) != helloMagic {
		return nil, ErrBadHandshake
	}
	if err := handshakeError(gh[5]); err != nil {
		return nil, err
	}
	if gh[4] != protoVersion {
		return nil, ErrVersion
	}
	gn, gp := gh[7:7+nonceSize], gh[7+nonceSize:]
	if len(key) == 0 {
		return gn, nil
	}
	if gh[6]&flagHasKey == 0 || !hmac.Equal(gp, proof(key, labelGateway, cn, gn)) {
		return nil, ErrAuthFailed
	}
	return gn, nil
}

func handshakeError(st uint8) error {
	switch st {
	case hsOK:
		return nil
	case hsVersion:
		return ErrVersion
	case hsBusy:
		return ErrGatewayBusy
	case hsAuthRequired, hsAuthFailed:
		return ErrAuthFailed
	}
	return ErrBadHandshake
}

// gatewayHandshake authenticates the gateway end of a link and returns
// the flags of the client's hello. With an empty key the client is
// accepted unauthenticated (Gateway.NoAuth). busy refuses the link after
// reading the client's hello.
func gatewayHandshake(link io.ReadWriter, key []byte, busy bool) (uint8, error) {
	ch := make([]byte, clientHelloSize)
	if _, err := io.ReadFull(link, ch); err != nil {
		return 0, err
	}
	if string(ch[:4]) != helloMagic {
		return 0, ErrBadHandshake
	}
	cn := ch[6:]
	st := hsOK
	switch {
	case ch[4] != protoVersion:
		st = hsVersion
	case busy:
		st = hsBusy
	case len(key) > 0 && ch[5]&flagHasKey == 0:
		st = hsAuthRequired
	}
	gn := randomNonce()
	gh := append([]byte(helloMagic), protoVersion, st, hasKeyFlag(key)|flagFinAck)
	gh = append(gh, gn...)
	if len(key) > 0 && st == hsOK {
		gh = append(gh, proof(key, labelGateway, cn, gn)...)
	} else {
		gh = append(gh, make([]byte, macSize)...)
	}
	if _, err := link.Write(gh); err != nil {
		return 0, err
	}
	if st != hsOK {
		return 0, handshakeError(st)
	}
	return ch[5], gatewayVerify(link, key, cn, gn)
}

// gatewayVerify reads the client's proof and sends the verdict.
func gatewayVerify(link io.ReadWriter, key, cn, gn []byte) error {
	cp := make([]byte, macSize)
	if _, err := io.ReadFull(link, cp); err != nil {
		if len(key) > 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
			// A client whose key differs rejects our proof and hangs up.
			return fmt.Errorf("%w (the client left before proving the key: %v)", ErrAuthFailed, err)
		}
		return err
	}
	verdict := hsOK
	if len(key) > 0 && !hmac.Equal(cp, proof(key, labelClient, cn, gn)) {
		verdict = hsAuthFailed
	}
	if _, err := link.Write([]byte{verdict}); err != nil {
		return err
	}
	return handshakeError(verdict)
}

func hasKeyFlag(key []byte) uint8 {
	if len(key) > 0 {
		return flagHasKey
	}
	return 0
}

func randomNonce() []byte {
	n := make([]byte, nonceSize)
	rand.Read(n) // crypto/rand.Read never fails (it crashes the program instead)
	return n
}
