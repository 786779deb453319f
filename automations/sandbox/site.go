package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// site is one origin: its listener, router, sessions and CAPTCHA passes.
type site struct {
	sb     *Sandbox
	name   string
	kind   string
	url    string
	ln     net.Listener
	srv    *http.Server
	mux    *http.ServeMux
	cookie string // session cookie name

	mu       sync.Mutex
	sessions map[string]*session
	passes   map[string]bool   // solved CAPTCHA tokens
	captchas map[string]string // challenge id -> answer
	limiter  *limiter
	tokens   map[string]apiToken    // OAuth access tokens (carriers)
	drafts   map[string]*claimDraft // claim forms in progress (carriers)
}

// session is one browser login.
type session struct {
	token   string
	store   string // store id (marketplaces) or carrier name
	user    string
	wall    time.Time // login, wall clock
	clock   time.Time // login, sandbox clock
	pending bool      // password accepted, TOTP not yet
	csrf    string
}

var sessionCookies = map[string]string{"amazon": "session-id", "ebay": "ebay_s", "tiktok": "sid_tt",
	"ups": "ups_claims", "fedex": "fdx_login", "usps": "usps_sess", "dhl": "dhl_sess", "control": "ctl"}

func newSite(sb *Sandbox, name, kind string, ln net.Listener) *site {
	s := &site{sb: sb, name: name, kind: kind, ln: ln, mux: http.NewServeMux(), cookie: sessionCookies[name],
		sessions: map[string]*session{}, passes: map[string]bool{}, captchas: map[string]string{},
		limiter: newLimiter(), tokens: map[string]apiToken{}, drafts: map[string]*claimDraft{}}
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	return s
}

func (s *site) resetSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
	clear(s.passes)
	clear(s.captchas)
	clear(s.tokens)
	clear(s.drafts)
	s.limiter.reset()
}

// Request kinds, for counting and for choosing which faults apply.
const (
	kindPage  = "page"  // an HTML page a person would open
	kindLogin = "login" // login and TOTP pages and posts
	kindXHR   = "xhr"   // JSON the site's own pages fetch
	kindAPI   = "api"   // carrier public API
	kindForm  = "form"  // a form post (reply, claim step)
	kindAsset = "asset" // scripts, styles, images
	kindCtl   = "control"
)

// handle registers a route whose requests are counted and go through the
// site's faults.
func (s *site) handle(pattern, kind string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, s.wrap(kind, h))
}

func (s *site) wrap(kind string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sb := s.sb
		sb.st.count(s.name + "." + kind)
		if kind == kindCtl || s.kind == "control" {
			h(w, r)
			return
		}
		fc := sb.faultsFor(s.name)
		if fc.Latency > 0 {
			t := time.NewTimer(fc.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if kind != kindAsset {
			if fc.Rate429 > 0 && sb.rolls.roll(s.name, "429") < fc.Rate429 {
				sb.st.count("fault." + s.name + ".429")
				s.tooMany(w, r, kind, 1)
				return
			}
			if fc.Rate5xx > 0 && sb.rolls.roll(s.name, "5xx") < fc.Rate5xx {
				sb.st.count("fault." + s.name + ".5xx")
				s.unavailable(w, r, kind)
				return
			}
			if (kind == kindPage || kind == kindLogin) && r.Method == http.MethodGet && fc.Blocked > 0 &&
				sb.rolls.roll(s.name, "blocked") < fc.Blocked {
				sb.st.count("fault." + s.name + ".blocked")
				accessDenied(w, r)
				return
			}
			if (kind == kindPage || kind == kindLogin) && r.Method == http.MethodGet && fc.Captcha > 0 &&
				!s.passed(r) && sb.rolls.roll(s.name, "captcha") < fc.Captcha {
				sb.st.count("fault." + s.name + ".captcha")
				s.captchaPage(w, r)
				return
			}
		}
		h(w, r)
	}
}

// stepFault answers a sign-in step ("signin" or "otp") with the error its
// fault asks for and reports whether it did. kind picks the answer's shape:
// an error page for a form post, the site's JSON error for a script's call.
func (s *site) stepFault(w http.ResponseWriter, r *http.Request, step, kind string) bool {
	fc := s.sb.faultsFor(s.name)
	f := fc.Signin
	if step == "otp" {
		f = fc.OTP
	}
	if f.Status == 0 {
		return false
	}
	if n := s.sb.st.bump("fault." + s.name + "." + step); f.Count > 0 && n > f.Count {
		return false
	}
	if f.Status == http.StatusTooManyRequests {
		s.tooMany(w, r, kind, 1)
	} else {
		s.unavailable(w, r, kind)
	}
	return true
}

func isJSONKind(kind string) bool { return kind == kindXHR || kind == kindAPI }

func (s *site) tooMany(w http.ResponseWriter, r *http.Request, kind string, retry int) {
	w.Header().Set("Retry-After", itoa(retry))
	if isJSONKind(kind) {
		if s.kind == "carrier" && kind == kindAPI {
			carrierError(w, s.name, http.StatusTooManyRequests, "rate_limited", "Too many requests. Retry after "+itoa(retry)+" s.")
			return
		}
		if s.name == "tiktok" && kind == kindAPI {
			ttAPIReply(w, http.StatusTooManyRequests, 36009002, "Too many requests. Please try again later.", nil)
			return
		}
		if s.name == "tiktok" {
			ttFail(w, http.StatusTooManyRequests, 42901, "Too many requests. Try again later.")
			return
		}
		if s.name == "amazon" && kind == kindAPI {
			spErrors(w, http.StatusTooManyRequests, "QuotaExceeded", "You exceeded your quota for the requested resource.")
			return
		}
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "too_many_requests", "retry_after": retry})
		return
	}
	s.errorPage(w, r, http.StatusTooManyRequests, "Too many requests", "You are sending requests too fast. Wait a moment and try again.")
}

