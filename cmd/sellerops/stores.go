package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/mail"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/marketplaces/channel"
)

func newStoresCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stores",
		Short: "Connect marketplace seller accounts: add, list, update, test, sign in, remove",
		Long: strings.TrimSpace(`
A store is one seller account on a marketplace (amazon, ebay or tiktok). Its
name, marketplace, username and recipe are kept in the local database; its
password, TOTP secret and session cookies only in the keyring.`),
	}
	cmd.AddCommand(newStoresAddCmd(f), newStoresListCmd(f), newStoresUpdateCmd(f),
		newStoresRemoveCmd(f), newStoresTestCmd(f), newStoresLoginCmd(f))
	return cmd
}

type storesAddOptions struct {
	Spec           marketplace.StoreSpec
	Email          bool
	Mail           mail.StoreSpec
	PasswordStdin  bool
	TOTPStdin      bool
	NoTOTP         bool
	API            bool
	APISpec        marketplace.APISpec
	Orders         string
	readPassword   func() (string, error) // hidden input on a terminal
	readLinePrompt func(prompt string) (string, error)
}

func newStoresAddCmd(f *factory) *cobra.Command {
	var opts storesAddOptions
	cmd := &cobra.Command{
		Use:   "add [NAME]",
		Short: "Add a store; its secrets go to the keyring",
		Long: strings.TrimSpace(`
Add a marketplace store. On a terminal, anything not given as a flag is asked
for, and the password and TOTP secret are typed hidden. In scripts give the
flags, and pipe the secrets in: --password-stdin reads the password from the
first line of standard input, --totp-secret-stdin the TOTP secret from the
next line (or the first, without --password-stdin).

The TOTP secret is the text under the authenticator QR code (base32). Leave it
out with --no-totp for an account without a second step.

With --email the store is read over IMAP and answered over SMTP instead of the
browser: Amazon's buyer-seller relay or eBay's member messages arriving at the
seller's registered address (--address), or an independent web shop
(--marketplace shop) whose customers write by email. Give --imap and --smtp as
host:port; security is TLS on 993 and 465 and STARTTLS on other ports unless
--imap-security or --smtp-security says otherwise (plain only for a server on
this machine). The password (for Gmail or Microsoft 365 an app password; OAuth2
sign-in is not supported yet) goes to the keyring.

With --api the store is reached through the marketplace's official API
(Amazon's Selling Partner API, eBay's Sell Fulfillment API, TikTok Shop's Open
API): the app's client id, its client secret and the seller's refresh token
(for TikTok Shop the app key, the app secret and the shop's refresh token) are
read from standard input, one a line, after the password and TOTP lines when
those are piped too, and kept in the keyring only. eBay's API answers for every eBay
marketplace of the seller and takes no --marketplace-id. For TikTok Shop,
--marketplace-id is the shop cipher (from Get Authorized Shops), and orders,
buyer messages and replies all go through the API, with the seller centre
behind them when signed in too. --marketplace-id names the Amazon marketplaces the store sells in (US,
DE, JP... or their ids, such as ATVPDKIKX0DER; comma-separated, all of one
SP-API region: North America, Europe or the Far East). Orders then come through the API; buyer messages,
which Amazon's API cannot read or answer, need the Seller Central sign-in as
well (--username with --password-stdin): with it, orders go through the API
first and the browser when the API fails. --orders api|browser|both|none
overrides that choice.`),
		Example: strings.Join([]string{
			"  sellerops stores add",
			"  printf '%s\\n%s\\n' \"$PW\" \"$SEED\" | sellerops stores add shop-us --marketplace amazon \\",
			"      --username me@example.com --password-stdin --totp-secret-stdin",
			"  printf '%s\n' \"$PW\" | sellerops stores add mail-us --marketplace amazon --email \\",
			"      --address orders@example.com --imap imap.example.com:993 --smtp smtp.example.com:587 --password-stdin",
			"  printf '%s\\n%s\\n%s\\n' \"$LWA_ID\" \"$LWA_SECRET\" \"$REFRESH\" | sellerops stores add api-us --marketplace amazon --api --marketplace-id US",
			"  printf '%s\\n%s\\n%s\\n' \"$TT_APP_KEY\" \"$TT_APP_SECRET\" \"$TT_REFRESH\" | sellerops stores add tt-uk --marketplace tiktok --api --marketplace-id \"$TT_SHOP_CIPHER\"",
		}, "\n"),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Spec.Name = args[0]
			}
			return storesAddRun(cmd.Context(), f, &opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Spec.Marketplace, "marketplace", "", "Marketplace: amazon, ebay or tiktok")
	fl.StringVar(&opts.Spec.Username, "username", "", "Sign-in name (usually an e-mail address)")
	fl.StringVar(&opts.Spec.BaseURL, "base-url", "", "Portal `URL` (default: the recipe's)")
	fl.StringVar(&opts.Spec.Recipe, "recipe", "", "Recipe `site` (default: the marketplace's real site; see `sellerops recipes list`)")
	fl.BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the password from standard input")
	fl.BoolVar(&opts.TOTPStdin, "totp-secret-stdin", false, "Read the TOTP secret from standard input")
	fl.BoolVar(&opts.NoTOTP, "no-totp", false, "The account has no authenticator step")
	fl.BoolVar(&opts.Email, "email", false, "Read and answer the store by email (IMAP and SMTP) instead of the browser")
	fl.StringVar(&opts.Mail.Address, "address", "", "With --email: the seller's registered email `address`; replies come from it")
	fl.StringVar(&opts.Mail.IMAP, "imap", "", "With --email: the IMAP server as `host:port` (993 TLS, 143 STARTTLS)")
	fl.StringVar(&opts.Mail.SMTP, "smtp", "", "With --email: the SMTP submission server as `host:port` (465 TLS, 587 STARTTLS)")
	fl.StringVar(&opts.Mail.IMAPSecurity, "imap-security", "", "With --email: tls, starttls or plain (default from the port)")
	fl.StringVar(&opts.Mail.SMTPSecurity, "smtp-security", "", "With --email: tls, starttls or plain (default from the port)")
	fl.StringSliceVar(&opts.Mail.Folders, "folder", nil, "With --email: a `folder` to read (repeatable; default INBOX)")
	fl.StringVar(&opts.Mail.SentFolder, "sent-folder", "Sent", "With --email: the `folder` where sent mail is kept")
	fl.BoolVar(&opts.API, "api", false, "Reach the store through its official API; client id, client secret and refresh token from standard input")
	fl.StringVar(&opts.APISpec.Marketplace, "marketplace-id", "", "With --api: the Amazon `marketplaces` the store sells in, comma-separated country codes (US, DE) or ids (ATVPDKIKX0DER), of one region; for TikTok Shop the shop cipher")
	fl.StringVar(&opts.APISpec.Endpoint, "api-endpoint", "", "With --api: the API root `URL` (default: the marketplace's region)")
	fl.StringVar(&opts.APISpec.TokenURL, "token-url", "", "With --api: the token exchange `URL` (default: Login with Amazon's)")
	fl.StringVar(&opts.Orders, "orders", "", "With --api: the `channel` for orders: api, browser, both or none (default: the API, with the browser behind it when signed in)")
	return cmd
}

