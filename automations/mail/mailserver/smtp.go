package mailserver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPOptions shape the test SMTP server.
type SMTPOptions struct {
	// SaveToSent also files each accepted message into the sender's Sent
	// folder, as Gmail and Microsoft 365 do; without it the client must.
	SaveToSent bool
	// Sent is the name of the Sent folder; empty means "Sent".
	Sent string
}

// SMTP is a submission server that checks the sender's password against
// Dovecot's users and delivers each accepted message into the recipients'
// INBOX by IMAP APPEND. A message whose DATA did not end (the client went
// away mid-way) is never delivered.
type SMTP struct {
	Addr string

	dv       *Dovecot
	opts     SMTPOptions
	srv      *smtp.Server
	mu       sync.Mutex
	accepted int
}

// StartSMTP starts the server on a free loopback port; Close stops it.
func StartSMTP(dv *Dovecot, opts SMTPOptions) (*SMTP, error) {
	if opts.Sent == "" {
		opts.Sent = "Sent"
	}
	s := &SMTP{dv: dv, opts: opts}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s}, nil
	}))
	srv.Domain = "127.0.0.1"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxMessageBytes = 64 << 20
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = l.Addr().String()
	s.srv = srv
	go func() { _ = srv.Serve(l) }()
	return s, nil
}

// Close stops the server.
func (s *SMTP) Close() { _ = s.srv.Close() }

// Accepted is how many messages the server delivered.
func (s *SMTP) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

type smtpSession struct {
	s    *SMTP
	user string
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		pw := ss.s.dv.Password(username)
		if pw == "" || pw != password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.dv.Password(to) == "" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // DATA did not end: nothing is delivered
	}
	var errs []error
	for _, to := range ss.to {
		if err := ss.s.dv.Append(to, "INBOX", raw, time.Now()); err != nil {
			errs = append(errs, fmt.Errorf("deliver to %s: %w", to, err))
		}
	}
	if ss.s.opts.SaveToSent && !strings.EqualFold(ss.from, "") {
		if err := ss.s.dv.Append(ss.user, ss.s.opts.Sent, raw, time.Now()); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: err.Error()}
	}
	ss.s.mu.Lock()
	ss.s.accepted++
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error { return nil }
