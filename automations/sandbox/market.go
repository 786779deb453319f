package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// threadView is a thread as a marketplace shows it at a moment.
type threadView struct {
	ID, OrderID, Buyer, Subject, Lang, Kind, Status string
	Received                                        time.Time // newest visible buyer message
	Due                                             time.Time // reply deadline; zero when none applies
	Messages                                        []msgView
	Attachments                                     int
}

type msgView struct {
	ID, From, Body, Ref string
	Time                time.Time
	Attachments         []*Attachment
	Sent                bool // a reply received by the sandbox
}

// replyWindow is each marketplace's deadline rule for a thread.
func replyDue(marketplace, kind string, last time.Time) time.Time {
	switch marketplace {
	case "amazon":
		return last.Add(24 * time.Hour) // calendar hours, weekends included
	case "tiktok":
		return last.Add(12 * time.Hour)
	case "ebay":
		if kind == "return" || kind == "case" {
			return addBusinessDays(last, 3)
		}
	}
	return time.Time{}
}

// addBusinessDays adds n days skipping Saturdays and Sundays.
func addBusinessDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

func (sb *Sandbox) viewThread(t *Thread, now time.Time, withMessages bool) threadView {
	v := threadView{ID: t.ID, OrderID: t.OrderID, Buyer: t.Buyer, Subject: t.Subject, Lang: t.Lang, Kind: t.Kind}
	var lastBuyer, lastSeller time.Time
	for _, m := range t.VisibleMessages(now) {
		if m.From == "buyer" {
			lastBuyer = m.Time
			v.Attachments += len(m.Attachments)
		} else {
			lastSeller = m.Time
		}
		if withMessages {
			v.Messages = append(v.Messages, msgView{ID: m.ID, From: m.From, Body: m.Body, Time: m.Time, Attachments: m.Attachments})
		}
	}
	for _, r := range sb.st.threadReplies(t.ID) {
		if r.At.After(lastSeller) {
			lastSeller = r.At
		}
		if withMessages {
			v.Messages = append(v.Messages, msgView{ID: r.ID, From: "seller", Body: r.Body, Ref: r.Ref, Time: r.At, Sent: true})
		}
	}
	if withMessages {
		sort.SliceStable(v.Messages, func(i, j int) bool { return v.Messages[i].Time.Before(v.Messages[j].Time) })
	}
	v.Received = lastBuyer
	switch {
	case sb.st.isNoResponse(t.ID):
		v.Status = "no_response_needed"
	case lastBuyer.IsZero():
		v.Status = "seller_started" // an order conversation the buyer has not answered
	case !lastSeller.IsZero() && !lastSeller.Before(lastBuyer):
		v.Status = "answered"
	default:
		v.Status = "awaiting_reply"
		v.Due = replyDue(t.Marketplace, t.Kind, lastBuyer)
	}
	return v
}

