package marketplace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
)

// ReplyPoints are the step boundaries of a reply, in order. Deps.Hook is
// called with each as it is passed.
var ReplyPoints = []string{
	"intent-written", // the outbox holds the intent; nothing was sent
	"session-ready",  // signed in
	"checked",        // the site was searched for an earlier attempt (or none was needed)
	"in-flight",      // the intent is marked in flight
	"form-filled",    // the reply is typed, not sent
	"submitted",      // send was clicked; no confirmation yet
	"confirmed",      // the site shows the reply
	"marked-done",    // the outbox says done
	"stored",         // the reply is in the local thread
}

// ReplyResult says how a reply ended.
type ReplyResult struct {
	Key string `json:"idempotency_key"`
	// AlreadySent: the outbox already held this reply as done; nothing was
	// done now.
	AlreadySent bool `json:"already_sent"`
	// Recovered: an earlier attempt had reached the site; it was found
	// there and recorded instead of sending again.
	Recovered bool `json:"recovered"`
	Attempts  int  `json:"attempts"`
	// Channel is "api" for a reply sent through the store's API, "browser"
	// when the API failed and the browser sent it (APIError says why), ""
	// for a store whose replies go through the browser alone.
	Channel  string `json:"channel,omitempty"`
	APIError string `json:"api_error,omitempty"`
}

// ReplyKey is the idempotency key of a reply: the same text to the same
// thread is the same intent, so running the command again after a crash
// never sends it twice.
func ReplyKey(threadID int64, body string) string {
	h := sha256.Sum256([]byte(strconv.FormatInt(threadID, 10) + "\n" + strings.TrimSpace(body)))
	return "reply-" + hex.EncodeToString(h[:12])
}

// SendReply sends body to the buyer of the local thread threadID through
// the outbox (see SendReplyResult).
func SendReply(ctx context.Context, deps *Deps, threadID int64, body string, progress func(Progress)) error {
	_, err := SendReplyResult(ctx, deps, threadID, body, progress)
	return err
}

// SendTranslatedReply sends sent, the buyer's-language text of a reply the
// operator wrote as orig, through the same outbox as SendReplyResult. The
// original is kept beside the thread before the intent is written, so the
// stored reply has both texts whatever stops the run; the outbox key is the
// sent text's, so running it again never sends it twice.
func SendTranslatedReply(ctx context.Context, deps *Deps, threadID int64, sent string, orig localdb.ReplyOriginal, progress func(Progress)) (ReplyResult, error) {
	if err := deps.check(); err != nil {
		return ReplyResult{}, err
	}
	if strings.TrimSpace(sent) == "" {
		return ReplyResult{}, fmt.Errorf("%w: the translated reply to thread %d is empty", ErrInvalidInput, threadID)
	}
	if err := deps.DB.PutReplyOriginal(ctx, threadID, sent, orig); err != nil {
		return ReplyResult{}, err
	}
	return SendReplyResult(ctx, deps, threadID, sent, progress)
}

type replyPayload struct {
	ThreadID            int64  `json:"thread_id"`
	Store               string `json:"store"`
	MarketplaceThreadID string `json:"marketplace_thread_id"`
	Body                string `json:"body"`
	// Channel is "email" for a reply sent by mail, whose key is its
	// Message-ID; empty for the browser.
	Channel string `json:"channel,omitempty"`
}

