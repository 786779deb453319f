package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	gomail "github.com/emersion/go-message/mail"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/localdb"
)

// ReplyPoints are the steps of an email reply, in order. Deps.Hook is
// called with each as it is passed.
var ReplyPoints = []string{
	"intent-written", // the outbox holds the intent and the reply's Message-ID; nothing was sent
	"checked",        // Sent was searched for an earlier attempt (or none was needed)
	"in-flight",      // the intent is marked in flight
	"smtp-connected", // signed in to the SMTP server
	"envelope",       // MAIL FROM and RCPT TO accepted
	"data-open",      // DATA accepted; nothing of the message written
	"data-half",      // half the message written
	"data-written",   // all of it written, the final "." not yet
	"data-ended",     // the server accepted the message (250 after DATA)
	"marked-done",    // the outbox says done
	"sent-copy",      // the copy is in Sent (the server's, or appended)
	"stored",         // the reply is in the local thread
}

// mailPayload is what the outbox keeps of an email reply, enough to send
// the very same message again.
type mailPayload struct {
	ThreadID            int64     `json:"thread_id"`
	Store               string    `json:"store"`
	MarketplaceThreadID string    `json:"marketplace_thread_id"`
	Body                string    `json:"body"`
	Channel             string    `json:"channel"`
	MessageID           string    `json:"message_id"`
	From                string    `json:"from"`
	To                  string    `json:"to"`
	Subject             string    `json:"subject"`
	InReplyTo           string    `json:"in_reply_to"`
	References          []string  `json:"references"`
	Date                time.Time `json:"date"`
}

// MessageIDFor is the Message-ID of the reply body to thread threadID from
// address: the outbox's idempotency key, so that the same reply is the same
// message whenever it is sent.
func MessageIDFor(threadID int64, body, address string) string {
	domain := "sellerops.invalid"
	if _, d, ok := strings.Cut(address, "@"); ok && d != "" {
		domain = strings.ToLower(d)
	}
	return marketplace.ReplyKey(threadID, body) + "@" + domain
}

// SendReply answers a mail thread over SMTP: to the address the buyer
// wrote from (the relay alias for Amazon), from the store's registered
// address, with In-Reply-To and References set (RFC 5322 3.6.4).
//
// The reply goes through the outbox: its Message-ID is the idempotency key
// and is stored, with the whole message's fields, before anything is sent.
// An intent an earlier run left in flight or unsure is first looked for in
// the account's Sent folder (IMAP SEARCH HEADER Message-ID) and, found,
// recorded instead of sent again. A server that does not keep a copy in
// Sent gets one by IMAP APPEND.
func SendReply(ctx context.Context, d *Deps, threadID int64, body string, progress func(marketplace.Progress)) (marketplace.ReplyResult, error) {
	if progress == nil {
		progress = func(marketplace.Progress) {}
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return marketplace.ReplyResult{}, fmt.Errorf("%w: the reply to thread %d is empty", ErrInvalidInput, threadID)
	}
	db := d.DB
	th, err := db.GetThread(ctx, threadID)
	if err != nil {
		return marketplace.ReplyResult{}, err
	}
	st, err := db.GetStore(ctx, th.StoreID)
	if err != nil {
		return marketplace.ReplyResult{}, err
	}
	acct, pw, err := d.account(ctx, st)
	if err != nil {
		return marketplace.ReplyResult{}, err
	}
	target, err := db.GetMailReplyTarget(ctx, th.ID)
	if err != nil {
		if errors.Is(err, localdb.ErrNotFound) {
			return marketplace.ReplyResult{}, fmt.Errorf("%w: thread %d has no buyer mail to answer", ErrInvalidInput, th.ID)
		}
		return marketplace.ReplyResult{}, err
	}
	msgID := MessageIDFor(th.ID, body, acct.Address)
	res := marketplace.ReplyResult{Key: msgID}
	subject := th.Subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	p := mailPayload{ThreadID: th.ID, Store: st.Name, MarketplaceThreadID: th.MarketplaceThreadID, Body: body, Channel: "email",
		MessageID: msgID, From: acct.Address, To: target.To, Subject: subject, InReplyTo: target.InReplyTo,
		References: target.References, Date: d.now().Truncate(time.Second)}
	payload, _ := json.Marshal(p)
	e, _, err := db.WriteIntent(ctx, localdb.Intent{Key: msgID, Kind: localdb.OutboxReply, Target: fmt.Sprintf("thread:%d", th.ID), Payload: payload})
	if err != nil {
		return res, err
	}
	d.hook("intent-written")
	if e.State == localdb.OutboxDone {
		res.AlreadySent, res.Attempts = true, e.Attempts
		return res, nil
	}
	// The message as first written: a resend is byte for byte the same.
	if err := json.Unmarshal(e.Payload, &p); err != nil || p.MessageID != msgID {
		return res, fmt.Errorf("outbox intent %s: unreadable payload", msgID)
	}
	raw, err := compose(p)
	if err != nil {
		return res, err
	}
	needCheck := e.State != localdb.OutboxPending || e.Attempts > 0
	if e.State == localdb.OutboxInFlight {
		if e, err = db.MarkNeedsCheck(ctx, e.ID, ""); err != nil {
			return res, err
		}
	}

	progress(marketplace.Progress{Store: st.Name, Phase: "login"})
	ic, err := d.dialIMAP(ctx, acct, pw)
	if err != nil {
		return res, err
	}
	defer ic.close()
	if needCheck {
		progress(marketplace.Progress{Store: st.Name, Phase: "check"})
		found, err := ic.hasMessage(acct.SentFolder, msgID)
		if err != nil {
			return res, netError("reply.check", acct.IMAPHost, acct.IMAPPort, acct.IMAPSecurity, err)
		}
		if found {
			if e, err = db.MarkDone(ctx, e.ID, doneResult(msgID, true, d.now())); err != nil {
				return res, err
			}
			d.hook("marked-done")
			res.Recovered, res.Attempts = true, e.Attempts
			return res, storeReply(ctx, d, th, p)
		}
	}
	d.hook("checked")
	if e, err = db.MarkInFlight(ctx, e.ID); err != nil {
		return res, err
	}
	res.Attempts = e.Attempts
	d.hook("in-flight")
	progress(marketplace.Progress{Store: st.Name, Phase: "send"})
	submitted, err := d.submit(ctx, acct, pw, p, raw)
	if err != nil {
		mark := db.MarkFailed
		if submitted {
			mark = db.MarkNeedsCheck // the server may have taken it: look before sending again
		}
		class := automations.Classify(err)
		var f *automations.Failure
		if errors.As(err, &f) {
			class = f.Class
		}
		if _, merr := mark(context.WithoutCancel(ctx), e.ID, string(class)); merr != nil {
			return res, errors.Join(err, merr)
		}
		return res, err
	}
	d.hook("data-ended")
	// Done first: from here a crash may at worst lose the Sent copy, never
	// send the reply twice.
	if e, err = db.MarkDone(ctx, e.ID, doneResult(msgID, false, d.now())); err != nil {
		return res, err
	}
	d.hook("marked-done")
	if found, err := ic.hasMessage(acct.SentFolder, msgID); err == nil && !found {
		if err := ic.c.Append(acct.SentFolder, []string{imap.SeenFlag}, p.Date, bytes.NewReader(raw)); err != nil {
			d.logger().Warn("reply sent, no copy in Sent", "store", st.Name, "folder", acct.SentFolder, "err", err)
		}
	}
	d.hook("sent-copy")
	return res, storeReply(ctx, d, th, p)
}

