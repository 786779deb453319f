package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-imap"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
)

// Channel is the email channel as package marketplace uses it.
type Channel struct{ Deps *Deps }

var _ marketplace.MailChannel = Channel{}

// HasMail tells whether the store has an email account.
func (ch Channel) HasMail(ctx context.Context, st localdb.Store) (bool, error) {
	_, err := ch.Deps.DB.GetMailAccount(ctx, st.ID)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, localdb.ErrNotFound):
		return false, nil
	}
	return false, err
}

// SyncStore reads the store's new mail; see Sync.
func (ch Channel) SyncStore(ctx context.Context, st localdb.Store, rec automations.Recorder, progress func(marketplace.Progress)) marketplace.StoreSummary {
	return Sync(ctx, ch.Deps, st, rec, progress)
}

// SendReply answers a thread by email; see SendReply.
func (ch Channel) SendReply(ctx context.Context, threadID int64, body string, progress func(marketplace.Progress)) (marketplace.ReplyResult, error) {
	return SendReply(ctx, ch.Deps, threadID, body, progress)
}

// fetchChunk is how many mails one UID FETCH asks for.
const fetchChunk = 200

// Sync reads the mail that arrived in the store's folders since the last
// sync: per folder, the UIDs above the last one stored under the same
// UIDVALIDITY (RFC 3501 2.3.1.1), so that nothing is read twice and a
// folder with nothing new costs one EXAMINE. A folder whose UIDVALIDITY
// changed is read again from its start; mails already stored are
// recognised by their Message-ID and not stored twice.
//
// Each mail becomes a message of a thread (see threadFor), or is counted
// as a skipped notification. A mail that cannot be read at all is recorded
// as a failed item ("mail:STORE:FOLDER:UID") of class page_changed with its
// raw bytes kept as evidence, and the sync goes on.
func Sync(ctx context.Context, d *Deps, st localdb.Store, rec automations.Recorder, progress func(marketplace.Progress)) marketplace.StoreSummary {
	if rec == nil {
		rec = automations.NoRecord
	}
	if progress == nil {
		progress = func(marketplace.Progress) {}
	}
	key := "store:" + st.Name
	if !rec.Begin(ctx, key) {
		return marketplace.StoreSummary{}
	}
	y := &mailSync{d: d, st: st, rec: rec, progress: progress, rules: d.rules().For(st.Marketplace),
		sum: marketplace.StoreSummary{Store: st.Name, Marketplace: st.Marketplace}}
	if err := y.run(ctx); err != nil {
		return y.fail(ctx, key, err)
	}
	if err := d.DB.RecordSync(ctx, st.ID, st.SyncCursor, d.now()); err != nil {
		return y.fail(ctx, key, err)
	}
	if ts, err := d.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{st.ID}, Overdue: true}); err == nil {
		y.sum.Overdue = len(ts)
	}
	y.sum.OK = true
	rec.End(ctx, key, nil)
	progress(marketplace.Progress{Store: st.Name, Phase: "done", Done: y.sum.Checked, Total: y.sum.Checked,
		Message: fmt.Sprintf("%d new threads, %d new messages, %d notifications skipped", y.sum.NewThreads, y.sum.NewMessages, y.sum.Skipped)})
	return y.sum
}

type mailSync struct {
	d        *Deps
	st       localdb.Store
	acct     localdb.MailAccount
	rec      automations.Recorder
	progress func(marketplace.Progress)
	rules    *MarketRules
	sum      marketplace.StoreSummary
}

func (y *mailSync) fail(ctx context.Context, key string, err error) marketplace.StoreSummary {
	class := automations.Classify(err)
	var f *automations.Failure
	if errors.As(err, &f) {
		class = f.Class
	}
	y.sum.OK = false
	y.sum.FailureClass = string(class)
	y.sum.Error = err.Error()
	if class == automations.AuthFailed {
		_ = y.d.DB.SetSessionState(context.WithoutCancel(ctx), y.st.ID, localdb.SessionAuthFailed)
	}
	y.rec.End(ctx, key, err)
	y.d.logger().Warn("store not synced", "store", y.st.Name, "class", class, "err", err)
	y.progress(marketplace.Progress{Store: y.st.Name, Phase: "failed", Message: string(class) + ": " + err.Error()})
	return y.sum
}

func (y *mailSync) run(ctx context.Context) error {
	acct, pw, err := y.d.account(ctx, y.st)
	if err != nil {
		return err
	}
	y.acct = acct
	y.progress(marketplace.Progress{Store: y.st.Name, Phase: "login"})
	ic, err := y.d.dialIMAP(ctx, acct, pw)
	if err != nil {
		return err
	}
	defer ic.close()
	stop := context.AfterFunc(ctx, func() { _ = ic.c.Terminate() })
	defer stop()
	_ = y.d.DB.SetSessionState(ctx, y.st.ID, localdb.SessionOK)
	for _, folder := range acct.Folders {
		if err := y.folder(ctx, ic, folder); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
	}
	return nil
}