// SendReplyResult writes the reply's intent to the outbox with its
// idempotency key before the browser acts, sends it with the key as the
// reply's client reference, and marks the intent done once the site shows
// the reply. An intent left in flight or unsure by an earlier run is first
// looked for on the site; found, it is recorded and not sent again.
func SendReplyResult(ctx context.Context, deps *Deps, threadID int64, body string, progress func(Progress)) (ReplyResult, error) {
	if err := deps.check(); err != nil {
		return ReplyResult{}, err
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return ReplyResult{}, fmt.Errorf("%w: the reply to thread %d is empty", ErrInvalidInput, threadID)
	}
	db := deps.DB
	th, err := db.GetThread(ctx, threadID)
	if err != nil {
		return ReplyResult{}, err
	}
	st, err := db.GetStore(ctx, th.StoreID)
	if err != nil {
		return ReplyResult{}, err
	}
	if deps.Mail != nil {
		byMail, err := deps.Mail.HasMail(ctx, st)
		if err != nil {
			return ReplyResult{}, err
		}
		if byMail {
			return deps.Mail.SendReply(ctx, th.ID, body, progress)
		}
	}
	key := ReplyKey(th.ID, body)
	payload, _ := json.Marshal(replyPayload{ThreadID: th.ID, Store: st.Name, MarketplaceThreadID: th.MarketplaceThreadID, Body: body})
	intent := localdb.Intent{Key: key, Kind: localdb.OutboxReply, Target: fmt.Sprintf("thread:%d", th.ID), Payload: payload}
	if res, sent, err := replyThroughAPI(ctx, deps, st, th, intent, body, progress); sent {
		return res, err
	}
	res, err := deliver(ctx, deps, st, intent, th.MarketplaceThreadID, body, progress)
	if err != nil || res.AlreadySent {
		return res, err
	}

	// The reply is on the site and the outbox says so; keep it in the local
	// thread under the same id a later sync gives it.
	if _, _, err := db.UpsertMessage(ctx, localdb.Message{ThreadID: th.ID, MarketplaceMessageID: "ref:" + key,
		Direction: localdb.DirectionOut, Sender: "seller", Body: body, SentAt: deps.now()}); err != nil {
		return res, fmt.Errorf("reply sent, but not stored locally (the next sync stores it): %w", err)
	}
	deps.hook("stored")
	progress(Progress{Store: st.Name, Phase: "done", Message: "sent"})
	return res, nil
}

// deliver writes the intent to the outbox before the browser acts, signs
// in, and sends body into the site's conversation conv with the intent's
// key as the message's client reference; the intent is marked done once the
// site shows the message. An intent left in flight or unsure by an earlier
// run is first looked for on the site; found, it is recorded and not sent
// again. A done intent sends nothing (AlreadySent).
func deliver(ctx context.Context, deps *Deps, st localdb.Store, in localdb.Intent, conv, body string, progress func(Progress)) (ReplyResult, error) {
	db := deps.DB
	key := in.Key
	res := ReplyResult{Key: key}
	e, _, err := db.WriteIntent(ctx, in)
	if err != nil {
		return res, err
	}
	deps.hook("intent-written")
	if e.State == localdb.OutboxDone {
		res.AlreadySent = true
		res.Attempts = e.Attempts
		return res, nil
	}
	// Anything but a fresh intent may have reached the site already.
	needCheck := e.State != localdb.OutboxPending || e.Attempts > 0
	if e.State == localdb.OutboxInFlight {
		if e, err = db.MarkNeedsCheck(ctx, e.ID, ""); err != nil {
			return res, err
		}
	}

	// Through the store's API where its replies go there; with both
	// channels a failure leaves the call to the browser, which looks for
	// the reply first when the API may have sent it.
	a, byAPI, err := apiReply(ctx, deps, st)
	if err != nil {
		return res, err
	}
	// A delay notice opens an order's conversation, which AddMemberMessageRTQ
	// cannot: it stays in the browser.
	if byAPI && !strings.HasPrefix(key, NoticeKeyPrefix) {
		res.Recovered, err = deliverAPI(ctx, deps, st, a, &e, conv, body, needCheck, progress)
		res.Attempts, res.Channel = e.Attempts, "api"
		if err == nil || a.Channels.Reply != localdb.ChannelBoth || automations.Classify(err) == automations.Canceled {
			return res, err
		}
		res.Channel, res.APIError = "browser", err.Error()
		deps.logger().Warn("reply through the API failed; the browser sends it", "store", st.Name, "err", err)
		progress(Progress{Store: st.Name, Phase: "send", Message: "the API failed; the reply goes through the browser"})
		needCheck = needCheck || e.State != localdb.OutboxFailed
	}

	progress(Progress{Store: st.Name, Phase: "login"})
	sess, err := openSession(ctx, deps, st)
	if err != nil {
		return res, err
	}
	defer sess.close()
	if err := sess.ensure(ctx); err != nil {
		return res, err
	}
	deps.hook("session-ready")

	// After a failed attempt the message may have reached the site: look
	// before sending again.
	th := localdb.Thread{StoreID: st.ID, MarketplaceThreadID: conv}
	err = sess.withRetry(ctx, func(try int) error {
		done, err := sendOnce(ctx, sess, &e, th, body, key, needCheck || try > 1, progress)
		res.Attempts = e.Attempts
		res.Recovered = done
		return err
	})
	return res, err
}

