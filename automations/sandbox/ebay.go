package sandbox

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The ebay site renders its conversation list in the browser from a JSON
// endpoint, with infinite scroll. Returns and cases carry a 3-business-day
// response rule.

type ebayConv struct {
	ID            string     `json:"id"`
	OrderID       string     `json:"orderId"`
	Buyer         string     `json:"buyer"`
	Subject       string     `json:"subject"`
	Kind          string     `json:"kind"`
	Lang          string     `json:"lang"`
	Status        string     `json:"status"`
	LastMessageAt time.Time  `json:"lastMessageAt"`
	RespondBy     *time.Time `json:"respondBy"`
	Attachments   int        `json:"attachments"`
}

type ebayMsg struct {
	ID          string    `json:"id"`
	From        string    `json:"from"`
	Text        string    `json:"text"`
	Ref         string    `json:"ref,omitempty"`
	SentAt      time.Time `json:"sentAt"`
	Attachments []string  `json:"attachments,omitempty"`
}

func toEbayConv(v threadView) ebayConv {
	c := ebayConv{ID: v.ID, OrderID: v.OrderID, Buyer: v.Buyer, Subject: v.Subject, Kind: v.Kind, Lang: v.Lang,
		Status: v.Status, LastMessageAt: v.Received, Attachments: v.Attachments}
	if !v.Due.IsZero() {
		d := v.Due
		c.RespondBy = &d
	}
	return c
}

const ebayPageSize = 20

