package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/sellerops/sellerops/automations/mail"
	"github.com/sellerops/sellerops/automations/mail/mailserver"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// demoMailStore is the demo's email store: its name, the seller's address,
// and the sandbox store whose buyer mail it receives.
const (
	demoMailStore   = "demo-mail"
	demoMailSeller  = "orders@demo-shop.test"
	demoMailSandbox = "amazon"
)

// startDemoMail runs Dovecot and an SMTP server on loopback, mails the
// buyer messages of a second sandbox Amazon account into the seller's INBOX
// as Amazon's relay would, and registers (or points the kept) email store
// demo-mail at them. The account is a world of its own (the demo's seed
// plus one, a third of its orders), so that its buyers are not the site
// store's buyers a second time.
// Without Dovecot the demo goes on without an email store: the returned
// note says why, plainly, and the error is nil. stop ends the servers.
func (w *demoWorld) startDemoMail(ctx context.Context, f *factory, seed int64, orders int) (note string, stop func(), err error) {
	stop = func() {}
	bin, err := mailserver.BinaryEnv(f.Getenv)
	if err != nil {
		return "no email store in this demo: " + err.Error(), stop, nil
	}
	pw := randomHex(12)
	world := sandbox.NewWorld(sandbox.Options{Seed: seed + 1, Orders: max(5, orders/3), Start: w.sb.World().Start})
	mails := world.RelayMails(demoMailSandbox, demoMailSeller, w.sb.Now())
	users := map[string]string{demoMailSeller: pw}
	for _, m := range mails {
		users[m.From] = randomHex(12) // the buyers' aliases receive the seller's replies
	}
	dv, err := mailserver.Start(users, mailserver.Options{Binary: bin})
	if err != nil {
		return "no email store in this demo: Dovecot did not start: " + err.Error(), stop, nil
	}
	sm, err := mailserver.StartSMTP(dv, mailserver.SMTPOptions{})
	if err != nil {
		dv.Close()
		return "no email store in this demo: the SMTP server did not start: " + err.Error(), stop, nil
	}
	stop = func() { sm.Close(); dv.Close() }
	raws := make([][]byte, len(mails))
	dates := make([]time.Time, len(mails))
	for i, m := range mails {
		raws[i], dates[i] = m.Raw, m.Date
	}
	if err := dv.AppendMany(demoMailSeller, "INBOX", raws, dates); err != nil {
		stop()
		return "no email store in this demo: the sandbox's mail was not delivered: " + err.Error(), func() {}, nil
	}
	db, err := f.DB(ctx)
	if err != nil {
		stop()
		return "", func() {}, err
	}
	sec := f.Secrets()
	existing, err := db.GetStoreByName(ctx, demoMailStore)
	switch {
	case errors.Is(err, localdb.ErrNotFound):
		_, _, err = mail.AddStore(ctx, db, sec, mail.StoreSpec{Name: demoMailStore, Marketplace: "amazon", Address: demoMailSeller,
			IMAP: dv.IMAPAddr, SMTP: sm.Addr, IMAPSecurity: "plain", SMTPSecurity: "plain", Password: pw, Demo: true})
	case err != nil:
	case !existing.Demo:
		err = badInput(fmt.Errorf("store %q in %s is not a demo store; run the demo in a folder of its own (leave --db out)", demoMailStore, db.Path()))
	default:
		// A new server listens on new ports and holds a new mailbox (a new
		// UIDVALIDITY): mail read before is known again by its Message-ID.
		if _, _, err = mail.UpdateAccount(ctx, db, demoMailStore, mail.AccountUpdate{IMAP: dv.IMAPAddr, SMTP: sm.Addr,
			IMAPSecurity: "plain", SMTPSecurity: "plain"}); err == nil {
			err = sec.Set(ctx, secrets.StorePasswordKey(demoMailStore), pw)
		}
	}
	if err != nil {
		stop()
		return "", func() {}, fmt.Errorf("register demo store %s: %w", demoMailStore, err)
	}
	return fmt.Sprintf("email store %s: %d relay mails of a second Amazon account's buyers in Dovecot at %s", demoMailStore, len(mails), dv.IMAPAddr), stop, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