func storesAddRun(ctx context.Context, f *factory, opts *storesAddOptions) error {
	in := bufio.NewReader(f.IO.In)
	readLine := func() (string, error) {
		s, err := in.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && s != "") {
			return "", err
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	tty := f.IO.IsStdinTTY()
	prompt := opts.readLinePrompt
	if prompt == nil {
		prompt = func(p string) (string, error) {
			fmt.Fprint(f.IO.ErrOut, p)
			return readLine()
		}
	}
	hidden := opts.readPassword
	if hidden == nil {
		hidden = func() (string, error) {
			if file, ok := f.IO.In.(*os.File); ok && term.IsTerminal(file.Fd()) {
				b, err := term.ReadPassword(file.Fd())
				fmt.Fprintln(f.IO.ErrOut)
				return string(b), err
			}
			return readLine()
		}
	}
	s := &opts.Spec
	if opts.PasswordStdin {
		pw, err := readLine()
		if err != nil {
			return usageErrorf("--password-stdin: no password on standard input")
		}
		s.Password = pw
	}
	if opts.TOTPStdin {
		seed, err := readLine()
		if err != nil {
			return usageErrorf("--totp-secret-stdin: no TOTP secret on standard input (after the password line, with --password-stdin)")
		}
		s.TOTPSecret = seed
	}
	ask := func(field *string, label string) error {
		if *field != "" {
			return nil
		}
		if !tty {
			return usageErrorf("%s is missing; give it as a flag (standard input is not a terminal, so there is no prompt)", label)
		}
		v, err := prompt(label + ": ")
		if err != nil {
			return fmt.Errorf("read %s: %w", label, err)
		}
		*field = strings.TrimSpace(v)
		return nil
	}
	if err := ask(&s.Name, "store name"); err != nil {
		return err
	}
	if err := ask(&s.Marketplace, "marketplace (amazon, ebay, tiktok)"); err != nil {
		return err
	}
	if opts.Email && opts.API {
		return usageErrorf("--email and --api are two different channels; add the store with one of them")
	}
	if opts.Email {
		return storesAddMailRun(ctx, f, opts, ask, hidden, tty)
	}
	if opts.API {
		return storesAddAPIRun(ctx, f, opts, readLine, ask, hidden, tty)
	}
	if s.Marketplace == "shop" {
		return usageErrorf("a shop store is read by email only; add --email with --address, --imap and --smtp")
	}
	if err := ask(&s.Username, "username"); err != nil {
		return err
	}
	if s.Password == "" {
		if !tty {
			return usageErrorf("the password is missing; pipe it in with --password-stdin")
		}
		fmt.Fprint(f.IO.ErrOut, "password (hidden): ")
		pw, err := hidden()
		if err != nil {
			return fmt.Errorf("read the password: %w", err)
		}
		s.Password = pw
	}
	if s.TOTPSecret == "" && !opts.NoTOTP && tty {
		fmt.Fprint(f.IO.ErrOut, "TOTP secret, the text under the QR code (hidden; empty for none): ")
		seed, err := hidden()
		if err != nil {
			return fmt.Errorf("read the TOTP secret: %w", err)
		}
		s.TOTPSecret = strings.TrimSpace(seed)
	}
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	st, err := marketplace.AddStoreWithRecipes(ctx, deps.DB, deps.Secrets, deps.Recipes, *s)
	if err != nil {
		if errors.Is(err, localdb.ErrConflict) {
			return badInput(err)
		}
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "added store %s (%s, recipe %s); secrets are in the keyring. Try it: sellerops stores test %s\n",
		st.Name, st.Marketplace, st.Recipe, st.Name)
	return nil
}

// storesAddAPIRun adds a store reached through its marketplace's API, with
// its portal sign-in too when a username is given.
func storesAddAPIRun(ctx context.Context, f *factory, opts *storesAddOptions, readLine func() (string, error),
	ask func(*string, string) error, hidden func() (string, error), tty bool) error {
	a := &opts.APISpec
	if opts.Spec.Marketplace == "amazon" {
		if err := ask(&a.Marketplace, "Amazon marketplace (country code such as US, or marketplace id)"); err != nil {
			return err
		}
	}
	if opts.Orders != "" {
		c, err := channel.Parse("--orders", opts.Orders)
		if err != nil {
			return badInput(err)
		}
		a.Channels.Orders = c
	}
	labels := []string{"LWA client id", "LWA client secret", "refresh token"}
	switch opts.Spec.Marketplace {
	case "ebay":
		labels = []string{"client id (App ID)", "client secret (Cert ID)", "refresh token"}
	case "tiktok":
		labels = []string{"app key", "app secret", "refresh token"}
	}
	for i, field := range []*string{&a.ClientID, &a.ClientSecret, &a.RefreshToken} {
		var v string
		var err error
		if tty {
			fmt.Fprintf(f.IO.ErrOut, "%s (hidden): ", labels[i])
			v, err = hidden()
		} else {
			v, err = readLine()
		}
		if err != nil || strings.TrimSpace(v) == "" {
			return usageErrorf("--api: no %s on standard input; pipe the client id, the client secret and the refresh token, one a line (after the password and TOTP lines, when given)", labels[i])
		}
		*field = strings.TrimSpace(v)
	}
	var browser *marketplace.StoreSpec
	if opts.Spec.Username != "" || opts.Spec.Password != "" {
		browser = &opts.Spec
		if browser.Password == "" {
			return usageErrorf("--username with --api signs in to the portal too: pipe its password first with --password-stdin")
		}
	}
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	st, acct, err := marketplace.AddAPIStore(ctx, deps, opts.Spec.Name, opts.Spec.Marketplace, browser, *a)
	if err != nil {
		if errors.Is(err, localdb.ErrConflict) {
			return badInput(err)
		}
		return err
	}
	markets := strings.Join(acct.MarketplaceIDs, ",")
	if markets == "" {
		markets = "all"
	}
	fmt.Fprintf(f.IO.ErrOut, "added API store %s (%s, marketplaces %s; orders %s, buyer messages %s, replies %s, proactive messages %s); the API credentials are in the keyring\n",
		st.Name, st.Marketplace, markets, acct.Channels.Orders, acct.Channels.ReadMessages, acct.Channels.Reply, acct.Channels.Proactive)
	return nil
}

// storesAddMailRun adds a store read by email.
func storesAddMailRun(ctx context.Context, f *factory, opts *storesAddOptions, ask func(*string, string) error,
	hidden func() (string, error), tty bool) error {
	m := &opts.Mail
	m.Name, m.Marketplace, m.Password, m.Username = opts.Spec.Name, opts.Spec.Marketplace, opts.Spec.Password, opts.Spec.Username
	for _, q := range []struct {
		field *string
		label string
	}{{&m.Address, "registered email address"}, {&m.IMAP, "IMAP server (host:port)"}, {&m.SMTP, "SMTP server (host:port)"}} {
		if err := ask(q.field, q.label); err != nil {
			return err
		}
	}
	if m.Password == "" {
		if !tty {
			return usageErrorf("the mail password is missing; pipe it in with --password-stdin")
		}
		fmt.Fprint(f.IO.ErrOut, "mail password or app password (hidden): ")
		pw, err := hidden()
		if err != nil {
			return fmt.Errorf("read the password: %w", err)
		}
		m.Password = pw
	}
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	st, acct, err := mail.AddStore(ctx, deps.DB, deps.Secrets, *m)
	if err != nil {
		if errors.Is(err, localdb.ErrConflict) {
			return badInput(err)
		}
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "added email store %s (%s, %s via IMAP %s:%d and SMTP %s:%d); the password is in the keyring. Try it: sellerops stores test %s\n",
		st.Name, st.Marketplace, acct.Address, acct.IMAPHost, acct.IMAPPort, acct.SMTPHost, acct.SMTPPort, st.Name)
	return nil
}

type storesListOptions struct {
	JSON jsonFlags
	All  bool
}

func newStoresListCmd(f *factory) *cobra.Command {
	var opts storesListOptions
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the stores with their session state and last sync",
		Example: "  sellerops stores list\n  sellerops stores list --jq '.[] | select(.session_state != \"ok\") | .name'\n  sellerops stores list --jq '.[] | select(.channels.orders != \"browser\") | .name'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return storesListRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "Also list the stores removed with --keep-data, whose history is kept")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func storesListRun(ctx context.Context, f *factory, opts *storesListOptions) error {
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	list := db.ListStores
	if opts.All {
		list = db.ListAllStores
	}
	stores, err := list(ctx)
	if err != nil {
		return err
	}
	accounts, err := db.ListMailAccounts(ctx)
	if err != nil {
		return err
	}
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	out := make([]storeListing, len(stores))
	for i, st := range stores {
		out[i].Store = st
		if a, ok := accounts[st.ID]; ok {
			out[i].Mail = &a
		}
		if out[i].Channels, err = marketplace.StoreChannels(ctx, deps, st); err != nil {
			return err
		}
		if a, err := db.GetAPIAccount(ctx, st.ID); err == nil {
			out[i].APIMarketplaceIDs = a.MarketplaceIDs
		}
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, out, opts.JSON.JQ)
	}
	if len(stores) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "no stores yet; add one with `sellerops stores add`")
		return nil
	}
	t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "NAME", "MARKETPLACE", "CHANNELS", "USERNAME", "SESSION", "LAST SYNC", "RECIPE")
	for _, l := range out {
		s := l.Store
		last := "never"
		if !s.LastSyncAt.IsZero() {
			last = s.LastSyncAt.Format("2006-01-02 15:04")
		}
		name := s.Name
		if s.Demo {
			name += " (demo)"
		}
		if !s.RemovedAt.IsZero() {
			name += " (removed, history kept)"
		}
		recipe := s.Recipe
		if _, ok := accounts[s.ID]; ok {
			recipe = "(email)"
		}
		t.row(name, s.Marketplace, channelSummary(l.Channels), s.Username, string(s.SessionState), last, recipe)
	}
	t.flush()
	var mailStores []localdb.Store
	for _, s := range stores {
		if _, ok := accounts[s.ID]; ok {
			mailStores = append(mailStores, s)
		}
	}
	if len(mailStores) > 0 {
		fmt.Fprintln(f.IO.Out)
		t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "EMAIL STORE", "ADDRESS", "LOGIN", "IMAP", "SMTP", "FOLDERS", "SENT")
		for _, s := range mailStores {
			a := accounts[s.ID]
			t.row(s.Name, a.Address, a.Username, fmt.Sprintf("%s:%d %s", a.IMAPHost, a.IMAPPort, a.IMAPSecurity),
				fmt.Sprintf("%s:%d %s", a.SMTPHost, a.SMTPPort, a.SMTPSecurity), strings.Join(a.Folders, ","), a.SentFolder)
		}
		t.flush()
	}
	return nil
}

