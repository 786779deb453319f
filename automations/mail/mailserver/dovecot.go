// Package mailserver runs a real mail server on this machine, for tests
// (through package mailtest) and the demo: Dovecot from the operating
// system (Debian's dovecot-imapd, Homebrew's dovecot) on a free loopback
// port with a throwaway configuration under a temporary folder, and an SMTP
// server built with github.com/emersion/go-smtp that delivers what it
// accepts into Dovecot's mailboxes by IMAP APPEND. Nothing listens beyond
// 127.0.0.1.
package mailserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// Options shape a Dovecot instance.
type Options struct {
	// TLS turns on a self-signed certificate for 127.0.0.1: STARTTLS on the
	// IMAP port, and an IMAPS port.
	TLS bool
	// Ready bounds the wait for Dovecot's greeting; zero means 30 seconds.
	Ready time.Duration
	// Binary is the dovecot program to run; empty means the one Binary
	// finds.
	Binary string
}

// Dovecot is a running Dovecot.
type Dovecot struct {
	// IMAPAddr is the plain (STARTTLS when Options.TLS) IMAP address.
	IMAPAddr string
	// IMAPSAddr is the implicit-TLS address, with Options.TLS only.
	IMAPSAddr string
	// CertPEM is the server's self-signed certificate, with Options.TLS.
	CertPEM []byte
	// Dir holds the configuration, the log and the mail.
	Dir string

	cmd    *exec.Cmd
	stop   []func()
	mu     sync.Mutex
	users  map[string]string
	uid    int
	gid    int
	logger string
}

// Binary finds Dovecot: $DOVECOT, else Debian's /usr/sbin/dovecot, else
// Homebrew's (/opt/homebrew/sbin on Apple silicon, /usr/local/sbin on
// Intel), else PATH.
func Binary() (string, error) { return BinaryEnv(os.Getenv) }

// BinaryEnv is Binary with $DOVECOT read through getenv, for a caller that
// keeps its own environment.
func BinaryEnv(getenv func(string) string) (string, error) {
	if p := getenv("DOVECOT"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("DOVECOT=%s: %w; point it at the dovecot binary, or unset it to look in the usual places", p, err)
		}
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/opt/homebrew/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("dovecot is not installed; run .ci/install-deps.sh test (Debian: apt-get install dovecot-imapd; macOS: brew install dovecot) or set DOVECOT to its path")
}

// configVersion returns the major and minor version of the Dovecot at bin
// ("2.3.19.1 (9b53102964)" gives 2, 3): 2.4 reads another configuration
// syntax than 2.3.
func configVersion(bin string) (int, int, error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, 0, fmt.Errorf("%s --version: %w", bin, err)
	}
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%d.%d", &major, &minor); err != nil {
		return 0, 0, fmt.Errorf("%s --version printed %q, not a version", bin, out)
	}
	return major, minor, nil
}

// pickPort is how start picks its ports; a test may hand out a taken one.
var pickPort = freePort