// folder reads one folder's new mail.
func (y *mailSync) folder(ctx context.Context, ic *imapConn, folder string) error {
	state, err := y.d.DB.GetMailFolder(ctx, y.st.ID, folder)
	if err != nil {
		return err
	}
	y.progress(marketplace.Progress{Store: y.st.Name, Phase: "list", Message: folder})
	mbox, err := ic.c.Select(folder, true) // EXAMINE: nothing is marked seen
	if err != nil {
		return netError("imap.examine "+folder, y.acct.IMAPHost, y.acct.IMAPPort, y.acct.IMAPSecurity, fmt.Errorf("folder %q: %w", folder, err))
	}
	last := state.LastUID
	if mbox.UidValidity != state.UIDValidity {
		last = 0
	}
	if mbox.Messages == 0 || (mbox.UidNext != 0 && mbox.UidNext <= last+1) {
		if mbox.UidValidity != state.UIDValidity {
			return y.d.DB.SetMailFolder(ctx, y.st.ID, folder, mbox.UidValidity, last, 0)
		}
		return nil // nothing new: the EXAMINE was the one round trip
	}
	// The UIDs above last; "last+1:*" also returns the highest message when
	// none is above (RFC 3501 6.4.8), so the list is filtered.
	seq := new(imap.SeqSet)
	seq.AddRange(last+1, 0)
	crit := imap.NewSearchCriteria()
	crit.Uid = seq
	uids, err := ic.c.UidSearch(crit)
	if err != nil {
		return netError("imap.search "+folder, y.acct.IMAPHost, y.acct.IMAPPort, y.acct.IMAPSecurity, err)
	}
	var fresh []uint32
	for _, u := range uids {
		if u > last {
			fresh = append(fresh, u)
		}
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i] < fresh[j] })
	total := len(fresh)
	y.sum.Checked += total
	section := &imap.BodySectionName{Peek: true}
	for i := 0; i < len(fresh); i += fetchChunk {
		part := fresh[i:min(i+fetchChunk, len(fresh))]
		set := new(imap.SeqSet)
		set.AddNum(part...)
		ch := make(chan *imap.Message, 16)
		done := make(chan error, 1)
		go func() { done <- ic.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
		skipped := 0
		got := map[uint32][]byte{}
		for msg := range ch {
			if lit := msg.GetBody(section); lit != nil {
				b := make([]byte, lit.Len())
				n, _ := readFull(lit, b)
				got[msg.Uid] = b[:n]
			}
		}
		if err := <-done; err != nil {
			return netError("imap.fetch "+folder, y.acct.IMAPHost, y.acct.IMAPPort, y.acct.IMAPSecurity, err)
		}
		for _, uid := range part {
			raw, ok := got[uid]
			if !ok {
				continue // expunged between SEARCH and FETCH
			}
			skip, err := y.one(ctx, folder, uid, raw)
			if err != nil {
				return err
			}
			if skip {
				skipped++
			}
		}
		if err := y.d.DB.SetMailFolder(ctx, y.st.ID, folder, mbox.UidValidity, part[len(part)-1], skipped); err != nil {
			return err
		}
		y.sum.Skipped += skipped
		y.progress(marketplace.Progress{Store: y.st.Name, Phase: "threads", Done: min(i+fetchChunk, total), Total: total, Message: folder})
	}
	return nil
}

