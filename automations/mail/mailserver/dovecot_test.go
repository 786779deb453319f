package mailserver

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// A port another process takes between the pick and Dovecot's bind makes
// Dovecot exit at start; Start picks new ports and tries again instead of
// failing the caller. Not parallel: it swaps the package's port picker.
func TestStartRetriesWhenThePortIsTaken(t *testing.T) {
	if _, err := Binary(); err != nil {
		t.Fatalf("this test runs the real Dovecot: %v", err)
	}
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	taken := held.Addr().(*net.TCPAddr).Port
	var picks atomic.Int32
	pickPort = func() (int, error) {
		if picks.Add(1) == 1 {
			return taken, nil
		}
		return freePort()
	}
	defer func() { pickPort = freePort }()

	d, err := Start(map[string]string{"shop": "pw"}, Options{})
	if err != nil {
		t.Fatalf("start with the first port taken: %v", err)
	}
	defer d.Close()
	if strings.HasSuffix(d.IMAPAddr, ":"+strconv.Itoa(taken)) {
		t.Fatalf("Dovecot says it serves on the taken port %s", d.IMAPAddr)
	}
	if picks.Load() < 2 {
		t.Fatalf("%d port picks; the taken port was never replaced", picks.Load())
	}
	c, err := net.Dial("tcp", d.IMAPAddr)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	_, _ = c.Read(buf)
	c.Close()
	if string(buf) != "* OK" {
		t.Fatalf("greeting %q on %s, want * OK", buf, d.IMAPAddr)
	}
}
