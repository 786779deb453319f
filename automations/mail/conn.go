// Package mail is the email channel of a store: buyer messages read over
// IMAP (RFC 3501) and answered over SMTP (RFC 5321), for Amazon's
// buyer-seller relay, eBay's member messages and independent shops. It
// writes the same threads, messages, attachments and outbox rows as the
// browser flows of package marketplace, whose MailChannel it implements.
package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// ErrInvalidInput marks a bad value given by the operator; the message
// names it and the fix.
var ErrInvalidInput = messages.ErrInvalidInput

// Deps are what the email channel needs. DB and Secrets are required.
type Deps struct {
	DB      *localdb.DB
	Secrets secrets.Store
	// Rules are the marketplaces' relay and notification keys; nil means
	// the built-in relay.yaml.
	Rules  Rules
	Logger *slog.Logger
	// EvidenceDir receives the raw mail (mode 0600) of every mail that
	// could not be read whole. Empty keeps none.
	EvidenceDir string
	// AttachmentDir receives attachments, one folder per store. Empty
	// records them without saving the files.
	AttachmentDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Config gives the stores' expected languages (stores[].languages) to
	// language detection; nil means none.
	Config *config.Config
	// RootCAs, when set, are the only certificate authorities trusted
	// (tests trust their own self-signed server); nil means the system's.
	RootCAs *x509.CertPool
	// Timeout bounds each network step (dial, login, one command); zero
	// means one minute.
	Timeout time.Duration
	// Hook, when set, is called at each named step of a reply (see
	// ReplyPoints) and of a sync (SyncPointMailWritten). Tests use it to
	// stop the process at a chosen point.
	Hook func(point string)
	// MaxMailBytes is the size (RFC822.SIZE) above which a mail is not
	// fetched whole (see fetchLarge); zero means DefaultMaxMailBytes.
	MaxMailBytes int64
	// ChunkMails is how many mails one fetch and one transaction hold at
	// most; zero means 200.
	ChunkMails int
}

func (d *Deps) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

func (d *Deps) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC()
	}
	return d.Now().UTC()
}

func (d *Deps) timeout() time.Duration {
	if d.Timeout <= 0 {
		return time.Minute
	}
	return d.Timeout
}

func (d *Deps) hook(p string) {
	if d.Hook != nil {
		d.Hook(p)
	}
}

func (d *Deps) rules() Rules {
	if d.Rules == nil {
		r, err := LoadRules("")
		if err != nil {
			panic(err) // the built-in file is tested
		}
		d.Rules = r
	}
	return d.Rules
}

// account returns the store's mail account and password.
func (d *Deps) account(ctx context.Context, st localdb.Store) (localdb.MailAccount, string, error) {
	acct, err := d.DB.GetMailAccount(ctx, st.ID)
	if err != nil {
		return localdb.MailAccount{}, "", fmt.Errorf("store %s has no email account: %w", st.Name, err)
	}
	pw, err := d.Secrets.Get(ctx, secrets.StorePasswordKey(st.Name))
	if err != nil {
		return localdb.MailAccount{}, "", fmt.Errorf("store %s: read the mail password: %w", st.Name, err)
	}
	return acct, pw, nil
}

func (d *Deps) tlsConfig(host string) *tls.Config {
	return &tls.Config{ServerName: host, RootCAs: d.RootCAs, MinVersion: tls.VersionTLS12}
}

// netError classifies a failure to reach or talk to a mail server. A
// certificate the client does not trust names the host and the fix.
func netError(step, host string, port int, sec localdb.MailSecurity, err error) error {
	if err == nil {
		return nil
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		header   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown), errors.As(err, &verify):
		return &automations.Failure{Class: automations.SiteError, Step: step, Err: fmt.Errorf(
			"the certificate of %s is not signed by an authority this machine trusts (%v); if the server uses a private or self-signed certificate, add its CA to the system's trust store (update-ca-certificates), or check that %s is the right host", addr, err, host)}
	case errors.As(err, &hostname):
		return &automations.Failure{Class: automations.SiteError, Step: step, Err: fmt.Errorf(
			"the certificate of %s is not for %q (%v); give the host name the certificate names (see `sellerops stores update`)", addr, host, err)}
	case errors.As(err, &invalid):
		return &automations.Failure{Class: automations.SiteError, Step: step, Err: fmt.Errorf(
			"the certificate of %s is not valid (%v): expired or not yet valid; check the server's certificate and this machine's clock", addr, err)}
	case errors.As(err, &header):
		return &automations.Failure{Class: automations.SiteError, Step: step, Err: fmt.Errorf(
			"%s does not speak TLS on this port (security %s); use --imap-security/--smtp-security starttls or plain, or the TLS port (993 for IMAP, 465 for SMTP)", addr, sec)}
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return &automations.Failure{Class: automations.Timeout, Step: step, Err: fmt.Errorf("%s: %w", addr, err)}
	case errors.Is(err, context.Canceled):
		return &automations.Failure{Class: automations.Canceled, Step: step, Err: err}
	}
	return &automations.Failure{Class: automations.SiteError, Step: step, Err: fmt.Errorf("%s: %w", addr, err)}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// imapConn is a logged-in IMAP connection.
type imapConn struct {
	c    *client.Client
	acct localdb.MailAccount
}

