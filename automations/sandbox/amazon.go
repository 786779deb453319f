package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The amazon site is in the style of Seller Central: server-rendered pages,
// a login with CSRF token then a TOTP step, a paginated buyer-messages inbox.

const amazonThreadsPerPage = 25
const amazonOrdersPerPage = 50

func mountAmazon(s *site) {
	sb := s.sb
	s.handle("GET /{$}", kindPage, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
	})
	s.handle("GET /login", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "amazon/login", map[string]any{"CSRF": csrfIssue(w, s.name),
			"Return": r.URL.Query().Get("return"), "Expired": r.URL.Query().Get("expired") != ""})
	})
	s.handle("POST /login", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if s.stepFault(w, r, "signin", kindLogin) {
			return
		}
		_ = r.ParseForm()
		data := map[string]any{"Return": r.PostFormValue("return"), "Email": r.PostFormValue("email")}
		if !csrfOK(r, s.name, "appActionToken") {
			sb.st.login(s.name, func(l *Logins) { l.BadCSRF++ })
			data["Error"] = "Your session has timed out. Please sign in again."
			data["CSRF"] = csrfIssue(w, s.name)
			s.render(w, r, http.StatusForbidden, "amazon/login", data)
			return
		}
		acct, ok := sb.storeForUser("amazon", strings.TrimSpace(r.PostFormValue("email")))
		if !ok || acct.Password != r.PostFormValue("password") {
			sb.st.login(s.name, func(l *Logins) { l.BadPassword++ })
			data["Error"] = "Your password is incorrect."
			data["CSRF"] = csrfIssue(w, s.name)
			s.render(w, r, http.StatusUnauthorized, "amazon/login", data)
			return
		}
		ss := s.newSession(acct.Name, acct.Username, true)
		s.setSessionCookie(w, ss)
		http.Redirect(w, r, "/login/mfa?return="+url.QueryEscape(r.PostFormValue("return")), http.StatusSeeOther)
	})
	s.handle("GET /login/mfa", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		ss, _ := s.anySession(r)
		if ss == nil || !ss.pending {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "amazon/mfa", map[string]any{"CSRF": ss.csrf, "Return": r.URL.Query().Get("return")})
	})
	s.handle("POST /login/mfa", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if s.stepFault(w, r, "otp", kindLogin) {
			return
		}
		_ = r.ParseForm()
		ss, _ := s.anySession(r)
		if ss == nil || !ss.pending || r.PostFormValue("csrf") != ss.csrf {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if sb.faultsFor(s.name).RejectTOTP || !checkTOTP(r.PostFormValue("otpCode"), sb.accounts[ss.store].TOTPSecret) {
			sb.st.login(s.name, func(l *Logins) { l.TOTPRejected++ })
			s.render(w, r, http.StatusUnauthorized, "amazon/mfa", map[string]any{"CSRF": ss.csrf,
				"Return": r.PostFormValue("return"), "Error": "The One Time Password (OTP) you entered is not valid. Please try again."})
			return
		}
		s.dropSession(ss.token)
		full := s.newSession(ss.store, ss.user, false)
		s.setSessionCookie(w, full)
		sb.st.login(s.name, func(l *Logins) { l.Succeeded++ })
		http.Redirect(w, r, safeReturn(r.PostFormValue("return"), "/home"), http.StatusSeeOther)
	})
	s.handle("GET /logout", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if ss, _ := s.anySession(r); ss != nil {
			s.dropSession(ss.token)
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
	// guard wraps a handler that needs a full session.
	guard := func(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ss, expired := s.session(r)
			if ss == nil {
				if r.Method != http.MethodGet {
					r.URL.RawQuery = ""
					r.URL.Path = "/messages"
				}
				loginRedirect(w, r, "/login", expired)
				return
			}
			h(w, r, ss)
		}
	}
	s.handle("GET /home", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		now := sb.Now()
		threads := sb.storeThreads(ss.store, now)
		awaiting, overdue := 0, 0
		for _, t := range threads {
			if t.Status == "awaiting_reply" {
				awaiting++
				if t.Due.Before(now) {
					overdue++
				}
			}
		}
		s.render(w, r, http.StatusOK, "amazon/home", map[string]any{"Store": storeName(sb, ss.store), "User": ss.user,
			"Awaiting": awaiting, "Overdue": overdue, "Orders": len(sb.storeOrders(ss.store, now))})
	}))
	s.handle("GET /messages", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		now := sb.Now()
		all := sb.storeThreads(ss.store, now)
		page := pageParam(r, "page")
		rows, pages := paginate(all, page, amazonThreadsPerPage)
		s.render(w, r, http.StatusOK, "amazon/messages", map[string]any{"Threads": rows, "Page": page, "Pages": pages,
			"Total": len(all), "CSRF": ss.csrf, "Store": storeName(sb, ss.store)})
	}))
	s.handle("GET /messages/thread/{id}", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		now := sb.Now()
		t := sb.threadOf(ss.store, r.PathValue("id"), now)
		if t == nil {
			s.errorPage(w, r, http.StatusNotFound, "Message not found", "This conversation does not exist or belongs to another store.")
			return
		}
		s.render(w, r, http.StatusOK, "amazon/thread", map[string]any{"T": sb.viewThread(t, now, true), "CSRF": ss.csrf,
			"Sent": r.URL.Query().Get("sent") != "", "Store": storeName(sb, ss.store)})
	}))
	s.handle("POST /messages/thread/{id}/reply", kindForm, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			_ = r.ParseForm()
		}
		now := sb.Now()
		t := sb.threadOf(ss.store, r.PathValue("id"), now)
		if t == nil || r.PostFormValue("csrf") != ss.csrf {
			s.errorPage(w, r, http.StatusBadRequest, "Could not send", "The form has expired or the conversation does not exist. Reload the page and try again.")
			return
		}
		body := strings.TrimSpace(r.PostFormValue("body"))
		if body == "" {
			s.render(w, r, http.StatusBadRequest, "amazon/thread", map[string]any{"T": sb.viewThread(t, now, true),
				"CSRF": ss.csrf, "Error": "Enter a message before sending.", "Store": storeName(sb, ss.store)})
			return
		}
		rep := Reply{ThreadID: t.ID, StoreID: ss.store, Body: body, Ref: strings.TrimSpace(r.PostFormValue("ref")), At: now}
		if name := readUpload(r, "attachment"); name != "" {
			rep.Attachments = []string{name}
		}
		sb.addReply(t, rep)
		http.Redirect(w, r, "/messages/thread/"+t.ID+"?sent=1", http.StatusSeeOther)
	}))
	s.handle("POST /messages/thread/{id}/no-response", kindForm, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		_ = r.ParseForm()
		t := sb.threadOf(ss.store, r.PathValue("id"), sb.Now())
		if t == nil || r.PostFormValue("csrf") != ss.csrf {
			s.errorPage(w, r, http.StatusBadRequest, "Could not update", "The form has expired or the conversation does not exist.")
			return
		}
		sb.st.setNoResponse(t.ID)
		http.Redirect(w, r, safeReturn(r.PostFormValue("return"), "/messages"), http.StatusSeeOther)
	}))
	s.handle("GET /orders", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		orders := sb.storeOrders(ss.store, sb.Now())
		if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
			var f []*Order
			for _, o := range orders {
				if o.ID == q || o.TrackingNumber == q {
					f = append(f, o)
				}
			}
			orders = f
		} else {
			// The order list proper, newest order first: what a walk of it
			// costs is counted apart from the searches.
			sb.st.count(s.name + ".orders_list")
		}
		page := pageParam(r, "page")
		rows, pages := paginate(orders, page, amazonOrdersPerPage)
		s.render(w, r, http.StatusOK, "amazon/orders", map[string]any{"Orders": rows, "Page": page, "Pages": pages,
			"Q": r.URL.Query().Get("q"), "Store": storeName(sb, ss.store)})
	}))
	s.handle("GET /attachments/{id}", kindAsset, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		s.serveAttachment(w, r, ss.store)
	}))
}

// storeOrders is a store's orders as its sites show them at now, newest
// first: those placed by now, each as it stands then (see Order.At).
func (sb *Sandbox) storeOrders(storeID string, now time.Time) []*Order {
	var out []*Order
	for _, o := range sb.world.StoreOrders(storeID) {
		if o.PlacedBy(now) {
			out = append(out, o.At(now))
		}
	}
	return out
}

func storeName(sb *Sandbox, id string) string {
	for _, st := range sb.world.Stores {
		if st.ID == id {
			return st.Name
		}
	}
	return id
}