// storeThreads returns the store's visible threads, newest received first.
func (sb *Sandbox) storeThreads(storeID string, now time.Time) []threadView {
	var out []threadView
	for _, t := range sb.world.StoreThreads(storeID) {
		if sb.ThreadVisible(t, now) {
			out = append(out, sb.viewThread(t, now, false))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Received.Equal(out[j].Received) {
			return out[i].Received.After(out[j].Received)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// threadOf returns a thread of the store visible now, or nil. An id
// OrderConversationPrefix + order id is the order's own conversation.
func (sb *Sandbox) threadOf(storeID, id string, now time.Time) *Thread {
	if oid, ok := strings.CutPrefix(id, OrderConversationPrefix); ok {
		return sb.orderConversation(storeID, oid)
	}
	t := sb.world.Thread(id)
	if t == nil || t.StoreID != storeID || !sb.ThreadVisible(t, now) {
		return nil
	}
	return t
}

// OrderConversationPrefix starts the id of an order's own conversation:
// the conversation a seller opens from a shipped order to write to its
// buyer first, as each marketplace offers ("Contact buyer" on an Amazon
// order, a message about an eBay order, a TikTok Shop chat with the
// order's buyer). Its id is the prefix and the order id; it has no buyer
// message until the buyer answers, and is not listed in the inbox.
const OrderConversationPrefix = "order-"

func (sb *Sandbox) orderConversation(storeID, orderID string) *Thread {
	o := sb.world.Order(orderID)
	if o == nil || o.StoreID != storeID || !o.Shipped {
		return nil
	}
	return &Thread{ID: OrderConversationPrefix + o.ID, Marketplace: o.Marketplace, StoreID: o.StoreID, OrderID: o.ID,
		Buyer: o.Buyer, Lang: o.Lang, Kind: "notice", Subject: "Order " + o.ID}
}

// wismoKinds are the thread kinds in which a buyer asks where the order
// is (eBay's item-not-received case among them).
var wismoKinds = map[string]bool{"where": true, "case": true}

// ThreadVisible reports whether t has arrived by now: its first message
// is due, and it is not a where-is-my-order thread of a parcel whose buyer
// was told about the delay before writing. Such a buyer does not ask: the
// same world with and without notices differs only in those threads.
func (sb *Sandbox) ThreadVisible(t *Thread, now time.Time) bool {
	if !t.Visible(now) {
		return false
	}
	if !wismoKinds[t.Kind] {
		return true
	}
	o := sb.world.Order(t.OrderID)
	if o == nil || o.TrackingNumber == "" {
		return true
	}
	told, ok := sb.st.firstNotice(o.TrackingNumber)
	return !ok || t.Messages[0].Time.Before(told)
}

// recordNotice counts a message a seller started about an order as a
// notice of the order's parcel.
func (sb *Sandbox) recordNotice(storeID, orderID, channel, ref, body string, at time.Time) {
	o := sb.world.Order(orderID)
	if o == nil || o.TrackingNumber == "" {
		return
	}
	sb.st.addNotice(Notice{OrderID: o.ID, TrackingNumber: o.TrackingNumber, StoreID: storeID, Channel: channel, Ref: ref, Body: body, At: at})
}

func pageParam(r *http.Request, name string) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func paginate[T any](xs []T, page, size int) ([]T, int) {
	pages := (len(xs) + size - 1) / size
	if pages == 0 {
		pages = 1
	}
	lo := (page - 1) * size
	if lo > len(xs) {
		lo = len(xs)
	}
	hi := min(lo+size, len(xs))
	return xs[lo:hi], pages
}

// loginRedirect sends the browser to the login page, keeping where it was.
func loginRedirect(w http.ResponseWriter, r *http.Request, loginPath string, expired bool) {
	q := url.Values{}
	q.Set("return", r.URL.RequestURI())
	if expired {
		q.Set("expired", "1")
	}
	http.Redirect(w, r, loginPath+"?"+q.Encode(), http.StatusSeeOther)
}

func safeReturn(ret, def string) string {
	if len(ret) > 0 && ret[0] == '/' && (len(ret) == 1 || ret[1] != '/') {
		return ret
	}
	return def
}

// readUpload reads an optional uploaded file (up to 5 MB) and returns its
// name, or "" when none was sent.
func readUpload(r *http.Request, field string) string {
	f, h, err := r.FormFile(field)
	if err != nil {
		return ""
	}
	defer f.Close()
	n, _ := io.Copy(io.Discard, io.LimitReader(f, 5<<20))
	if n == 0 {
		return ""
	}
	return h.Filename
}

func (s *site) serveAttachment(w http.ResponseWriter, r *http.Request, storeID string) {
	id := r.PathValue("id")
	t := s.sb.world.attachThread[id]
	if t == nil || t.StoreID != storeID {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(photoPNG(id))
}

// addReply keeps a seller's message in thread t; one in an order's own
// conversation is also a notice of the order's parcel.
func (sb *Sandbox) addReply(t *Thread, r Reply) Reply {
	r = sb.st.addReply(r)
	if t.Kind == "notice" {
		sb.recordNotice(t.StoreID, t.OrderID, "conversation", r.Ref, r.Body, r.At)
	}
	return r
}
