package espatsim

import (
	"testing"
	"time"
)

func TestCWJAP(t *testing.T) {
	cfg := baseConfig(V2)
	cfg.AutoJoin = ""
	h := newQuietHost(t, cfg)
	h.cmd("AT+CWJAP?", "No AP\r\n\r\nOK\r\n")
	h.cmd("AT+CWSTATE?", "+CWSTATE:0,\"\"\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSTA?", "+CIPSTA:ip:\"0.0.0.0\"\r\n+CIPSTA:gateway:\"0.0.0.0\"\r\n+CIPSTA:netmask:\"0.0.0.0\"\r\n\r\nOK\r\n")
	h.cmd(`AT+CWJAP="nope","x"`, "+CWJAP:3\r\n\r\nERROR\r\n")
	h.cmd(`AT+CWJAP="lab","wrong"`, "+CWJAP:2\r\n\r\nERROR\r\n")
	h.cmd(`AT+CWJAP="lab","secret"`, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
	h.cmd("AT+CWJAP?", "+CWJAP:\"lab\",\"aa:bb:cc:dd:ee:ff\",6,-40,0,1,3,0,1\r\n\r\nOK\r\n")
	h.cmd("AT+CWSTATE?", "+CWSTATE:2,\"lab\"\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSTA?", "+CIPSTA:ip:\"192.168.4.2\"\r\n+CIPSTA:gateway:\"192.168.4.1\"\r\n+CIPSTA:netmask:\"255.255.255.0\"\r\n\r\nOK\r\n")
	h.cmd("AT+CIFSR", "+CIFSR:STAIP,\"192.168.4.2\"\r\n+CIFSR:STAMAC,\"24:0a:c4:00:00:01\"\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSTATUS", "STATUS:2\r\n\r\nOK\r\n")
	// Joining again leaves the current AP first.
	h.cmd(`AT+CWJAP="lab","secret",,1`, "WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
	h.cmd("AT+CWQAP", "\r\nOK\r\nWIFI DISCONNECT\r\n")
	h.cmd("AT+CWSTATE?", "+CWSTATE:4,\"\"\r\n\r\nOK\r\n")
	// The join was saved (SYSSTORE=1): AT+CWJAP rejoins, AT+RST auto-joins.
	h.cmd("AT+CWJAP", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
	h.cmd("AT+RST", "\r\nOK\r\n\r\nready\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n")
}

func TestCWJAPAT17(t *testing.T) {
	cfg := baseConfig(AT17)
	cfg.AutoJoin = ""
	h := newQuietHost(t, cfg)
	h.cmd(`AT+CWJAP_CUR="lab","wrong"`, "+CWJAP:2\r\n\r\nFAIL\r\n")
	h.cmd(`AT+CWJAP_CUR="lab","secret"`, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
	h.cmd("AT+CWJAP_CUR?", "+CWJAP_CUR:\"lab\",\"aa:bb:cc:dd:ee:ff\",6,-40\r\n\r\nOK\r\n")
	h.cmd("AT+CWJAP", "\r\nERROR\r\n")
	// _CUR is not saved: after a reset the station is idle.
	h.cmd("AT+RST", "\r\nOK\r\n"+bootNoise8266+"\r\nready\r\n")
	h.cmd("ATE0", "ATE0\r\n\r\nOK\r\n")
	h.cmd(`AT+CIPSTA_CUR="10.0.0.7"`, "\r\nOK\r\n")
	h.cmd(`AT+CWJAP_DEF="lab","secret"`, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSTA_CUR?", "+CIPSTA_CUR:ip:\"10.0.0.7\"\r\n+CIPSTA_CUR:gateway:\"192.168.4.1\"\r\n+CIPSTA_CUR:netmask:\"255.255.255.0\"\r\n\r\nOK\r\n")
	h.cmd("AT+RST", "\r\nOK\r\n"+bootNoise8266+"\r\nready\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n")
}

func TestCWMODE(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CWMODE?", "+CWMODE:1\r\n\r\nOK\r\n")
	h.cmd("AT+CWMODE=3", "\r\nOK\r\n")
	h.cmd("AT+CIFSR", "+CIFSR:APIP,\"192.168.4.1\"\r\n+CIFSR:APMAC,\"26:0a:c4:00:00:01\"\r\n+CIFSR:STAIP,\"192.168.4.2\"\r\n+CIFSR:STAMAC,\"24:0a:c4:00:00:01\"\r\n\r\nOK\r\n")
	h.cmd("AT+CWMODE=2", "\r\nOK\r\nWIFI DISCONNECT\r\n")
	h.cmd(`AT+CWJAP="lab","secret"`, "\r\nERROR\r\n")
	h.cmd("AT+CWMODE=4", "\r\nERROR\r\n")
	// SYSSTORE=0: the mode is not saved, so AT+RST brings back mode 2.
	h.cmd("AT+SYSSTORE=0", "\r\nOK\r\n")
	h.cmd("AT+CWMODE=1", "\r\nOK\r\n")
	h.cmd("AT+RST", "\r\nOK\r\n\r\nready\r\n")
	h.cmd("AT+CWMODE?", "AT+CWMODE?\r\n+CWMODE:2\r\n\r\nOK\r\n")
}

func TestCIPSTASet(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd(`AT+CIPSTA="192.168.7.9","192.168.7.1","255.255.0.0"`, "\r\nOK\r\n")
	h.cmd("AT+CIPSTA?", "+CIPSTA:ip:\"192.168.7.9\"\r\n+CIPSTA:gateway:\"192.168.7.1\"\r\n+CIPSTA:netmask:\"255.255.0.0\"\r\n\r\nOK\r\n")
	h.cmd(`AT+CIPSTA="300.1.1.1"`, "\r\nERROR\r\n")
}

// A slow join answers busy p... meanwhile; Reset abandons it.
func TestJoinDelayBusyAndReset(t *testing.T) {
	cfg := baseConfig(V2)
	cfg.AutoJoin = ""
	cfg.JoinDelay = time.Hour
	h := newQuietHost(t, cfg)
	h.send("AT+CWJAP=\"lab\",\"secret\"\r\n")
	h.cmd("AT", "\r\nbusy p...\r\n")
	h.sim.Reset()
	h.expect("\r\nready\r\n")
	h.cmd("AT", "AT\r\n\r\nOK\r\n")
}