func doneResult(id string, recovered bool, at time.Time) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"message_id": id, "recovered": recovered, "at": at})
	return b
}

// storeReply keeps the sent reply in the local thread under its
// Message-ID, the id a later sync of Sent gives it, so that the buyer's
// answer to it is threaded here too.
func storeReply(ctx context.Context, d *Deps, th localdb.Thread, p mailPayload) error {
	_, err := d.DB.SaveMail(ctx, localdb.Thread{StoreID: th.StoreID, MarketplaceThreadID: th.MarketplaceThreadID},
		localdb.Message{MarketplaceMessageID: p.MessageID, Direction: localdb.DirectionOut, Sender: "seller", Body: p.Body, SentAt: p.Date},
		localdb.MailMeta{HeaderID: p.MessageID, From: p.From, References: p.References})
	if err != nil {
		return fmt.Errorf("reply sent, but not stored locally (the next sync of Sent stores it): %w", err)
	}
	d.hook("stored")
	return nil
}

// compose writes the reply as a MIME message: UTF-8 text, quoted-printable.
func compose(p mailPayload) ([]byte, error) {
	var h gomail.Header
	h.SetDate(p.Date)
	h.SetMessageID(p.MessageID)
	h.SetAddressList("From", []*gomail.Address{{Address: p.From}})
	h.SetAddressList("To", []*gomail.Address{{Address: p.To}})
	h.SetSubject(p.Subject)
	if p.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{p.InReplyTo})
	}
	if len(p.References) > 0 {
		h.SetMsgIDList("References", p.References)
	}
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	var buf bytes.Buffer
	w, err := gomail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(p.Body, "\n", "\r\n") + "\r\n")); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// submit sends raw over SMTP. submitted says whether the final "." of DATA
// went out, after which the server may hold the message whatever the error.
func (d *Deps) submit(ctx context.Context, acct localdb.MailAccount, pw string, p mailPayload, raw []byte) (submitted bool, err error) {
	c, err := d.dialSMTP(ctx, acct, pw)
	if err != nil {
		return false, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	smtpErr := func(step string, err error) error {
		return netError(step, acct.SMTPHost, acct.SMTPPort, acct.SMTPSecurity, err)
	}
	d.hook("smtp-connected")
	if err := c.Mail(p.From, nil); err != nil {
		return false, smtpErr("smtp.mail", err)
	}
	if err := c.Rcpt(p.To, nil); err != nil {
		return false, smtpErr("smtp.rcpt", fmt.Errorf("recipient %s: %w", p.To, err))
	}
	d.hook("envelope")
	w, err := c.Data()
	if err != nil {
		return false, smtpErr("smtp.data", err)
	}
	d.hook("data-open")
	half := len(raw) / 2
	if _, err := w.Write(raw[:half]); err != nil {
		return false, smtpErr("smtp.data", err)
	}
	d.hook("data-half")
	if _, err := w.Write(raw[half:]); err != nil {
		return false, smtpErr("smtp.data", err)
	}
	d.hook("data-written")
	if err := w.Close(); err != nil {
		return true, smtpErr("smtp.data", err)
	}
	_ = c.Quit()
	return true, nil
}

// hasMessage tells whether the folder holds a message with the Message-ID.
func (ic *imapConn) hasMessage(folder, msgID string) (bool, error) {
	if _, err := ic.c.Select(folder, true); err != nil {
		return false, fmt.Errorf("folder %q: %w", folder, err)
	}
	crit := imap.NewSearchCriteria()
	crit.Header.Add("Message-Id", "<"+msgID+">")
	ids, err := ic.c.UidSearch(crit)
	return len(ids) > 0, err
}