// sendOnce makes one attempt. It reports recovered=true when the reply was
// found on the site from an earlier attempt.
func sendOnce(ctx context.Context, sess *session, e *localdb.OutboxEntry, th localdb.Thread, body, key string, needCheck bool,
	progress func(Progress)) (recovered bool, err error) {
	deps, db := sess.deps, sess.deps.DB
	if needCheck {
		progress(Progress{Store: sess.store.Name, Phase: "check"})
		var found bool
		err := sess.step(ctx, "reply.check", pageBudget, func(p *rod.Page) error {
			var err error
			found, err = sess.site.hasReply(p, sess, th.MarketplaceThreadID, key)
			return err
		})
		if err != nil {
			return false, err
		}
		if found {
			if *e, err = db.MarkDone(ctx, e.ID, doneResult(key, true, deps.now())); err != nil {
				return false, err
			}
			deps.hook("marked-done")
			return true, nil
		}
	}
	deps.hook("checked")
	var err2 error
	if *e, err2 = db.MarkInFlight(ctx, e.ID); err2 != nil {
		return false, err2
	}
	deps.hook("in-flight")
	progress(Progress{Store: sess.store.Name, Phase: "send"})
	err = sess.step(ctx, "reply.fill", pageBudget, func(p *rod.Page) error {
		return sess.site.fill(p, sess, th.MarketplaceThreadID, body, key)
	})
	if err != nil {
		// Nothing was submitted.
		if _, merr := db.MarkFailed(context.WithoutCancel(ctx), e.ID, string(automations.Classify(err))); merr != nil {
			return false, errors.Join(err, merr)
		}
		*e, _ = db.GetIntentByID(context.WithoutCancel(ctx), e.ID)
		return false, err
	}
	deps.hook("form-filled")
	err = sess.step(ctx, "reply.send", pageBudget, func(p *rod.Page) error {
		return sess.site.submit(p, sess, th.MarketplaceThreadID, key)
	})
	if err != nil {
		// The site may or may not have taken it: look before sending again.
		if _, merr := db.MarkNeedsCheck(context.WithoutCancel(ctx), e.ID, string(automations.Classify(err))); merr != nil {
			return false, errors.Join(err, merr)
		}
		*e, _ = db.GetIntentByID(context.WithoutCancel(ctx), e.ID)
		return false, err
	}
	deps.hook("confirmed")
	if *e, err = db.MarkDone(ctx, e.ID, doneResult(key, false, deps.now())); err != nil {
		return false, err
	}
	deps.hook("marked-done")
	return false, nil
}

func doneResult(key string, recovered bool, at time.Time) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"ref": key, "recovered": recovered, "at": at})
	return b
}

// RecoverReplies finishes the reply intents an earlier run left unsure:
// each is looked for on its site and recorded when found, or sent when not.
// It returns how many it settled.
func RecoverReplies(ctx context.Context, deps *Deps) (int, error) {
	list, err := deps.DB.ListUnfinished(ctx, localdb.OutboxReply)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range list {
		if strings.HasPrefix(e.IdempotencyKey, NoticeKeyPrefix) {
			continue // a delay notice: notices.Send finishes it
		}
		var p replyPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil || p.ThreadID == 0 {
			errs = append(errs, fmt.Errorf("outbox intent %s: unreadable payload", e.IdempotencyKey))
			continue
		}
		if ReplyKey(p.ThreadID, p.Body) != e.IdempotencyKey && p.Channel != "email" {
			continue
		}
		if _, err := SendReplyResult(ctx, deps, p.ThreadID, p.Body, nil); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