func mountEbay(s *site) {
	sb := s.sb
	s.handle("GET /{$}", kindPage, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/mesg", http.StatusSeeOther) })
	s.handle("GET /signin", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "ebay/signin", map[string]any{"Title": "Sign in or register | eBay", "CSRF": csrfIssue(w, s.name),
			"Return": r.URL.Query().Get("return"), "Expired": r.URL.Query().Get("expired") != ""})
	})
	s.handle("POST /signin", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if s.stepFault(w, r, "signin", kindLogin) {
			return
		}
		_ = r.ParseForm()
		data := map[string]any{"Title": "Sign in or register | eBay", "Return": r.PostFormValue("return"), "User": r.PostFormValue("userid")}
		if !csrfOK(r, s.name, "srt") {
			sb.st.login(s.name, func(l *Logins) { l.BadCSRF++ })
			data["Error"] = "Something went wrong. Please try signing in again."
		} else if acct, ok := sb.storeForUser("ebay", strings.TrimSpace(r.PostFormValue("userid"))); !ok || acct.Password != r.PostFormValue("pass") {
			sb.st.login(s.name, func(l *Logins) { l.BadPassword++ })
			data["Error"] = "Oops, that's not a match."
		} else {
			ss := s.newSession(acct.Name, acct.Username, true)
			s.setSessionCookie(w, ss)
			http.Redirect(w, r, "/signin/otp?return="+url.QueryEscape(r.PostFormValue("return")), http.StatusSeeOther)
			return
		}
		data["CSRF"] = csrfIssue(w, s.name)
		s.render(w, r, http.StatusUnauthorized, "ebay/signin", data)
	})
	s.handle("GET /signin/otp", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		ss, _ := s.anySession(r)
		if ss == nil || !ss.pending {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "ebay/otp", map[string]any{"Title": "Verify it's you | eBay", "CSRF": ss.csrf, "Return": r.URL.Query().Get("return")})
	})
	s.handle("POST /signin/otp", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if s.stepFault(w, r, "otp", kindLogin) {
			return
		}
		_ = r.ParseForm()
		ss, _ := s.anySession(r)
		if ss == nil || !ss.pending || r.PostFormValue("srt") != ss.csrf {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if sb.faultsFor(s.name).RejectTOTP || !checkTOTP(r.PostFormValue("otp"), sb.accounts[ss.store].TOTPSecret) {
			sb.st.login(s.name, func(l *Logins) { l.TOTPRejected++ })
			s.render(w, r, http.StatusUnauthorized, "ebay/otp", map[string]any{"Title": "Verify it's you | eBay", "CSRF": ss.csrf,
				"Return": r.PostFormValue("return"), "Error": "That code didn't work. Check the code and try again."})
			return
		}
		s.dropSession(ss.token)
		s.setSessionCookie(w, s.newSession(ss.store, ss.user, false))
		sb.st.login(s.name, func(l *Logins) { l.Succeeded++ })
		http.Redirect(w, r, safeReturn(r.PostFormValue("return"), "/mesg"), http.StatusSeeOther)
	})
	s.handle("GET /signout", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if ss, _ := s.anySession(r); ss != nil {
			s.dropSession(ss.token)
		}
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	})
	page := func(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ss, expired := s.session(r)
			if ss == nil {
				if r.Method != http.MethodGet {
					r.URL.RawQuery, r.URL.Path = "", "/mesg"
				}
				loginRedirect(w, r, "/signin", expired)
				return
			}
			h(w, r, ss)
		}
	}
	xhr := func(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ss, expired := s.session(r)
			if ss == nil {
				writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "not_signed_in", "expired": expired, "signin": "/signin"})
				return
			}
			h(w, r, ss)
		}
	}
	s.handle("GET /mesg", kindPage, page(func(w http.ResponseWriter, r *http.Request, ss *session) {
		s.render(w, r, http.StatusOK, "ebay/inbox", map[string]any{"Title": "Messages | eBay", "User": ss.user, "PageSize": ebayPageSize})
	}))
	s.handle("GET /mesg/api/conversations", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		all := sb.storeThreads(ss.store, sb.Now())
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		lim, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if lim <= 0 || lim > 100 {
			lim = ebayPageSize
		}
		off = max(0, min(off, len(all)))
		end := min(off+lim, len(all))
		out := make([]ebayConv, 0, end-off)
		for _, v := range all[off:end] {
			out = append(out, toEbayConv(v))
		}
		resp := map[string]any{"conversations": out, "total": len(all), "offset": off, "nextOffset": nil}
		if end < len(all) {
			resp["nextOffset"] = end
		}
		writeJSON(w, http.StatusOK, resp)
	}))
	s.handle("GET /mesg/api/conversations/{id}", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		now := sb.Now()
		t := sb.threadOf(ss.store, r.PathValue("id"), now)
		if t == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "conversation_not_found", "id": r.PathValue("id")})
			return
		}
		v := sb.viewThread(t, now, true)
		writeJSON(w, http.StatusOK, map[string]any{"conversation": toEbayConv(v), "messages": ebayMessages(v), "order": sb.world.Order(t.OrderID)})
	}))
	s.handle("GET /mesg/c/{id}", kindPage, page(func(w http.ResponseWriter, r *http.Request, ss *session) {
		now := sb.Now()
		t := sb.threadOf(ss.store, r.PathValue("id"), now)
		if t == nil {
			s.errorPage(w, r, http.StatusNotFound, "Conversation not found", "This conversation does not exist or belongs to another account.")
			return
		}
		s.render(w, r, http.StatusOK, "ebay/conversation", map[string]any{"Title": t.Subject + " | eBay", "T": sb.viewThread(t, now, true),
			"Order": sb.world.Order(t.OrderID), "CSRF": ss.csrf, "Sent": r.URL.Query().Get("sent") != ""})
	}))
	s.handle("POST /mesg/c/{id}/reply", kindForm, page(func(w http.ResponseWriter, r *http.Request, ss *session) {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			_ = r.ParseForm()
		}
		now := sb.Now()
		t := sb.threadOf(ss.store, r.PathValue("id"), now)
		if t == nil || r.PostFormValue("srt") != ss.csrf {
			s.errorPage(w, r, http.StatusBadRequest, "Message not sent", "The page expired. Reload the conversation and try again.")
			return
		}
		body := strings.TrimSpace(r.PostFormValue("message"))
		if body == "" {
			s.render(w, r, http.StatusBadRequest, "ebay/conversation", map[string]any{"Title": t.Subject, "T": sb.viewThread(t, now, true),
				"Order": sb.world.Order(t.OrderID), "CSRF": ss.csrf, "Error": "Please enter a message."})
			return
		}
		rep := Reply{ThreadID: t.ID, StoreID: ss.store, Body: body, Ref: strings.TrimSpace(r.PostFormValue("ref")), At: now}
		if n := readUpload(r, "file"); n != "" {
			rep.Attachments = []string{n}
		}
		sb.addReply(t, rep)
		http.Redirect(w, r, "/mesg/c/"+t.ID+"?sent=1", http.StatusSeeOther)
	}))
	s.handle("GET /mesg/attachments/{id}", kindAsset, page(func(w http.ResponseWriter, r *http.Request, ss *session) {
		s.serveAttachment(w, r, ss.store)
	}))
	// Seller Hub's orders, under the seller's session, in the shapes of the
	// Sell Fulfillment API (getOrders, getShippingFulfillments) that the
	// stand-in also serves behind OAuth: the stand-in's Seller Hub draws its
	// order list from them. List pages are counted as ebay.orders_list.
	s.handle("GET /sh/ord/api/order", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		sb.st.count(s.name + ".orders_list")
		sb.ebayGetOrders(w, r, ss.store)
	}))
	s.handle("GET /sh/ord/api/order/{id}/shipping_fulfillment", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		sb.ebayShippingFulfillments(w, r, ss.store)
	}))
}

func ebayMessages(v threadView) []ebayMsg {
	out := make([]ebayMsg, 0, len(v.Messages))
	for _, m := range v.Messages {
		em := ebayMsg{ID: m.ID, From: m.From, Text: m.Body, Ref: m.Ref, SentAt: m.Time}
		for _, a := range m.Attachments {
			em.Attachments = append(em.Attachments, "/mesg/attachments/"+a.ID)
		}
		out = append(out, em)
	}
	return out
}
