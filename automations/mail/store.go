package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"

	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// Marketplaces are those an email store may belong to: a marketplace that
// relays buyer mail, or "shop", an independent web shop served by email
// alone.
var Marketplaces = []string{"amazon", "ebay", "shop"}

// StoreSpec describes an email store to register. Password goes to the
// secret store only.
type StoreSpec struct {
	Name         string
	Marketplace  string
	Address      string // the seller's registered address; replies come from it
	Username     string // the IMAP and SMTP login; empty means Address
	IMAP         string // host:port
	SMTP         string // host:port
	IMAPSecurity string // tls, starttls or plain; empty: tls on 993, else starttls
	SMTPSecurity string // tls, starttls or plain; empty: tls on 465, else starttls
	Folders      []string
	SentFolder   string
	Password     string
	Demo         bool
}

// hostPort splits host:port and names the flag and its fix when it does
// not fit.
func hostPort(flag, v string) (string, int, error) {
	h, p, err := net.SplitHostPort(strings.TrimSpace(v))
	n, perr := strconv.Atoi(p)
	if err != nil || h == "" || perr != nil || n <= 0 || n > 65535 {
		return "", 0, fmt.Errorf("%w: %s %q: give host:port, such as %s", ErrInvalidInput, flag, v,
			map[string]string{"--imap": "imap.example.com:993", "--smtp": "smtp.example.com:587"}[flag])
	}
	return h, n, nil
}

func security(flag, v string, port, tlsPort int, host string) (localdb.MailSecurity, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		if port == tlsPort {
			return localdb.MailTLS, nil
		}
		return localdb.MailSTARTTLS, nil
	case "tls", "ssl":
		return localdb.MailTLS, nil
	case "starttls":
		return localdb.MailSTARTTLS, nil
	case "plain", "none":
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("%w: %s plain sends the password unencrypted; it is allowed only for a server on this machine (127.0.0.1, localhost), use tls or starttls for %s", ErrInvalidInput, flag, host)
		}
		return localdb.MailPlain, nil
	}
	return "", fmt.Errorf("%w: %s %q: use tls, starttls or plain", ErrInvalidInput, flag, v)
}

// Account checks a spec without touching anything and returns the account
// it describes, or an error naming the first bad field and its fix.
func (s StoreSpec) Account() (localdb.MailAccount, error) {
	a, err := s.account()
	if err != nil {
		return localdb.MailAccount{}, err
	}
	if s.Password == "" {
		return localdb.MailAccount{}, fmt.Errorf("%w: store %s: the password is empty; pass it on the prompt or with --password-stdin (for Gmail or Microsoft 365, an app password)", ErrInvalidInput, s.Name)
	}
	return a, nil
}

// account checks every field but the password.
func (s StoreSpec) account() (localdb.MailAccount, error) {
	if err := marketplace.CheckStoreName(s.Name); err != nil {
		return localdb.MailAccount{}, err
	}
	ok := false
	for _, m := range Marketplaces {
		ok = ok || m == s.Marketplace
	}
	if !ok {
		return localdb.MailAccount{}, fmt.Errorf("%w: marketplace %q for an email store: use one of %s", ErrInvalidInput, s.Marketplace, strings.Join(Marketplaces, ", "))
	}
	addr, err := mail.ParseAddress(s.Address)
	if err != nil || addr.Name != "" {
		return localdb.MailAccount{}, fmt.Errorf("%w: store %s: --address %q is not an email address; give the address registered with the marketplace, such as orders@example.com", ErrInvalidInput, s.Name, s.Address)
	}
	a := localdb.MailAccount{Address: strings.ToLower(addr.Address), Username: strings.TrimSpace(s.Username), Folders: s.Folders, SentFolder: s.SentFolder}
	if a.Username == "" {
		a.Username = a.Address
	}
	if a.IMAPHost, a.IMAPPort, err = hostPort("--imap", s.IMAP); err != nil {
		return localdb.MailAccount{}, err
	}
	if a.SMTPHost, a.SMTPPort, err = hostPort("--smtp", s.SMTP); err != nil {
		return localdb.MailAccount{}, err
	}
	if a.IMAPSecurity, err = security("--imap-security", s.IMAPSecurity, a.IMAPPort, 993, a.IMAPHost); err != nil {
		return localdb.MailAccount{}, err
	}
	if a.SMTPSecurity, err = security("--smtp-security", s.SMTPSecurity, a.SMTPPort, 465, a.SMTPHost); err != nil {
		return localdb.MailAccount{}, err
	}
	for _, f := range s.Folders {
		if strings.TrimSpace(f) == "" {
			return localdb.MailAccount{}, fmt.Errorf("%w: store %s: an empty --folder; give folder names such as INBOX", ErrInvalidInput, s.Name)
		}
	}
	if strings.TrimSpace(s.SentFolder) == "" && s.SentFolder != "" {
		return localdb.MailAccount{}, fmt.Errorf("%w: store %s: an empty --sent-folder; give the folder sent mail is kept in, such as Sent", ErrInvalidInput, s.Name)
	}
	return a, nil
}