// freePort returns a loopback port nobody listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// mailOwner is the user the mail files belong to: the current user, or,
// for root (which Dovecot refuses as a mail user), Debian's dovecot user.
func mailOwner() (uid, gid int, internal string, login string) {
	if os.Geteuid() != 0 {
		u, _ := user.Current()
		name := strconv.Itoa(os.Geteuid())
		if u != nil {
			name = u.Username
		}
		return os.Geteuid(), os.Getegid(), name, name
	}
	uid, gid = 65534, 65534
	if u, err := user.Lookup("dovecot"); err == nil {
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	login = "dovenull"
	if _, err := user.Lookup(login); err != nil {
		login = "nobody"
	}
	return uid, gid, "root", login
}

// errPortTaken marks a start that failed because another process took
// one of the free ports between the moment it was picked and Dovecot's
// bind; the start is then tried again with new ports.
var errPortTaken = errors.New("port taken before dovecot could bind it")

// Start starts Dovecot with the given users (name to password); Close
// stops it and removes its folder.
func Start(users map[string]string, opts Options) (*Dovecot, error) {
	for try := 1; ; try++ {
		d, err := start(users, opts)
		if err == nil || try == 3 || !errors.Is(err, errPortTaken) {
			return d, err
		}
	}
}

func start(users map[string]string, opts Options) (d *Dovecot, err error) {
	bin := opts.Binary
	if bin == "" {
		if bin, err = Binary(); err != nil {
			return nil, err
		}
	}
	// A short folder of its own: Dovecot's sockets live under it, and a
	// socket path may not be longer than 107 bytes.
	dir, err := os.MkdirTemp("", "dovecot")
	if err != nil {
		return nil, err
	}
	uid, gid, internal, login := mailOwner()
	d = &Dovecot{Dir: dir, users: map[string]string{}, uid: uid, gid: gid, logger: filepath.Join(dir, "dovecot.log")}
	d.stop = append(d.stop, func() { _ = os.RemoveAll(dir) })
	// The error returns below set d to nil; what was started is stopped
	// through its own pointer.
	started := d
	defer func() {
		if err != nil {
			started.Close()
			d = nil
		}
	}()
	for _, sub := range []string{"run", "state", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	// The login process runs as another user and must reach its sockets.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chown(filepath.Join(dir, "home"), uid, gid); err != nil && os.Geteuid() == 0 {
		return nil, err
	}
	for u, p := range users {
		d.users[u] = p
	}
	if err := d.writeUsers(); err != nil {
		return nil, err
	}

	port, err := pickPort()
	if err != nil {
		return nil, err
	}
	d.IMAPAddr = fmt.Sprintf("127.0.0.1:%d", port)
	sslConf := "ssl = no\n"
	imapsPort := 0
	if opts.TLS {
		certPEM, keyPEM, err := selfSigned()
		if err != nil {
			return nil, err
		}
		d.CertPEM = certPEM
		cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if err := os.WriteFile(cert, certPEM, 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(key, keyPEM, 0o600); err != nil {
			return nil, err
		}
		if imapsPort, err = pickPort(); err != nil {
			return nil, err
		}
		d.IMAPSAddr = fmt.Sprintf("127.0.0.1:%d", imapsPort)
		sslConf = fmt.Sprintf("ssl = yes\nssl_cert = <%s\nssl_key = <%s\n", cert, key)
	}
	major, minor, err := configVersion(bin)
	if err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`# Throwaway configuration (Dovecot 2.3 settings:
# https://doc.dovecot.org/2.3/settings/core/).
protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
%[2]s
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = %[3]s
default_internal_group = %[3]s
default_login_user = %[4]s
mail_location = maildir:%[1]s/home/%%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/users
}
userdb {
  driver = static
  args = uid=%[5]d gid=%[6]d home=%[1]s/home/%%u
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[7]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[8]d
  }
  chroot =
}
service anvil {
  chroot =
}
`, dir, sslConf, internal, login, uid, gid, port, imapsPort)
	if major > 2 || major == 2 && minor >= 4 {
		conf = config24(dir, opts.TLS, internal, login, uid, gid, port, imapsPort)
	}
	if os.Geteuid() != 0 {
		conf = strings.Replace(conf, "first_valid_uid = 1", "first_valid_uid = "+strconv.Itoa(uid), 1)
	}
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-F", "-c", confPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dovecot: %w", err)
	}
	d.cmd = cmd
	// exited is closed when the process is gone, waitErr then says how;
	// both the start below and the stop may wait on it.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	d.stop = append(d.stop, func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	// Ready when the server greets.
	ready := opts.Ready
	if ready <= 0 {
		ready = 30 * time.Second
	}
	deadline := time.Now().Add(ready)
	for {
		c, err := net.DialTimeout("tcp", d.IMAPAddr, time.Second)
		if err == nil {
			buf := make([]byte, 64)
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, _ := c.Read(buf)
			c.Close()
			if strings.HasPrefix(string(buf[:n]), "* OK") {
				break
			}
		}
		select {
		case <-exited:
			err := waitErr
			log, _ := os.ReadFile(d.logger)
			if strings.Contains(out.String()+string(log), "Address already in use") {
				return nil, fmt.Errorf("%w: dovecot exited at start (%v): %s\n%s", errPortTaken, err, out.String(), log)
			}
			return nil, fmt.Errorf("dovecot exited at start (%v): %s\n%s", err, out.String(), log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(d.logger)
			return nil, fmt.Errorf("dovecot did not greet on %s within %v: %s\n%s", d.IMAPAddr, ready, out.String(), log)
		}
	}
	return d, nil
}

// Close stops Dovecot and removes its folder, mail included.
func (d *Dovecot) Close() {
	for i := len(d.stop) - 1; i >= 0; i-- {
		d.stop[i]()
	}
	d.stop = nil
}

func (d *Dovecot) writeUsers() error {
	var b strings.Builder
	for u, p := range d.users {
		fmt.Fprintf(&b, "%s:{PLAIN}%s\n", u, p)
	}
	return os.WriteFile(filepath.Join(d.Dir, "users"), []byte(b.String()), 0o644)
}

// AddUser adds (or changes) a user; passwd-file is read again when it changes.
func (d *Dovecot) AddUser(name, password string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users[name] = password
	return d.writeUsers()
}

// Password returns a user's password.
func (d *Dovecot) Password(name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.users[name]
}

// Log returns Dovecot's log so far.
func (d *Dovecot) Log() string {
	b, _ := os.ReadFile(d.logger)
	return string(b)
}