// storeListing is one store of `stores list`: the store, the channel of
// each job, for an API store its marketplace ids, and for an email store
// its mail settings (never a password or an API secret, which are only in
// the keyring).
type storeListing struct {
	localdb.Store
	Channels          localdb.Channels     `json:"channels"`
	APIMarketplaceIDs []string             `json:"api_marketplace_ids,omitempty"`
	Mail              *localdb.MailAccount `json:"mail,omitempty"`
}

// channelSummary names the channels a store uses, for the table.
func channelSummary(c localdb.Channels) string {
	var out []string
	seen := map[string]bool{}
	for _, v := range []localdb.Channel{c.Orders, c.ReadMessages, c.Reply, c.Proactive} {
		names := []string{string(v)}
		if v == localdb.ChannelBoth {
			names = []string{"api", "browser"}
		}
		for _, n := range names {
			if n != string(localdb.ChannelNone) && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, "+")
}

// mailSummary says in one line where an email store's mail is read and sent.
func mailSummary(a localdb.MailAccount) string {
	return fmt.Sprintf("%s, login %s, IMAP %s:%d %s, SMTP %s:%d %s, folders %s, sent %s", a.Address, a.Username,
		a.IMAPHost, a.IMAPPort, a.IMAPSecurity, a.SMTPHost, a.SMTPPort, a.SMTPSecurity, strings.Join(a.Folders, ","), a.SentFolder)
}

type storesUpdateOptions struct {
	Name          string
	Username      string
	PasswordStdin bool
	TOTPStdin     bool
	NoTOTP        bool
	API           bool
	NoAPI         bool
	APISpec       marketplace.APISpec
	Orders        string
	Mail          mail.AccountUpdate
}

// apiChange tells whether the options change the store's API channel.
func (o *storesUpdateOptions) apiChange() bool {
	return o.API || o.NoAPI || o.Orders != "" || o.APISpec.Marketplace != "" || o.APISpec.Endpoint != "" || o.APISpec.TokenURL != ""
}

// browserChange tells whether the options change the portal sign-in.
func (o *storesUpdateOptions) browserChange() bool {
	return o.Username != "" || o.PasswordStdin || o.TOTPStdin || o.NoTOTP
}

func newStoresUpdateCmd(f *factory) *cobra.Command {
	var opts storesUpdateOptions
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Change a store's username, password, TOTP secret or mail servers",
		Long: strings.TrimSpace(`
Change how a store signs in, after the site refused the stored credentials
(exit 12) or the account's password or authenticator changed. Give only what
changes: --username on the command line; the password and the TOTP secret on
standard input as in 'stores add' (--password-stdin reads the first line,
--totp-secret-stdin the next, or the first without --password-stdin). At a
terminal with none of these, the password is asked for, hidden. --no-totp
removes the TOTP secret. The kept session is dropped, so the next sync signs
in with the new credentials.

For an email store (added with --email), --address, --imap, --smtp,
--imap-security, --smtp-security, --folder and --sent-folder change its mail
settings, checked as 'stores add' checks them; --username changes the IMAP and
SMTP login. A new --imap or --smtp without its security mode takes the port's
default (tls on 993 and 465, else starttls). --folder replaces the list of
folders read. When the IMAP server or the login changes, the folders are read
again from their start; mail already stored is recognised by its Message-ID
and not stored twice. 'stores list' shows the settings; the password never.

The API channel changes the same way: --api stores a new client id, client
secret and refresh token read from standard input (one a line, after any
password and TOTP lines) and adds the channel to a store without one;
--orders api|browser|both|none picks the channel for orders; --marketplace-id,
--api-endpoint and --token-url change where the API is called; --no-api drops
the channel and its secrets, leaving the browser.`),
		Example: strings.Join([]string{
			"  sellerops stores update shop-us",
			"  printf '%s\\n' \"$PW\" | sellerops stores update shop-us --password-stdin",
			"  sellerops stores update mail-us --imap imap.example.com:993 --folder INBOX --folder Amazon",
			"  printf '%s\\n%s\\n%s\\n' \"$LWA_ID\" \"$LWA_SECRET\" \"$REFRESH\" | sellerops stores update shop-us --api --marketplace-id US",
			"  sellerops stores update shop-us --orders browser",
		}, "\n"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return storesUpdateRun(cmd.Context(), f, &opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Username, "username", "", "New sign-in name")
	fl.BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the new password from standard input")
	fl.BoolVar(&opts.TOTPStdin, "totp-secret-stdin", false, "Read the new TOTP secret from standard input")
	fl.BoolVar(&opts.NoTOTP, "no-totp", false, "Remove the TOTP secret: the account has no authenticator step now")
	fl.BoolVar(&opts.API, "api", false, "Store new API credentials (client id, client secret, refresh token) from standard input")
	fl.BoolVar(&opts.NoAPI, "no-api", false, "Drop the API channel and its secrets; the browser does every job")
	fl.StringVar(&opts.Orders, "orders", "", "The `channel` for orders: api, browser, both or none")
	fl.StringVar(&opts.APISpec.Marketplace, "marketplace-id", "", "The Amazon `marketplaces` of the API channel (US, DE, or ids), comma-separated")
	fl.StringVar(&opts.APISpec.Endpoint, "api-endpoint", "", "The API root `URL` of the API channel")
	fl.StringVar(&opts.APISpec.TokenURL, "token-url", "", "The token exchange `URL` of the API channel")
	fl.StringVar(&opts.Mail.Address, "address", "", "Email store: the seller's registered email `address`")
	fl.StringVar(&opts.Mail.IMAP, "imap", "", "Email store: the IMAP server as `host:port`")
	fl.StringVar(&opts.Mail.SMTP, "smtp", "", "Email store: the SMTP submission server as `host:port`")
	fl.StringVar(&opts.Mail.IMAPSecurity, "imap-security", "", "Email store: tls, starttls or plain")
	fl.StringVar(&opts.Mail.SMTPSecurity, "smtp-security", "", "Email store: tls, starttls or plain")
	fl.StringSliceVar(&opts.Mail.Folders, "folder", nil, "Email store: a `folder` to read (repeatable; replaces the list)")
	fl.StringVar(&opts.Mail.SentFolder, "sent-folder", "", "Email store: the `folder` where sent mail is kept")
	return cmd
}

func storesUpdateRun(ctx context.Context, f *factory, opts *storesUpdateOptions) error {
	in := bufio.NewReader(f.IO.In)
	readLine := func() (string, error) {
		s, err := in.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && s != "") {
			return "", err
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	mailUpdate := opts.Mail
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	target, err := db.GetStoreByName(ctx, opts.Name)
	if err != nil {
		return err
	}
	_, err = db.GetMailAccount(ctx, target.ID)
	isMail := err == nil
	if err != nil && !errors.Is(err, localdb.ErrNotFound) {
		return err
	}
	if isMail {
		if opts.TOTPStdin || opts.NoTOTP {
			return usageErrorf("store %s is an email store: it has no TOTP secret; give --username, --password-stdin or the mail settings", opts.Name)
		}
		// The login of an email store is its mail account's.
		mailUpdate.Username = opts.Username
	} else if !mailUpdate.IsZero() {
		return fmt.Errorf("%w: store %s is not read by email; --address, --imap, --smtp, --imap-security, --smtp-security, --folder and --sent-folder apply to stores added with --email", mail.ErrInvalidInput, opts.Name)
	}
	if opts.apiChange() {
		if isMail {
			return usageErrorf("store %s is an email store; an API channel is added to a store read by the browser or by the API alone", opts.Name)
		}
		return storesUpdateAPIRun(ctx, f, opts, readLine)
	}
	u := marketplace.StoreUpdate{Username: opts.Username, ClearTOTP: opts.NoTOTP}
	if isMail {
		u.Username = ""
	}
	if err := readUpdateSecrets(opts, readLine, &u); err != nil {
		return err
	}
	if u == (marketplace.StoreUpdate{}) && mailUpdate.IsZero() {
		if !f.IO.IsStdinTTY() {
			return usageErrorf("store %s: nothing to change; give --username, --password-stdin, --totp-secret-stdin or --no-totp", opts.Name)
		}
		fmt.Fprint(f.IO.ErrOut, "new password (hidden): ")
		var pw string
		if file, ok := f.IO.In.(*os.File); ok && term.IsTerminal(file.Fd()) {
			b, err := term.ReadPassword(file.Fd())
			fmt.Fprintln(f.IO.ErrOut)
			if err != nil {
				return fmt.Errorf("read the password: %w", err)
			}
			pw = string(b)
		} else if line, err := readLine(); err == nil {
			pw = line
		}
		if pw == "" {
			return usageErrorf("store %s: no password given; nothing changed", opts.Name)
		}
		u.Password = pw
	}
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	var changed []string
	var st localdb.Store
	if !mailUpdate.IsZero() {
		var acct localdb.MailAccount
		st, acct, err = mail.UpdateAccount(ctx, deps.DB, opts.Name, mailUpdate)
		if err != nil {
			return err
		}
		changed = append(changed, "mail settings ("+mailSummary(acct)+")")
	}
	if u != (marketplace.StoreUpdate{}) {
		st, err = marketplace.UpdateStore(ctx, deps.DB, deps.Secrets, opts.Name, u)
		if err != nil {
			return err
		}
	}
	if u.Username != "" {
		changed = append(changed, "username")
	}
	if u.Password != "" {
		changed = append(changed, "password")
	}
	if u.TOTPSecret != "" || u.ClearTOTP {
		changed = append(changed, "TOTP secret")
	}
	fmt.Fprintf(f.IO.ErrOut, "updated store %s: %s. Try it: sellerops stores test %s\n", st.Name, strings.Join(changed, ", "), st.Name)
	return nil
}

// storesUpdateAPIRun changes a store's API channel, and its portal
// sign-in first when those flags are given too.
func storesUpdateAPIRun(ctx context.Context, f *factory, opts *storesUpdateOptions, readLine func() (string, error)) error {
	if opts.NoAPI && (opts.API || opts.Orders != "" || opts.APISpec != (marketplace.APISpec{})) {
		return usageErrorf("--no-api drops the API channel; give it alone, without --api, --orders or the API addresses")
	}
	u := marketplace.StoreUpdate{Username: opts.Username, ClearTOTP: opts.NoTOTP}
	if err := readUpdateSecrets(opts, readLine, &u); err != nil {
		return err
	}
	au := marketplace.APIUpdate{Spec: opts.APISpec, NewKeys: opts.API, Remove: opts.NoAPI}
	if opts.Orders != "" {
		c, err := channel.Parse("--orders", opts.Orders)
		if err != nil {
			return badInput(err)
		}
		au.Spec.Channels.Orders = c
	}
	if opts.API {
		labels := []string{"client id", "client secret", "refresh token"}
		for i, field := range []*string{&au.Spec.ClientID, &au.Spec.ClientSecret, &au.Spec.RefreshToken} {
			v, err := readLine()
			if err != nil || strings.TrimSpace(v) == "" {
				return usageErrorf("--api: no %s on standard input; pipe the client id, the client secret and the refresh token, one a line", labels[i])
			}
			*field = v
		}
	}
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	if opts.browserChange() {
		if _, err := marketplace.UpdateStore(ctx, deps.DB, deps.Secrets, opts.Name, u); err != nil {
			return err
		}
	}
	st, c, err := marketplace.UpdateAPIStore(ctx, deps, opts.Name, au)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "updated store %s: orders %s, buyer messages %s, replies %s, proactive messages %s\n",
		st.Name, c.Orders, c.ReadMessages, c.Reply, c.Proactive)
	return nil
}

type storesRemoveOptions struct {
	Name     string
	Yes      bool
	KeepData bool
}

func newStoresRemoveCmd(f *factory) *cobra.Command {
	var opts storesRemoveOptions
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a store with its threads and orders, and its secrets",
		Long: strings.TrimSpace(`
Remove a store: its buyer threads and orders are deleted from the database and
its password, TOTP secret and session from the keyring. Claims on its parcels
stay, without their order. It says how many threads, orders and claims go with
it and asks first at a terminal; in a script pass --yes (without it the
command exits 2 and removes nothing).

With --keep-data only the secrets go: the store is no longer synced or signed
in to, and its threads, messages, orders and claims stay to read and search
(stores list --all shows it). Removing it again without --keep-data deletes
that history too.`),
		Example: "  sellerops stores remove shop-us\n  sellerops stores remove shop-us --yes\n  sellerops stores remove shop-us --keep-data --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return storesRemoveRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Remove without asking")
	cmd.Flags().BoolVar(&opts.KeepData, "keep-data", false, "Keep the store's threads, orders and claims as history; remove only its secrets and stop syncing it")
	return cmd
}

func storesRemoveRun(ctx context.Context, f *factory, opts *storesRemoveOptions) error {
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	st, err := deps.DB.GetStoreRecord(ctx, opts.Name)
	if err != nil {
		return err
	}
	if opts.KeepData && !st.RemovedAt.IsZero() {
		fmt.Fprintf(f.IO.ErrOut, "store %s was already removed on %s; its history is kept\n", st.Name, st.RemovedAt.Format(time.DateOnly))
		return nil
	}
	n, err := deps.DB.CountStoreData(ctx, st.ID)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("store %s with %d threads and %d orders (%d claims keep their parcel but lose the order)",
		st.Name, n.Threads, n.Orders, n.Claims)
	if opts.KeepData {
		what = fmt.Sprintf("store %s from use (its %d threads, %d orders and %d claims stay as history)",
			st.Name, n.Threads, n.Orders, n.Claims)
	}
	if !opts.Yes {
		if !f.IO.IsStdinTTY() {
			return usageErrorf("removing %s needs --yes without a terminal; nothing was removed", what)
		}
		fmt.Fprintf(f.IO.ErrOut, "Remove %s? [y/N] ", what)
		line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			fmt.Fprintln(f.IO.ErrOut, "nothing removed")
			return nil
		}
	}
	if err := marketplace.RemoveStore(ctx, deps.DB, deps.Secrets, st.Name, opts.KeepData); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "removed %s\n", what)
	return nil
}

func newStoresTestCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "test NAME",
		Short: "Sign in to a store and report whether it works",
		Long: strings.TrimSpace(`
Sign in to the store (with its kept session when the site still accepts it)
and report. A store with an API channel first has its API credentials
exchanged for a token and one order search made. Exit codes: 0 signed in, 11 a person is needed (CAPTCHA, unknown
second step: run 'sellerops stores login NAME --show'), 12 the site refused the
credentials.`),
		Example: "  sellerops stores test shop-us",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return storesLoginRun(cmd.Context(), f, args[0], false)
		},
	}
}

func newStoresLoginCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "login NAME",
		Short: "Sign in, with a visible browser (--show) for a person to pass a CAPTCHA",
		Long: strings.TrimSpace(`
Sign in to the store and keep the session. With --show the browser opens in a
window: fill in a CAPTCHA or an unknown second step yourself, and sellerops
waits (up to 5 minutes) until the store's inbox shows, then keeps the session
cookies in the keyring so that later runs need no person.`),
		Example: "  sellerops stores login shop-us --show",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return storesLoginRun(cmd.Context(), f, args[0], f.Opts.Show)
		},
	}
}

func storesLoginRun(ctx context.Context, f *factory, name string, person bool) error {
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	st, err := deps.DB.GetStoreByName(ctx, name)
	if err != nil {
		return err
	}
	if byMail, err := deps.Mail.HasMail(ctx, st); err != nil {
		return err
	} else if byMail {
		fmt.Fprintf(f.IO.ErrOut, "logging in to the IMAP and SMTP servers of %s...\n", name)
		if err := mail.Test(ctx, deps.Mail.(mail.Channel).Deps, st); err != nil {
			return err
		}
		fmt.Fprintf(f.IO.Out, "%s: IMAP and SMTP logins work\n", name)
		return nil
	}
	if a, err := deps.DB.GetAPIAccount(ctx, st.ID); err == nil {
		fmt.Fprintf(f.IO.ErrOut, "calling the API of %s...\n", name)
		if err := marketplace.TestAPI(ctx, deps, st); err != nil {
			return err
		}
		fmt.Fprintf(f.IO.Out, "%s: the API answers\n", name)
		if !marketplace.NeedsBrowser(&a) {
			return nil
		}
	} else if !errors.Is(err, localdb.ErrNotFound) {
		return err
	}
	if deps.Browser, err = f.Browser(ctx); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "signing in to %s...\n", name)
	if err := marketplace.CheckLogin(ctx, deps, name, person); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "%s: signed in\n", name)
	return nil
}

// readUpdateSecrets reads the new password and TOTP secret of `stores
// update` from standard input, one line each, in that order, as
// --password-stdin and --totp-secret-stdin ask.
func readUpdateSecrets(opts *storesUpdateOptions, readLine func() (string, error), u *marketplace.StoreUpdate) error {
	if opts.PasswordStdin {
		pw, err := readLine()
		if err != nil || pw == "" {
			return usageErrorf("--password-stdin: no password on standard input")
		}
		u.Password = pw
	}
	if opts.TOTPStdin {
		seed, err := readLine()
		if err != nil || strings.TrimSpace(seed) == "" {
			return usageErrorf("--totp-secret-stdin: no TOTP secret on standard input (after the password line, with --password-stdin)")
		}
		u.TOTPSecret = seed
	}
	return nil
}