func (s *site) unavailable(w http.ResponseWriter, r *http.Request, kind string) {
	if isJSONKind(kind) {
		if s.kind == "carrier" && kind == kindAPI {
			carrierError(w, s.name, http.StatusServiceUnavailable, "service_unavailable", "The service is temporarily unavailable.")
			return
		}
		if s.name == "tiktok" && kind == kindAPI {
			ttAPIReply(w, http.StatusServiceUnavailable, 36009003, "Internal error. Please try again.", nil)
			return
		}
		if s.name == "tiktok" {
			ttFail(w, http.StatusServiceUnavailable, 50001, "Service busy. Try again later.")
			return
		}
		if s.name == "amazon" && kind == kindAPI {
			spErrors(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service is temporarily unavailable.")
			return
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "service_unavailable"})
		return
	}
	s.errorPage(w, r, http.StatusServiceUnavailable, "Service unavailable", "Something went wrong on our side. Please try again later.")
}

func (s *site) errorPage(w http.ResponseWriter, r *http.Request, code int, title, text string) {
	s.render(w, r, code, "error", map[string]any{"Title": title, "Text": text, "Code": code})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ---- sessions ----

func (s *site) newSession(store, user string, pending bool) *session {
	ss := &session{token: randomToken(), store: store, user: user, wall: time.Now(), clock: s.sb.Now(),
		pending: pending, csrf: randomToken()}
	s.mu.Lock()
	s.sessions[ss.token] = ss
	s.mu.Unlock()
	return ss
}

func (s *site) dropSession(token string) {
	s.mu.Lock()
	delete(s.sessions, token)
	s.mu.Unlock()
}

func (s *site) setSessionCookie(w http.ResponseWriter, ss *session) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: ss.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// defaultLifetime is how long a session lasts without an expire fault.
const defaultLifetime = 12 * time.Hour

// session returns the request's full (past TOTP) session. expired is true
// when the cookie named a session that has ended.
func (s *site) session(r *http.Request) (ss *session, expired bool) {
	ss, expired = s.anySession(r)
	if ss != nil && ss.pending {
		return nil, false
	}
	return ss, expired
}

func (s *site) anySession(r *http.Request) (*session, bool) {
	c, err := r.Cookie(s.cookie)
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	ss := s.sessions[c.Value]
	s.mu.Unlock()
	if ss == nil {
		return nil, true
	}
	life := defaultLifetime
	if fc := s.sb.faultsFor(s.name); fc.Expire > 0 {
		life = fc.Expire
	}
	if time.Since(ss.wall) > life || s.sb.Now().Sub(ss.clock) > life {
		s.dropSession(ss.token)
		return nil, true
	}
	return ss, false
}

// ---- CAPTCHA ----

func (s *site) passed(r *http.Request) bool {
	c, err := r.Cookie("captcha_pass")
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.passes[c.Value]
}

func (s *site) captchaPage(w http.ResponseWriter, r *http.Request) {
	id := randomToken()
	h := fnv.New32a()
	h.Write([]byte(id))
	answer := fmt.Sprintf("%05d", h.Sum32()%100000)
	s.mu.Lock()
	s.captchas[id] = answer
	s.mu.Unlock()
	s.render(w, r, http.StatusOK, "captcha", map[string]any{"ID": id, "Return": r.URL.RequestURI(), "Title": "Robot check"})
}

// CaptchaAnswer returns the answer of a CAPTCHA challenge shown on a site,
// so that a test can play the person who solves it.
func (sb *Sandbox) CaptchaAnswer(siteName, challengeID string) string {
	s := sb.byName[siteName]
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.captchas[challengeID]
}

func (s *site) captchaSolve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id, ans, ret := r.PostFormValue("challenge"), strings.TrimSpace(r.PostFormValue("answer")), r.PostFormValue("return")
	if !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") {
		ret = "/"
	}
	s.mu.Lock()
	want, ok := s.captchas[id]
	delete(s.captchas, id)
	pass := ""
	if ok && want == ans {
		pass = randomToken()
		s.passes[pass] = true
	}
	s.mu.Unlock()
	if pass == "" {
		s.errorPage(w, r, http.StatusForbidden, "Verification failed", "The characters did not match. Go back and try again.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "captcha_pass", Value: pass, Path: "/", HttpOnly: true})
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

func (s *site) captchaImage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	answer := s.captchas[r.URL.Query().Get("c")]
	s.mu.Unlock()
	if answer == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_ = png.Encode(w, drawDigits(answer))
}

// segments per digit: a b c d e f g (the usual seven-segment order).
var segs = [10]string{"abcdef", "bc", "abdeg", "abcdg", "bcfg", "acdfg", "acdefg", "abc", "abcdefg", "abcdfg"}

func drawDigits(text string) image.Image {
	const cw, ch = 26, 40
	img := image.NewRGBA(image.Rect(0, 0, cw*len(text)+12, ch+12))
	for i := range img.Pix {
		img.Pix[i] = 235
	}
	ink := color.RGBA{40, 40, 90, 255}
	rect := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.Set(x, y, ink)
			}
		}
	}
	for i, c := range text {
		d := int(c - '0')
		x, y := 8+i*cw+(i%2)*2, 6+(i%3)*2
		for _, sg := range segs[d] {
			switch sg {
			case 'a':
				rect(x+3, y, x+17, y+3)
			case 'b':
				rect(x+17, y+2, x+20, y+18)
			case 'c':
				rect(x+17, y+20, x+20, y+36)
			case 'd':
				rect(x+3, y+35, x+17, y+38)
			case 'e':
				rect(x, y+20, x+3, y+36)
			case 'f':
				rect(x, y+2, x+3, y+18)
			case 'g':
				rect(x+3, y+17, x+17, y+20)
			}
		}
	}
	// Noise lines.
	for k := 0; k < 3; k++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			img.Set(x, 10+k*12+(x/7)%5, color.RGBA{120, 90, 90, 255})
		}
	}
	return img
}