// dialIMAP connects and logs in. A refused login is auth_failed.
func (d *Deps) dialIMAP(ctx context.Context, acct localdb.MailAccount, password string) (*imapConn, error) {
	dialer := &net.Dialer{Timeout: d.timeout()}
	addr := net.JoinHostPort(acct.IMAPHost, strconv.Itoa(acct.IMAPPort))
	var c *client.Client
	var err error
	switch acct.IMAPSecurity {
	case localdb.MailTLS:
		c, err = client.DialWithDialerTLS(dialer, addr, d.tlsConfig(acct.IMAPHost))
	default:
		c, err = client.DialWithDialer(dialer, addr)
	}
	if err != nil {
		return nil, netError("imap.connect", acct.IMAPHost, acct.IMAPPort, acct.IMAPSecurity, err)
	}
	c.Timeout = d.timeout()
	c.ErrorLog = log.New(io.Discard, "", 0) // a connection closed on purpose is not news
	stop := context.AfterFunc(ctx, func() { _ = c.Terminate() })
	defer stop()
	if acct.IMAPSecurity == localdb.MailSTARTTLS {
		if ok, _ := c.SupportStartTLS(); !ok {
			_ = c.Terminate()
			return nil, &automations.Failure{Class: automations.SiteError, Step: "imap.starttls", Err: fmt.Errorf(
				"%s does not offer STARTTLS; use --imap-security tls with port 993, or plain only for a server on this machine", addr)}
		}
		if err := c.StartTLS(d.tlsConfig(acct.IMAPHost)); err != nil {
			_ = c.Terminate()
			return nil, netError("imap.starttls", acct.IMAPHost, acct.IMAPPort, acct.IMAPSecurity, err)
		}
	}
	if err := c.Login(acct.Username, password); err != nil {
		_ = c.Terminate()
		if ctx.Err() != nil {
			return nil, netError("imap.login", acct.IMAPHost, acct.IMAPPort, acct.IMAPSecurity, ctx.Err())
		}
		var ne net.Error
		if errors.As(err, &ne) {
			return nil, netError("imap.login", acct.IMAPHost, acct.IMAPPort, acct.IMAPSecurity, err)
		}
		return nil, &automations.Failure{Class: automations.AuthFailed, Step: "imap.login", Err: fmt.Errorf(
			"%s refused the login of %s (%v); check the username and password (for Gmail or Microsoft 365 an app password), then `sellerops stores update`", addr, acct.Username, err)}
	}
	return &imapConn{c: c, acct: acct}, nil
}

func (ic *imapConn) close() {
	if ic == nil || ic.c == nil {
		return
	}
	if err := ic.c.Logout(); err != nil {
		_ = ic.c.Terminate()
	}
}

// dialSMTP connects, secures and authenticates a submission session. A
// refused login is auth_failed.
func (d *Deps) dialSMTP(ctx context.Context, acct localdb.MailAccount, password string) (*smtp.Client, error) {
	addr := net.JoinHostPort(acct.SMTPHost, strconv.Itoa(acct.SMTPPort))
	dialer := &net.Dialer{Timeout: d.timeout()}
	var conn net.Conn
	var err error
	if acct.SMTPSecurity == localdb.MailTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: d.tlsConfig(acct.SMTPHost)}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, netError("smtp.connect", acct.SMTPHost, acct.SMTPPort, acct.SMTPSecurity, err)
	}
	var c *smtp.Client
	if acct.SMTPSecurity == localdb.MailSTARTTLS {
		c, err = smtp.NewClientStartTLS(conn, d.tlsConfig(acct.SMTPHost))
		if err != nil {
			conn.Close()
			return nil, netError("smtp.starttls", acct.SMTPHost, acct.SMTPPort, acct.SMTPSecurity, err)
		}
	} else {
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout = d.timeout()
	c.SubmissionTimeout = d.timeout()
	if err := c.Hello("localhost"); err != nil {
		c.Close()
		return nil, netError("smtp.hello", acct.SMTPHost, acct.SMTPPort, acct.SMTPSecurity, err)
	}
	if err := c.Auth(sasl.NewPlainClient("", acct.Username, password)); err != nil {
		c.Close()
		var se *smtp.SMTPError
		if errors.As(err, &se) && (se.Code == 535 || se.Code == 534 || se.Code == 530) {
			return nil, &automations.Failure{Class: automations.AuthFailed, Step: "smtp.login", Err: fmt.Errorf(
				"%s refused the login of %s (%v); check the username and password (for Gmail or Microsoft 365 an app password), then `sellerops stores update`", addr, acct.Username, err)}
		}
		return nil, netError("smtp.login", acct.SMTPHost, acct.SMTPPort, acct.SMTPSecurity, err)
	}
	return c, nil
}

// Test logs in to the store's IMAP and SMTP servers and out again.
func Test(ctx context.Context, d *Deps, st localdb.Store) error {
	acct, pw, err := d.account(ctx, st)
	if err != nil {
		return err
	}
	ic, err := d.dialIMAP(ctx, acct, pw)
	if err != nil {
		return fmt.Errorf("IMAP: %w", err)
	}
	ic.close()
	sc, err := d.dialSMTP(ctx, acct, pw)
	if err != nil {
		return fmt.Errorf("SMTP: %w", err)
	}
	_ = sc.Quit()
	return nil
}

// cleanSubject drops reply and forward prefixes (Re:, Fwd:, AW:, 回复:),
// so that a thread keeps the subject the buyer first wrote.
func cleanSubject(s string) string {
	s = strings.TrimSpace(s)
	for {
		lower := strings.ToLower(s)
		cut := false
		for _, p := range []string{"re:", "fw:", "fwd:", "aw:", "wg:", "sv:", "tr:", "réf:", "回复:", "答复:", "転送:", "re：", "回复："} {
			if strings.HasPrefix(lower, p) {
				s = strings.TrimSpace(s[len(p):])
				cut = true
				break
			}
		}
		if !cut {
			return s
		}
	}
}
