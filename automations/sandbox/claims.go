package sandbox

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// claimDraft is a claim form in progress, one step at a time.
type claimDraft struct {
	ID          string
	Session     string
	Tracking    string
	Kind        string
	Amount      int64  // minor units of Currency
	AmountText  string // the amount as typed into the form
	Currency    string
	Description string
	Files       []string
	Step        int // the last step completed: 1 parcel, 2 details, 3 documents
}

// Claim timeline, on the sandbox clock.
const (
	claimReviewAfter   = 24 * time.Hour
	claimDecisionAfter = 5 * 24 * time.Hour
	claimPaidAfter     = 8 * 24 * time.Hour
)

var claimPrefix = map[string]string{"ups": "C", "fedex": "FX", "usps": "USPS", "dhl": "DHLC"}

// claimAt returns the claim as it stands at now.
func (sb *Sandbox) claimAt(c *Claim, now time.Time) Claim {
	out := *c
	age := now.Sub(c.Filed)
	switch {
	case age < claimReviewAfter:
		out.Status = "submitted"
	case age < claimDecisionAfter:
		out.Status = "under_review"
	case c.denied:
		out.Status = "denied"
	case age < claimPaidAfter:
		out.Status = "approved"
	default:
		out.Status = "paid"
		out.Paid = c.Amount
		if p := sb.world.Parcel(c.TrackingNumber); p != nil {
			out.Paid = min(c.Amount, p.DeclaredValue)
		}
	}
	return out
}