// AccountUpdate is what `stores update` changes of an email store; empty
// fields (nil Folders) keep what is stored.
type AccountUpdate struct {
	Address      string
	Username     string
	IMAP         string // host:port
	SMTP         string // host:port
	IMAPSecurity string
	SMTPSecurity string
	Folders      []string
	SentFolder   string
}

// IsZero tells whether the update changes nothing.
func (u AccountUpdate) IsZero() bool {
	return u.Address == "" && u.Username == "" && u.IMAP == "" && u.SMTP == "" && u.IMAPSecurity == "" &&
		u.SMTPSecurity == "" && u.Folders == nil && u.SentFolder == ""
}

// UpdateAccount changes the email channel of store name, checked as
// `stores add --email` checks it. A new server (host:port) without a
// security mode takes its port's default, as with `stores add`. The
// password is changed apart (marketplace.UpdateStore).
func UpdateAccount(ctx context.Context, db *localdb.DB, name string, u AccountUpdate) (localdb.Store, localdb.MailAccount, error) {
	st, err := db.GetStoreByName(ctx, name)
	if err != nil {
		return localdb.Store{}, localdb.MailAccount{}, err
	}
	cur, err := db.GetMailAccount(ctx, st.ID)
	if errors.Is(err, localdb.ErrNotFound) {
		return localdb.Store{}, localdb.MailAccount{}, fmt.Errorf("%w: store %s is not read by email; the mail settings apply to stores added with --email", ErrInvalidInput, name)
	}
	if err != nil {
		return localdb.Store{}, localdb.MailAccount{}, err
	}
	spec := StoreSpec{Name: st.Name, Marketplace: st.Marketplace, Address: cur.Address, Username: cur.Username,
		IMAP: net.JoinHostPort(cur.IMAPHost, strconv.Itoa(cur.IMAPPort)), SMTP: net.JoinHostPort(cur.SMTPHost, strconv.Itoa(cur.SMTPPort)),
		IMAPSecurity: string(cur.IMAPSecurity), SMTPSecurity: string(cur.SMTPSecurity), Folders: cur.Folders, SentFolder: cur.SentFolder}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&spec.Address, u.Address)
	set(&spec.Username, u.Username)
	// A new server without a security mode takes its port's default, as
	// `stores add` gives it.
	if u.IMAP != "" {
		spec.IMAP, spec.IMAPSecurity = u.IMAP, ""
	}
	if u.SMTP != "" {
		spec.SMTP, spec.SMTPSecurity = u.SMTP, ""
	}
	set(&spec.IMAPSecurity, u.IMAPSecurity)
	set(&spec.SMTPSecurity, u.SMTPSecurity)
	if u.Folders != nil {
		spec.Folders = u.Folders
	}
	set(&spec.SentFolder, u.SentFolder)
	a, err := spec.account()
	if err != nil {
		return localdb.Store{}, localdb.MailAccount{}, err
	}
	a.StoreID = st.ID
	acct, err := db.UpdateMailAccount(ctx, a)
	if err != nil {
		return localdb.Store{}, localdb.MailAccount{}, err
	}
	st.Username = acct.Username
	return st, acct, nil
}

// AddStore registers an email store: the password in sec, the store and
// its account in the database, in one transaction. A name already taken
// is refused (localdb.ErrConflict) and nothing is stored.
func AddStore(ctx context.Context, db *localdb.DB, sec secrets.Store, s StoreSpec) (localdb.Store, localdb.MailAccount, error) {
	a, err := s.Account()
	if err != nil {
		return localdb.Store{}, localdb.MailAccount{}, err
	}
	if _, err := db.GetStoreByName(ctx, s.Name); err == nil {
		return localdb.Store{}, localdb.MailAccount{}, fmt.Errorf("store %q already exists; remove it first with `sellerops stores remove %s`: %w", s.Name, s.Name, localdb.ErrConflict)
	}
	if err := sec.Set(ctx, secrets.StorePasswordKey(s.Name), s.Password); err != nil {
		return localdb.Store{}, localdb.MailAccount{}, fmt.Errorf("store %s: keep the password: %w", s.Name, err)
	}
	st, acct, err := db.CreateMailStore(ctx, localdb.Store{Name: s.Name, Marketplace: s.Marketplace, Username: a.Username, Demo: s.Demo}, a)
	if err != nil {
		_ = sec.Delete(ctx, secrets.StorePasswordKey(s.Name))
		return localdb.Store{}, localdb.MailAccount{}, err
	}
	return st, acct, nil
}