// Login opens an IMAP connection as the user.
func (d *Dovecot) Login(user string) (*client.Client, error) {
	c, err := client.Dial(d.IMAPAddr)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, d.Password(user)); err != nil {
		c.Logout()
		return nil, fmt.Errorf("login %s: %w", user, err)
	}
	return c, nil
}

// Append puts a raw message into a user's folder (created when missing).
func (d *Dovecot) Append(user, folder string, raw []byte, date time.Time) error {
	c, err := d.Login(user)
	if err != nil {
		return err
	}
	defer c.Logout()
	return appendTo(c, folder, raw, date)
}

// AppendMany puts raw messages into a user's folder over one connection,
// each received at its date.
func (d *Dovecot) AppendMany(user, folder string, raws [][]byte, dates []time.Time) error {
	c, err := d.Login(user)
	if err != nil {
		return err
	}
	defer c.Logout()
	for i, raw := range raws {
		if err := appendTo(c, folder, raw, dates[i]); err != nil {
			return fmt.Errorf("append message %d of %d: %w", i+1, len(raws), err)
		}
	}
	return nil
}

func appendTo(c *client.Client, folder string, raw []byte, date time.Time) error {
	if folder != "INBOX" {
		_ = c.Create(folder) // exists already is fine
	}
	if date.IsZero() {
		date = time.Now()
	}
	return c.Append(folder, nil, date, bytes.NewReader(raw))
}

// Count returns how many messages of the user's folder carry the
// Message-ID (all of them when messageID is empty).
func (d *Dovecot) Count(user, folder, messageID string) (int, error) {
	c, err := d.Login(user)
	if err != nil {
		return 0, err
	}
	defer c.Logout()
	if _, err := c.Select(folder, true); err != nil {
		return 0, err
	}
	crit := imap.NewSearchCriteria()
	if messageID != "" {
		crit.Header.Add("Message-Id", messageID)
	}
	ids, err := c.UidSearch(crit)
	return len(ids), err
}

// Maildir returns the folder on disk of a user's mailbox folder ("INBOX"
// or another), creating it; files written into its new/ subfolder are read
// by Dovecot at the next SELECT.
func (d *Dovecot) Maildir(user, folder string) (string, error) {
	p := filepath.Join(d.Dir, "home", user, "Maildir")
	if folder != "INBOX" {
		p = filepath.Join(p, "."+folder)
	}
	for _, sub := range []string{"", "new", "cur", "tmp"} {
		if err := os.MkdirAll(filepath.Join(p, sub), 0o700); err != nil {
			return "", err
		}
	}
	_ = filepath.Walk(filepath.Join(d.Dir, "home"), func(path string, _ os.FileInfo, err error) error {
		if err == nil {
			_ = os.Lchown(path, d.uid, d.gid)
		}
		return nil
	})
	return p, nil
}

// Own hands a file written into a maildir to the mail user.
func (d *Dovecot) Own(path string) {
	_ = os.Lchown(path, d.uid, d.gid)
}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), nil
}

// TLSConfig trusts the server's self-signed certificate.
func (d *Dovecot) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(d.CertPEM)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// config24 is the same throwaway configuration in Dovecot 2.4's syntax
// (https://doc.dovecot.org/2.4.0/installation/upgrade/2.3-to-2.4.html):
// the version lines first, mail_driver/mail_home/mail_path for
// mail_location, auth_allow_cleartext for disable_plaintext_auth,
// ssl_server_*_file for ssl_cert and ssl_key, named passdb and userdb
// sections with settings of their own, and %{user} for %u. Homebrew and
// Debian 13 ship 2.4.
func config24(dir string, withTLS bool, internal, login string, uid, gid, port, imapsPort int) string {
	sslConf := "ssl = no\n"
	if withTLS {
		sslConf = fmt.Sprintf("ssl = yes\nssl_server_cert_file = %s\nssl_server_key_file = %s\n",
			filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	}
	return fmt.Sprintf(`dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
# Throwaway configuration (Dovecot 2.4 settings:
# https://doc.dovecot.org/2.4.0/core/summaries/settings.html).
protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
%[2]s
auth_allow_cleartext = yes
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = %[3]s
default_internal_group = %[3]s
default_login_user = %[4]s
mail_driver = maildir
mail_home = %[1]s/home/%%{user}
mail_path = ~/Maildir
passdb passwd-file {
  passwd_file_path = %[1]s/users
}
userdb static {
  fields {
    uid = %[5]d
    gid = %[6]d
    home = %[1]s/home/%%{user}
  }
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    port = %[7]d
  }
  inet_listener imaps {
    port = %[8]d
  }
  chroot =
}
service anvil {
  chroot =
}
`, dir, sslConf, internal, login, uid, gid, port, imapsPort)
}
