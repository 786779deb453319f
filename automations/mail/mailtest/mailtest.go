// Package mailtest runs a real mail server for tests (see package
// mailserver): Dovecot on a free loopback port and an SMTP server that
// delivers into it, both stopped when the test ends.
//
// A test that needs Dovecot fails when it is not installed, naming the
// package to install; it is never skipped.
package mailtest

import (
	"testing"

	"github.com/sellerops/sellerops/automations/mail/mailserver"
	"github.com/sellerops/sellerops/automations/testwait"
)

// Options shape a Dovecot instance; see mailserver.Options.
type Options = mailserver.Options

// SMTPOptions shape the test SMTP server; see mailserver.SMTPOptions.
type SMTPOptions = mailserver.SMTPOptions

// SMTP is the test SMTP server.
type SMTP = mailserver.SMTP

// Dovecot is a running Dovecot whose helpers fail the test on error.
type Dovecot struct {
	*mailserver.Dovecot
	t testing.TB
}

// Start starts Dovecot with the given users (name to password) and stops
// it when the test ends.
func Start(t testing.TB, users map[string]string, opts Options) *Dovecot {
	t.Helper()
	if opts.Ready == 0 {
		opts.Ready = testwait.Budget(t)
	}
	d, err := mailserver.Start(users, opts)
	if err != nil {
		t.Fatalf("these tests need a real IMAP server: %v", err)
	}
	t.Cleanup(d.Close)
	return &Dovecot{Dovecot: d, t: t}
}

// StartSMTP starts the SMTP server on a free loopback port for the test.
func StartSMTP(t testing.TB, dv *Dovecot, opts SMTPOptions) *SMTP {
	t.Helper()
	s, err := mailserver.StartSMTP(dv.Dovecot, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Maildir is mailserver.Dovecot.Maildir, failing the test on error.
func (d *Dovecot) Maildir(user, folder string) string {
	p, err := d.Dovecot.Maildir(user, folder)
	if err != nil {
		d.t.Fatal(err)
	}
	return p
}

// AddUser is mailserver.Dovecot.AddUser, failing the test on error.
func (d *Dovecot) AddUser(name, password string) {
	if err := d.Dovecot.AddUser(name, password); err != nil {
		d.t.Fatal(err)
	}
}