func readFull(r interface{ Read([]byte) (int, error) }, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// one files one mail. It reports whether the mail was a skipped
// notification; its error stops the store (the database failed), while a
// mail that does not fit is recorded as a failed item.
func (y *mailSync) one(ctx context.Context, folder string, uid uint32, raw []byte) (bool, error) {
	itemKey := fmt.Sprintf("mail:%s:%s:%d", y.st.Name, folder, uid)
	m, err := Parse(raw)
	if err != nil {
		y.failItem(ctx, itemKey, raw, err)
		return false, nil
	}
	if note, why := y.rules.Notification(m.From.Address, m.Subject); note {
		y.d.logger().Debug("notification skipped", "store", y.st.Name, "uid", uid, "rule", why)
		return true, nil
	}
	if len(m.Problems) > 0 {
		y.sum.Partial++
		ev := y.keepRaw(itemKey, raw)
		y.d.logger().Warn("mail stored with parts not read", "item", itemKey, "problems", strings.Join(m.Problems, "; "), "evidence", ev)
	}
	if m.Date.IsZero() {
		// RFC 5322 requires a Date; without one, the time it was read.
		m.Date = y.d.now()
	}
	out := strings.EqualFold(m.From.Address, y.acct.Address)
	lang := ""
	if !out {
		lang = messages.DetectLanguage(m.Text, messages.DetectOptions{Prior: messages.LocalePrior(y.st.BaseURL)})
	}
	th, err := y.threadFor(ctx, m, out, lang)
	if err != nil {
		return false, err
	}
	lm := localdb.Message{MarketplaceMessageID: m.MessageID, Direction: localdb.DirectionIn, Sender: senderName(m.From),
		Body: m.Text, SentAt: m.Date}
	if out {
		lm.Direction, lm.Sender = localdb.DirectionOut, "seller"
	} else {
		lm.Language = lang
	}
	atts, err := y.saveAttachments(m)
	if err != nil {
		y.d.logger().Warn("attachments not saved", "item", itemKey, "err", err)
	}
	lm.Attachments = atts
	replyTo := m.ReplyTo
	meta := localdb.MailMeta{HeaderID: m.MessageID, From: m.From.Address, ReplyTo: replyTo,
		References: append(append([]string{}, m.References...), missingFrom(m.References, m.InReplyTo)...), Folder: folder, UID: uid}
	saved, err := y.d.DB.SaveMail(ctx, th, lm, meta)
	if err != nil {
		if errors.Is(err, localdb.ErrInvalid) || errors.Is(err, localdb.ErrConflict) {
			y.failItem(ctx, itemKey, raw, err)
			return false, nil
		}
		return false, err
	}
	if saved.Created {
		y.sum.NewThreads++
	}
	y.sum.NewMessages += saved.NewMessages
	y.sum.Attachments += len(atts)
	if !out && saved.NewMessages > 0 {
		if err := y.linkParcels(ctx, saved.Thread, th, m.Text); err != nil {
			return false, err
		}
	}
	return false, nil
}

func missingFrom(have, add []string) []string {
	var out []string
	for _, a := range add {
		found := false
		for _, h := range have {
			found = found || h == a
		}
		if !found {
			out = append(out, a)
		}
	}
	return out
}

func senderName(a Address) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Address
}

// threadFor finds the thread a mail belongs to: the thread of a mail its
// In-Reply-To or References name (RFC 5322 3.6.4); else, for a buyer
// writing through the marketplace's relay, the thread of that relay alias
// and the order number the subject or body gives (Amazon keeps one alias
// per buyer and seller); else a thread of the sender and order number; else
// a new thread of its own.
func (y *mailSync) threadFor(ctx context.Context, m Mail, out bool, lang string) (localdb.Thread, error) {
	order := y.rules.OrderNumber(m.Subject, m.Text)
	buyer := m.ReplyTo
	if buyer == "" {
		buyer = m.From.Address
	}
	if out && len(m.To) > 0 {
		buyer = m.To[0]
	}
	t := localdb.Thread{StoreID: y.st.ID, MarketplaceOrderID: order, Subject: cleanSubject(m.Subject), Kind: localdb.KindMessage}
	if !out {
		t.BuyerName = senderName(m.From)
	}
	refs := append(append([]string{}, m.References...), m.InReplyTo...)
	found, err := y.d.DB.FindMailThread(ctx, y.st.ID, refs)
	switch {
	case err == nil:
		t.MarketplaceThreadID = found.MarketplaceThreadID
		t.Subject = "" // the thread keeps its first subject
		if m.From.Name == "" {
			t.BuyerName = "" // nor is a name replaced by a bare address
		}
		if order == "" {
			t.MarketplaceOrderID = found.MarketplaceOrderID
		}
		if !out {
			t.Language, t.ReplyDeadline = lang, y.deadline(m, found)
		}
		return t, nil
	case !errors.Is(err, localdb.ErrNotFound):
		return localdb.Thread{}, err
	}
	switch {
	case y.rules.IsRelay(buyer) && order != "":
		t.MarketplaceThreadID = "relay:" + buyer + ":" + order
	case y.rules.IsRelay(buyer):
		t.MarketplaceThreadID = "relay:" + buyer
	case order != "":
		t.MarketplaceThreadID = "mail:" + buyer + ":" + order
	default:
		t.MarketplaceThreadID = "mail:" + m.MessageID
	}
	if !out {
		existing, err := y.d.DB.GetThreadByMarketplaceID(ctx, y.st.ID, t.MarketplaceThreadID)
		if err != nil && !errors.Is(err, localdb.ErrNotFound) {
			return localdb.Thread{}, err
		}
		if err == nil {
			t.Subject = ""
			if m.From.Name == "" {
				t.BuyerName = ""
			}
		}
		t.Language, t.ReplyDeadline = lang, y.deadline(m, existing)
	}
	return t, nil
}

