package espatsim

import "testing"

func TestCIPDOMAIN(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd(`AT+CIPDOMAIN="localhost.test"`, "+CIPDOMAIN:\"127.0.0.1\"\r\n\r\nOK\r\n")
	h.cmd(`AT+CIPDOMAIN="localhost.test",3`, "+CIPDOMAIN:\"::1\"\r\n\r\nOK\r\n")
	h.cmd(`AT+CIPDOMAIN="v6only.test",2`, "\r\nERROR\r\n")
	h.cmd(`AT+CIPDOMAIN="v6only.test"`, "+CIPDOMAIN:\"::1\"\r\n\r\nOK\r\n")
	h.cmd(`AT+CIPDOMAIN="nowhere.test"`, "\r\nERROR\r\n")
	h.cmd(`AT+CIPDOMAIN="10.1.2.3"`, "+CIPDOMAIN:\"10.1.2.3\"\r\n\r\nOK\r\n")
	h.cmd(`AT+CIPDOMAIN=localhost`, "\r\nERROR\r\n")

	h17 := newQuietHost(t, baseConfig(AT17))
	h17.cmd(`AT+CIPDOMAIN="localhost.test"`, "+CIPDOMAIN:127.0.0.1\r\n\r\nOK\r\n")
}

func TestCIPSTARTByName(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	p := newPeer(t)
	// TCP names go to Config.Dial, which resolves them itself.
	h.cmd(`AT+CIPSTART="TCP","localhost",`+itoa(p.port()), "CONNECT\r\n\r\nOK\r\n")
	p.accept()
}
