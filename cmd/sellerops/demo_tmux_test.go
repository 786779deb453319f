package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
)

// tmuxSession drives one program in a real terminal.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
	// ended is what the command line prints once the program has ended,
	// and log the program's log file: a wait that fails shows its end.
	ended, log string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string {
	s.t.Helper()
	out, err := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-t", s.name).CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

func (s *tmuxSession) text(text string) {
	s.t.Helper()
	s.tmux("send-keys", "-t", s.name, "-l", text)
}

// waitFor polls the terminal until it shows want. A terminal gives no event
// to wait on, so this is a poll of the screen, bounded by the test's
// deadline.
func (s *tmuxSession) waitFor(want string) string {
	s.t.Helper()
	deadline := testwait.Deadline(s.t)
	var last string
	for time.Now().Before(deadline) {
		last = s.screen()
		if strings.Contains(last, want) {
			return last
		}
		if s.ended != "" && strings.Contains(last, s.ended) {
			s.t.Fatalf("the program ended before the terminal showed %q; last screen:\n%s%s", want, last, s.logTail())
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.t.Fatalf("the terminal never showed %q; last screen:\n%s%s", want, last, s.logTail())
	return ""
}

// logTail is the end of the program's log, for a failure message.
func (s *tmuxSession) logTail() string {
	b, err := os.ReadFile(s.log)
	if s.log == "" || err != nil {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "\nthe end of its log:\n" + string(b)
}

// freePorts finds n consecutive free loopback ports. They are looked for
// below 32768, where neither Linux (32768-60999) nor macOS (49152-65535)
// hands out ports to a listener on port 0 or to an outgoing connection, so
// that the servers and browsers of other tests running meanwhile do not
// take them before the program under test does.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for base := 20000 + os.Getpid()%10000; base+n <= 32768; base += n + 7 {
		ok := true
		var held []net.Listener
		for i := 0; i < n; i++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				ok = false
				break
			}
			held = append(held, l)
		}
		for _, l := range held {
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free loopback ports")
	return 0
}

type sandboxState struct {
	Replies map[string][]struct {
		Body string `json:"body"`
		Ref  string `json:"ref"`
	} `json:"replies"`
	Claims map[string][]json.RawMessage `json:"claims"`
}

func readSandboxState(t *testing.T, controlURL string) sandboxState {
	t.Helper()
	resp, err := http.Get(controlURL + "/__sandbox/state")
	if err != nil {
		t.Fatalf("sandbox state: %v", err)
	}
	defer resp.Body.Close()
	var st sandboxState
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("sandbox state: %v", err)
	}
	return st
}

// waitState polls the sandbox until its state is done; a failure shows the
// terminal and the program's log too.
func (s *tmuxSession) waitState(controlURL string, done func(sandboxState) bool) sandboxState {
	t := s.t
	t.Helper()
	deadline := testwait.Deadline(t)
	var st sandboxState
	for time.Now().Before(deadline) {
		st = readSandboxState(t, controlURL)
		if done(st) {
			return st
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("the sandbox never reached the expected state: %+v; last screen:\n%s%s", st, s.screen(), s.logTail())
	return st
}

// TestDemoInRealTerminal runs `sellerops demo` in tmux as a person would:
// it waits for the dashboard, moves to the inbox, replies to a thread with a
// template, checks that the sandbox received the reply, then files a claim
// through the confirmation dialog and checks the portal received it.
func TestDemoInRealTerminal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("drives the whole demo in a terminal; not in -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is needed for the terminal test (make test installs it): %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sellerops")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	base := freePorts(t, 8)
	control := fmt.Sprintf("http://127.0.0.1:%d", base+7)

	s := &tmuxSession{t: t, socket: fmt.Sprintf("sellerops-test-%d", os.Getpid()), name: "demo",
		ended: "sellerops demo ended with exit code", log: filepath.Join(dir, "sellerops.log")}
	env := []string{
		"HOME=" + dir, "XDG_DATA_HOME=" + dir + "/data", "XDG_CONFIG_HOME=" + dir + "/config",
		"SELLEROPS_DB=" + dir + "/data/demo.db", "SELLEROPS_LOG=" + dir + "/sellerops.log",
		"TERM=xterm-256color", "LANG=C.UTF-8",
	}
	cmdline := fmt.Sprintf("env %s %s demo --orders 30 --addr 127.0.0.1:%d; echo %s $?; sleep 600", strings.Join(env, " "), bin, base, s.ended)
	s.tmux("new-session", "-d", "-s", s.name, "-x", "120", "-y", "40", cmdline)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })

	s.waitFor("1 Overview")
	s.waitFor("demo-amazon")

	// Inbox: open the first thread and reply with the "thanks" template.
	s.keys("2")
	s.waitFor("threads")
	s.keys("Enter")
	s.waitFor("r reply")
	s.keys("r")
	s.waitFor("ctrl+s send")
	for i := 0; i < 8 && !strings.Contains(s.screen(), "thank you for your message"); i++ {
		s.keys("C-t")
		time.Sleep(300 * time.Millisecond)
	}
	if !strings.Contains(strings.ToLower(s.screen()), "thank you for your message") {
		t.Fatalf("the thanks template never filled the composer:\n%s", s.screen())
	}
	before := readSandboxState(t, control)
	s.keys("C-s")
	st := s.waitState(control, func(st sandboxState) bool { return len(st.Replies) > len(before.Replies) })
	found := false
	for _, rs := range st.Replies {
		for _, r := range rs {
			found = found || strings.Contains(strings.ToLower(r.Body), "thank you for your message")
		}
	}
	if !found {
		t.Fatalf("the sandbox holds no reply with the template's text: %+v", st.Replies)
	}

	// Claims: file the first draft through the confirmation dialog.
	// Keys sent together can read as one chord (esc then 4 is alt+4), so
	// each waits for the screen it leads to.
	s.keys("Escape")
	s.waitFor("enter open")
	s.keys("4")
	s.waitFor("draft")
	s.keys("f")
	s.waitFor("File claim")
	claimsBefore := len(readSandboxState(t, control).Claims)
	s.keys("y")
	s.waitState(control, func(st sandboxState) bool { return len(st.Claims) > claimsBefore })
	s.waitFor("submitted")

	s.keys("q")
}