// ---- attachments and generated photos ----

func photoPNG(id string) []byte {
	h := fnv.New64a()
	h.Write([]byte(id))
	v := h.Sum64()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	base := color.RGBA{uint8(v), uint8(v >> 8), uint8(v >> 16), 255}
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			c := base
			if (x/8+y/8)%2 == 0 {
				c = color.RGBA{base.R / 2, base.G / 2, base.B / 2, 255}
			}
			if abs(x-32-int(v>>24%16)+8) == y/2 { // a crack across the box
				c = color.RGBA{20, 20, 20, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// ---- rendering ----

func (s *site) variant() int { return s.sb.faultsFor(s.name).Variant }

// render executes a page template. Data gets Site, V2 and the class table.
func (s *site) render(w http.ResponseWriter, r *http.Request, code int, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	v := s.variant()
	data["Site"] = s.name
	data["V2"] = v == 2
	data["Now"] = s.sb.Now()
	data["Classes"] = classTable(v)
	var buf bytes.Buffer
	if err := tmpls[v].ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "template "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// mountCommon adds the routes every site has: static assets, CAPTCHA.
func mountCommon(s *site) {
	s.handle("GET /static/{file}", kindAsset, serveStatic)
	s.handle("GET /__captcha/img", kindAsset, s.captchaImage)
	s.handle("POST /__captcha", kindLogin, s.captchaSolve)
	s.handle("GET /favicon.ico", kindAsset, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
}

// csrfCheck implements the double-submit token: the login page sets a
// cookie and a hidden field with the same random value.
func csrfIssue(w http.ResponseWriter, site string) string {
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: "csrf-" + site, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return tok
}

func csrfOK(r *http.Request, site, field string) bool {
	c, err := r.Cookie("csrf-" + site)
	return err == nil && c.Value != "" && r.PostFormValue(field) == c.Value
}