// deadline gives the thread's reply deadline from a buyer mail, by the
// marketplace's clock (messages.ReplyDeadline, as for the site); a mail
// older than the thread's newest message leaves the deadline as it is.
func (y *mailSync) deadline(m Mail, existing localdb.Thread) time.Time {
	if !existing.LastMessageAt.IsZero() && m.Date.Before(existing.LastMessageAt) {
		return time.Time{}
	}
	return messages.ReplyDeadline(y.st.Marketplace, localdb.KindMessage, m.Date)
}

// linkParcels links the thread's order to the parcels whose tracking
// numbers the buyer wrote, as the site sync does. A mail names an order
// the store may not have read from the marketplace: the order is recorded
// with what the mail says (its number and buyer), never more.
func (y *mailSync) linkParcels(ctx context.Context, saved, t localdb.Thread, text string) error {
	refs := messages.ParcelNumbers(text, saved.MarketplaceOrderID)
	if len(refs) == 0 {
		return nil
	}
	orderID := saved.OrderID
	if orderID == 0 && saved.MarketplaceOrderID != "" {
		o, _, err := y.d.DB.UpsertOrder(ctx, localdb.Order{StoreID: y.st.ID, MarketplaceOrderID: saved.MarketplaceOrderID, BuyerName: saved.BuyerName})
		if err != nil {
			return err
		}
		orderID = o.ID
	}
	if orderID == 0 {
		return nil
	}
	for _, tr := range refs {
		if _, _, err := y.d.DB.EnsureShipment(ctx, localdb.Shipment{Courier: tr.Courier, TrackingNumber: tr.Number, OrderID: orderID}); err != nil {
			return err
		}
	}
	return nil
}

// saveAttachments writes a mail's attachments under AttachmentDir/<store>/,
// each named by the first bytes of its SHA-256 and its own name, so that two
// files of the same name never overwrite each other.
func (y *mailSync) saveAttachments(m Mail) ([]localdb.Attachment, error) {
	var out []localdb.Attachment
	var errs []error
	used := map[string]int{}
	dir := ""
	if y.d.AttachmentDir != "" {
		dir = filepath.Join(y.d.AttachmentDir, y.st.Name)
		if len(m.Attachments) > 0 {
			if err := localdb.EnsurePrivateDir(dir); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range m.Attachments {
		name := safeName(p.Name)
		if n := used[name]; n > 0 {
			ext := filepath.Ext(name)
			name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), n+1, ext)
		}
		used[safeName(p.Name)]++
		sum := sha256.Sum256(p.Data)
		a := localdb.Attachment{FileName: name, MIME: p.MIME, Size: int64(len(p.Data)), SHA256: hex.EncodeToString(sum[:])}
		if dir != "" {
			path := filepath.Join(dir, a.SHA256[:12]+"-"+name)
			if _, err := os.Stat(path); err != nil {
				tmp := path + ".part"
				if err := os.WriteFile(tmp, p.Data, 0o600); err != nil {
					errs = append(errs, err)
				} else if err := os.Rename(tmp, path); err != nil {
					errs = append(errs, err)
				}
			}
			if _, err := os.Stat(path); err == nil {
				a.LocalPath = path
			}
		}
		out = append(out, a)
	}
	return out, errors.Join(errs...)
}

// safeName keeps letters, digits (of any script), dots, dashes and
// underscores of a file name.
func safeName(name string) string {
	var b strings.Builder
	for _, r := range filepath.Base(name) {
		switch {
		case r == '.' || r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		return "attachment"
	}
	return s
}

// keepRaw saves the raw mail as evidence (mode 0600) and returns its path,
// or "" when no evidence folder is set.
func (y *mailSync) keepRaw(itemKey string, raw []byte) string {
	if y.d.EvidenceDir == "" {
		return ""
	}
	dir := filepath.Join(y.d.EvidenceDir, "mail-"+safeName(y.st.Name))
	if err := localdb.EnsurePrivateDir(dir); err != nil {
		return ""
	}
	path := filepath.Join(dir, safeName(strings.ReplaceAll(itemKey, ":", "_"))+".eml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return ""
	}
	_ = os.Chmod(path, 0o600)
	return path
}

// failItem records a mail that could not be stored, with its raw bytes.
func (y *mailSync) failItem(ctx context.Context, itemKey string, raw []byte, cause error) {
	ev := y.keepRaw(itemKey, raw)
	f := &automations.Failure{Class: automations.PageChanged, Step: "mail.read", Site: y.st.Marketplace,
		Err: fmt.Errorf("%s: %w", itemKey, cause), Evidence: ev}
	if err := y.rec.Add(ctx, itemKey); err == nil {
		y.rec.End(context.WithoutCancel(ctx), itemKey, f)
	}
	y.sum.Failed++
	y.d.logger().Warn("mail not stored", "item", itemKey, "err", cause, "evidence", ev)
}