// decideDenied fixes a claim's outcome when it is filed: a loss claim on
// a parcel the carrier delivered, a damage claim on an undamaged parcel,
// or an amount far above the declared value is denied; one in ten of the
// rest is denied too, chosen by the seed.
func (sb *Sandbox) decideDenied(c *Claim) bool {
	p := sb.world.Parcel(c.TrackingNumber)
	if p == nil {
		return true
	}
	if c.Kind == "loss" && (p.State == ParcelDelivered || p.State == ParcelDamaged) {
		return true
	}
	if c.Kind == "damage" && p.State != ParcelDamaged {
		return true
	}
	if 2*c.Amount > 3*p.DeclaredValue { // more than 1.5 times the declared value
		return true
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", sb.opts.Seed, c.TrackingNumber)
	return h.Sum64()%10 == 0
}

func (sb *Sandbox) fileClaim(carrier string, d *claimDraft) Claim {
	s := sb.st
	now := sb.Now()
	s.mu.Lock()
	s.claimSeq++
	c := &Claim{Carrier: carrier, TrackingNumber: d.Tracking, Kind: d.Kind, Amount: d.Amount, AmountText: d.AmountText, Currency: d.Currency,
		Description: d.Description, Files: d.Files, Filed: now}
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%s", sb.opts.Seed, carrier)
	c.Number = fmt.Sprintf("%s%08d", claimPrefix[carrier], int(h.Sum32()%9000000)*10+1000000+s.claimSeq)
	s.mu.Unlock()
	c.denied = sb.decideDenied(c)
	s.mu.Lock()
	s.claims[c.TrackingNumber] = append(s.claims[c.TrackingNumber], c)
	s.claimByNum[c.Number] = c
	s.mu.Unlock()
	return sb.claimAt(c, now)
}

// carrierClaims returns a carrier's claims as they stand now, newest first.
func (sb *Sandbox) carrierClaims(carrier, q string) []Claim {
	now := sb.Now()
	s := sb.st
	s.mu.Lock()
	var list []*Claim
	for _, c := range s.claimByNum {
		if c.Carrier == carrier && (q == "" || c.TrackingNumber == q || c.Number == q) {
			list = append(list, c)
		}
	}
	s.mu.Unlock()
	out := make([]Claim, 0, len(list))
	for _, c := range list {
		out = append(out, sb.claimAt(c, now))
	}
	sortClaims(out)
	return out
}

func sortClaims(cs []Claim) {
	slices.SortFunc(cs, func(a, b Claim) int {
		if c := b.Filed.Compare(a.Filed); c != 0 {
			return c
		}
		return strings.Compare(b.Number, a.Number)
	})
}

func (s *site) claimByNumber(num string) (Claim, bool) {
	s.sb.st.mu.Lock()
	c, ok := s.sb.st.claimByNum[num]
	s.sb.st.mu.Unlock()
	if !ok || c.Carrier != s.name {
		return Claim{}, false
	}
	return s.sb.claimAt(c, s.sb.Now()), true
}

func mountClaims(s *site) {
	sb := s.sb
	title := carrierTitles[s.name] + " Claims"
	s.handle("GET /claims/login", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "claims/login", map[string]any{"Title": title, "Carrier": carrierTitles[s.name],
			"CSRF": csrfIssue(w, s.name), "Return": r.URL.Query().Get("return"), "Expired": r.URL.Query().Get("expired") != ""})
	})
	s.handle("POST /claims/login", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		data := map[string]any{"Title": title, "Carrier": carrierTitles[s.name], "Return": r.PostFormValue("return")}
		acct := sb.accounts[s.name]
		switch {
		case !csrfOK(r, s.name, "csrf"):
			sb.st.login(s.name, func(l *Logins) { l.BadCSRF++ })
			data["Error"] = "The form expired. Please try again."
		case r.PostFormValue("username") != acct.Username || r.PostFormValue("password") != acct.Password:
			sb.st.login(s.name, func(l *Logins) { l.BadPassword++ })
			data["Error"] = "The user ID or password you entered is incorrect."
		default:
			ss := s.newSession(s.name, acct.Username, false)
			s.setSessionCookie(w, ss)
			sb.st.login(s.name, func(l *Logins) { l.Succeeded++ })
			http.Redirect(w, r, safeReturn(r.PostFormValue("return"), "/claims"), http.StatusSeeOther)
			return
		}
		data["CSRF"] = csrfIssue(w, s.name)
		s.render(w, r, http.StatusUnauthorized, "claims/login", data)
	})
	guard := func(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ss, expired := s.session(r)
			if ss == nil {
				if r.Method != http.MethodGet {
					r.URL.RawQuery, r.URL.Path = "", "/claims"
				}
				loginRedirect(w, r, "/claims/login", expired)
				return
			}
			h(w, r, ss)
		}
	}
	page := func(name string, data map[string]any) map[string]any {
		data["Title"], data["Carrier"] = title, carrierTitles[s.name]
		return data
	}
	s.handle("GET /claims", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		q := normNumber(r.URL.Query().Get("q"))
		s.render(w, r, http.StatusOK, "claims/list", page("list", map[string]any{"Claims": sb.carrierClaims(s.name, q), "Q": q}))
	}))
	draftOf := func(r *http.Request, ss *session) *claimDraft {
		id := r.URL.Query().Get("draft")
		if id == "" {
			id = r.PostFormValue("draft")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		d := s.drafts[id]
		if d == nil || d.Session != ss.token {
			return nil
		}
		return d
	}
	step := func(w http.ResponseWriter, r *http.Request, n int, d *claimDraft, errText string) {
		names := []string{"", "claims/step-parcel", "claims/step-details", "claims/step-documents", "claims/step-review"}
		code := http.StatusOK
		if errText != "" {
			code = http.StatusBadRequest
		}
		if d == nil {
			d = &claimDraft{}
		}
		s.render(w, r, code, names[n], page("step", map[string]any{"D": d, "Step": n, "Error": errText,
			"Currencies": []string{"USD", "EUR", "GBP", "JPY", "KWD"}}))
	}
	missingDraft := func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusBadRequest, "Claim form expired", "This claim form is no longer available. Start a new claim from the claims list.")
	}
	s.handle("GET /claims/new", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		d := &claimDraft{Tracking: normNumber(r.URL.Query().Get("trackingNumber"))}
		step(w, r, 1, d, "")
	}))
	s.handle("POST /claims/new", kindForm, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		_ = r.ParseForm()
		d := draftOf(r, ss)
		if d == nil {
			d = &claimDraft{ID: randomToken(), Session: ss.token}
		}
		d.Tracking = normNumber(r.PostFormValue("trackingNumber"))
		d.Kind = r.PostFormValue("claimType")
		if s.lookup(d.Tracking) == nil {
			step(w, r, 1, d, "We could not find a "+carrierTitles[s.name]+" shipment with tracking number "+d.Tracking+".")
			return
		}
		if d.Kind != "loss" && d.Kind != "damage" {
			step(w, r, 1, d, "Choose whether the package was lost or damaged.")
			return
		}
		d.Step = max(d.Step, 1)
		s.mu.Lock()
		s.drafts[d.ID] = d
		s.mu.Unlock()
		http.Redirect(w, r, "/claims/new/details?draft="+d.ID, http.StatusSeeOther)
	}))
	s.handle("GET /claims/new/details", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		d := draftOf(r, ss)
		if d == nil || d.Step < 1 {
			missingDraft(w, r)
			return
		}
		step(w, r, 2, d, "")
	}))
	s.handle("POST /claims/new/details", kindForm, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		_ = r.ParseForm()
		d := draftOf(r, ss)
		if d == nil || d.Step < 1 {
			missingDraft(w, r)
			return
		}
		d.Currency = r.PostFormValue("currency")
		amt, err := money.ParseDecimal(d.Currency, r.PostFormValue("amount"))
		d.Description = strings.TrimSpace(r.PostFormValue("description"))
		switch {
		case err != nil || amt.Minor() <= 0:
			step(w, r, 2, d, "Enter the amount claimed as a number in the claim's currency, e.g. 49.90.")
			return
		case d.Description == "":
			step(w, r, 2, d, "Describe the contents and what happened.")
			return
		}
		d.Amount, d.AmountText = amt.Minor(), r.PostFormValue("amount")
		d.Step = max(d.Step, 2)
		http.Redirect(w, r, "/claims/new/documents?draft="+d.ID, http.StatusSeeOther)
	}))
	s.handle("GET /claims/new/documents", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		d := draftOf(r, ss)
		if d == nil || d.Step < 2 {
			missingDraft(w, r)
			return
		}
		step(w, r, 3, d, "")
	}))
	s.handle("POST /claims/new/documents", kindForm, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		if err := r.ParseMultipartForm(16 << 20); err != nil {
			_ = r.ParseForm()
		}
		d := draftOf(r, ss)
		if d == nil || d.Step < 2 {
			missingDraft(w, r)
			return
		}
		var files []string
		invoice := readUpload(r, "invoice")
		if invoice != "" {
			files = append(files, "invoice:"+invoice)
		}
		if r.MultipartForm != nil {
			for _, fh := range r.MultipartForm.File["photos"] {
				if fh.Size > 0 {
					files = append(files, "photo:"+fh.Filename)
				}
			}
		}
		if invoice == "" {
			step(w, r, 3, d, "Upload the invoice that shows the value of the contents.")
			return
		}
		if d.Kind == "damage" && len(files) < 2 {
			step(w, r, 3, d, "Damage claims need at least one photo of the damage.")
			return
		}
		d.Files = files
		d.Step = 3
		http.Redirect(w, r, "/claims/new/review?draft="+d.ID, http.StatusSeeOther)
	}))
	s.handle("GET /claims/new/review", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		d := draftOf(r, ss)
		if d == nil || d.Step < 3 {
			missingDraft(w, r)
			return
		}
		step(w, r, 4, d, "")
	}))
	s.handle("POST /claims/new/submit", kindForm, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		_ = r.ParseForm()
		d := draftOf(r, ss)
		if d == nil || d.Step < 3 {
			missingDraft(w, r)
			return
		}
		s.mu.Lock()
		delete(s.drafts, d.ID)
		s.mu.Unlock()
		c := sb.fileClaim(s.name, d)
		http.Redirect(w, r, "/claims/"+c.Number+"/confirmation", http.StatusSeeOther)
	}))
	s.handle("GET /claims/{num}/confirmation", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		c, ok := s.claimByNumber(r.PathValue("num"))
		if !ok {
			s.errorPage(w, r, http.StatusNotFound, "Claim not found", "No claim with this number.")
			return
		}
		s.render(w, r, http.StatusOK, "claims/confirmation", page("c", map[string]any{"C": c}))
	}))
	s.handle("GET /claims/{num}", kindPage, guard(func(w http.ResponseWriter, r *http.Request, ss *session) {
		c, ok := s.claimByNumber(r.PathValue("num"))
		if !ok {
			s.errorPage(w, r, http.StatusNotFound, "Claim not found", "No claim with this number.")
			return
		}
		s.render(w, r, http.StatusOK, "claims/detail", page("c", map[string]any{"C": c}))
	}))
	s.handle("GET /claims/logout", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if ss, _ := s.anySession(r); ss != nil {
			s.dropSession(ss.token)
		}
		http.Redirect(w, r, "/claims/login", http.StatusSeeOther)
	})
}
