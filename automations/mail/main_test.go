package mail

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/mail/mailtest"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

func TestMain(m *testing.M) {
	if point := os.Getenv(killEnv); point != "" {
		os.Exit(killHelper(point))
	}
	if n := os.Getenv(killSyncEnv); n != "" {
		os.Exit(killSyncHelper(n))
	}
	os.Exit(m.Run())
}

const (
	sellerAddr = "seller@shop.test"
	sellerPW   = "seller-pw"
	relayUS    = "k2x7m9q4r8t1w5z3@marketplace.amazon.com"
	relayJP    = "p5d8f2h6j9l3n7b4@marketplace.amazon.co.jp"
	shopBuyer  = "kunde@example.de"
)

// world is one test's mail server, database and channel.
type world struct {
	dv    *mailtest.Dovecot
	smtp  *mailtest.SMTP
	db    *localdb.DB
	deps  *Deps
	store localdb.Store
	dir   string
}

type worldOpts struct {
	tls        bool
	saveToSent bool
	market     string
	folders    []string
}

func newWorld(t testing.TB, o worldOpts) *world {
	t.Helper()
	if o.market == "" {
		o.market = "amazon"
	}
	users := map[string]string{sellerAddr: sellerPW, relayUS: "buyer-pw", relayJP: "buyer-pw", shopBuyer: "buyer-pw"}
	dv := mailtest.Start(t, users, mailtest.Options{TLS: o.tls})
	sm := mailtest.StartSMTP(t, dv, mailtest.SMTPOptions{SaveToSent: o.saveToSent})
	dir := t.TempDir()
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(dir, "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	sec := marketplace.NewMemorySecrets()
	if err := sec.Set(ctx, secrets.StorePasswordKey("mailshop"), sellerPW); err != nil {
		t.Fatal(err)
	}
	acct := mailAccountFor(t, dv, sm, o)
	st, _, err := db.CreateMailStore(ctx, localdb.Store{Name: "mailshop", Marketplace: o.market, Username: sellerAddr}, acct)
	if err != nil {
		t.Fatal(err)
	}
	deps := &Deps{DB: db, Secrets: sec, EvidenceDir: filepath.Join(dir, "evidence"), AttachmentDir: filepath.Join(dir, "attachments"),
		Timeout: testwait.Budget(t) / 4}
	if o.tls {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(dv.CertPEM)
		deps.RootCAs = pool
	}
	return &world{dv: dv, smtp: sm, db: db, deps: deps, store: st, dir: dir}
}

func mailAccountFor(t testing.TB, dv *mailtest.Dovecot, sm *mailtest.SMTP, o worldOpts) localdb.MailAccount {
	host, port := splitAddr(t, dv.IMAPAddr)
	shost, sport := splitAddr(t, sm.Addr)
	a := localdb.MailAccount{Address: sellerAddr, Username: sellerAddr, IMAPHost: host, IMAPPort: port, IMAPSecurity: localdb.MailPlain,
		SMTPHost: shost, SMTPPort: sport, SMTPSecurity: localdb.MailPlain, Folders: o.folders, SentFolder: "Sent"}
	if o.tls {
		a.IMAPSecurity = localdb.MailSTARTTLS
	}
	return a
}

func (w *world) ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
	t.Cleanup(cancel)
	return ctx
}

// deliver puts a raw mail into the seller's INBOX, received at the given time.
func (w *world) deliver(t testing.TB, raw string, at time.Time) {
	t.Helper()
	if err := w.dv.Append(sellerAddr, "INBOX", []byte(raw), at); err != nil {
		t.Fatalf("deliver: %v", err)
	}
}

func (w *world) sync(t testing.TB) marketplace.StoreSummary {
	t.Helper()
	st, err := w.db.GetStore(context.Background(), w.store.ID)
	if err != nil {
		t.Fatal(err)
	}
	return Sync(w.ctx(t), w.deps, st, nil, nil)
}
