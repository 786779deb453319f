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
	sizes, err := y.sizes(ic, folder, fresh)
	if err != nil {
		return err
	}
	done := 0
	for _, part := range chunks(fresh, sizes, y.d.chunkMails(), chunkBytes, y.d.maxMailBytes()) {
		if err := y.chunk(ctx, ic, folder, mbox.UidValidity, part, sizes); err != nil {
			return err
		}
		done += len(part)
		y.progress(marketplace.Progress{Store: y.st.Name, Phase: "threads", Done: done, Total: total, Message: folder})
	}
	return nil
}

// chunk reads one chunk of a folder's mail and stores it in one
// transaction with the folder's new watermark (the chunk's highest UID):
// all of the chunk or none of it, so that a process stopped part-way reads
// the chunk again whole and stores each mail once.
func (y *mailSync) chunk(ctx context.Context, ic *imapConn, folder string, uidValidity uint32, part []uint32, sizes map[uint32]int64) error {
	limit := y.d.maxMailBytes()
	var small []uint32
	for _, uid := range part {
		if sizes[uid] <= limit {
			small = append(small, uid)
		}
	}
	got, err := y.fetchWhole(ic, folder, small)
	if err != nil {
		return err
	}
	var mails []pending
	for _, uid := range part {
		if sizes[uid] > limit {
			p, err := y.fetchLarge(ic, folder, uid, sizes[uid])
			if err != nil {
				return err
			}
			if p != nil {
				mails = append(mails, *p)
			}
			continue
		}
		raw, ok := got[uid]
		if !ok {
			continue // expunged between SEARCH and FETCH
		}
		p := pending{uid: uid, raw: raw}
		p.mail, p.err = Parse(raw)
		mails = append(mails, p)
	}
	// What the chunk adds to the summary counts once it is committed.
	var add marketplace.StoreSummary
	var failed []pending
	for i := range mails {
		p := &mails[i]
		p.key = fmt.Sprintf("mail:%s:%s:%d", y.st.Name, folder, p.uid)
		if p.err != nil {
			y.failItem(ctx, p.key, p.raw, p.err)
			continue
		}
		if note, why := y.rules.Notification(p.mail.From.Address, p.mail.Subject); note {
			y.d.logger().Debug("notification skipped", "store", y.st.Name, "uid", p.uid, "rule", why)
			p.skip = true
			add.Skipped++
			continue
		}
		if p.mail.Date.IsZero() {
			// RFC 5322 requires a Date; without one, the time it was read.
			p.mail.Date = y.d.now()
		}
		atts, err := y.saveAttachments(p.mail)
		if err != nil {
			y.d.logger().Warn("attachments not saved", "item", p.key, "err", err)
		}
		p.atts = atts
	}
	err = y.d.DB.MailChunk(ctx, func(mt *localdb.MailTx) error {
		add.NewThreads, add.NewMessages, add.Attachments, add.Partial = 0, 0, 0, 0
		failed = failed[:0]
		for i := range mails {
			p := &mails[i]
			if p.err != nil || p.skip {
				continue
			}
			saved, err := y.store(mt, folder, p)
			if err != nil {
				if errors.Is(err, localdb.ErrInvalid) || errors.Is(err, localdb.ErrConflict) {
					p.saveErr = err
					failed = append(failed, *p)
					continue
				}
				return err
			}
			if saved.Created {
				add.NewThreads++
			}
			add.NewMessages += saved.NewMessages
			add.Attachments += len(p.atts)
			if len(p.mail.Problems) > 0 {
				add.Partial++
			}
			y.d.hook(SyncPointMailWritten)
		}
		return mt.SetFolder(y.st.ID, folder, uidValidity, part[len(part)-1], add.Skipped)
	})
	if err != nil {
		return err
	}
	y.sum.NewThreads += add.NewThreads
	y.sum.NewMessages += add.NewMessages
	y.sum.Attachments += add.Attachments
	y.sum.Partial += add.Partial
	y.sum.Skipped += add.Skipped
	for _, p := range mails {
		if p.err == nil && !p.skip && p.saveErr == nil && len(p.mail.Problems) > 0 {
			ev := y.keepRaw(p.key, p.raw)
			y.d.logger().Warn("mail stored with parts not read", "item", p.key, "problems", strings.Join(p.mail.Problems, "; "), "evidence", ev)
		}
	}
	for _, p := range failed {
		y.failItem(ctx, p.key, p.raw, p.saveErr)
	}
	return nil
}

// SyncPointMailWritten is the Deps.Hook point passed after each mail of a
// chunk is written, before the chunk's transaction commits.
const SyncPointMailWritten = "sync-mail-written"

// pending is one fetched mail of a chunk.
type pending struct {
	uid     uint32
	key     string // the failed-item key, "mail:STORE:FOLDER:UID"
	raw     []byte // the mail, or for one above the size limit what was read of it
	mail    Mail
	err     error // the mail could not be read at all
	skip    bool  // a notification
	atts    []localdb.Attachment
	saveErr error // the database refused the mail
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

// store files one read mail into its thread within the chunk's
// transaction, with the parcels the buyer named. Its error is the
// database's: ErrInvalid or ErrConflict for this mail alone (the chunk
// goes on), anything else stops the store.
func (y *mailSync) store(mt *localdb.MailTx, folder string, p *pending) (localdb.SavedThread, error) {
	m := p.mail
	out := strings.EqualFold(m.From.Address, y.acct.Address)
	lang := ""
	if !out {
		lang = messages.DetectLanguage(m.Text, messages.StoreDetectOptions(y.d.Config, y.st))
	}
	th, err := y.threadFor(mt, m, out, lang)
	if err != nil {
		return localdb.SavedThread{}, err
	}
	lm := localdb.Message{MarketplaceMessageID: m.MessageID, Direction: localdb.DirectionIn, Sender: senderName(m.From),
		Body: m.Text, SentAt: m.Date, Attachments: p.atts, Automatic: m.Automatic != ""}
	if out {
		lm.Direction, lm.Sender = localdb.DirectionOut, "seller"
	} else {
		lm.Language = lang
	}
	meta := localdb.MailMeta{HeaderID: m.MessageID, From: m.From.Address, ReplyTo: m.ReplyTo,
		References: append(append([]string{}, m.References...), missingFrom(m.References, m.InReplyTo)...), Folder: folder, UID: p.uid}
	return mt.Mail(th, lm, meta, func(saved localdb.SavedThread) error {
		if out || saved.NewMessages == 0 {
			return nil
		}
		return y.linkParcels(mt, saved.Thread, m.Text)
	})
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
func (y *mailSync) threadFor(mt *localdb.MailTx, m Mail, out bool, lang string) (localdb.Thread, error) {
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
	found, err := mt.FindMailThread(y.st.ID, refs)
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
		existing, err := mt.GetThreadByMarketplaceID(y.st.ID, t.MarketplaceThreadID)
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
func (y *mailSync) linkParcels(mt *localdb.MailTx, saved localdb.Thread, text string) error {
	refs := messages.ParcelNumbers(text, saved.MarketplaceOrderID)
	if len(refs) == 0 {
		return nil
	}
	orderID := saved.OrderID
	if orderID == 0 && saved.MarketplaceOrderID != "" {
		o, err := mt.UpsertOrder(localdb.Order{StoreID: y.st.ID, MarketplaceOrderID: saved.MarketplaceOrderID, BuyerName: saved.BuyerName})
		if err != nil {
			return err
		}
		orderID = o.ID
	}
	if orderID == 0 {
		return nil
	}
	for _, tr := range refs {
		if err := mt.EnsureShipment(localdb.Shipment{Courier: tr.Courier, TrackingNumber: tr.Number, OrderID: orderID}); err != nil {
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
		if p.NotRead {
			out = append(out, localdb.Attachment{FileName: name, MIME: p.MIME})
			continue
		}
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
