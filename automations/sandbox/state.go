package sandbox

import (
	"maps"
	"regexp"
	"slices"
	"sync"
	"time"
)

// State is what the sandbox saw, for tests: replies per thread, claims per
// parcel, logins per site and requests by kind.
type State struct {
	Now        time.Time          `json:"now"`
	Faults     string             `json:"faults"`
	Replies    map[string][]Reply `json:"replies"`     // by thread id
	NoResponse []string           `json:"no_response"` // thread ids marked "no response needed"
	Claims     map[string][]Claim `json:"claims"`      // by tracking number
	// Notices are the messages a seller started about a shipped order
	// (in the order's conversation, or Amazon's unexpectedProblem message
	// through the SP-API), by the order's tracking number.
	Notices  map[string][]Notice `json:"notices"`
	Logins   map[string]Logins   `json:"logins"`   // by site
	Requests map[string]int      `json:"requests"` // by "site.kind", e.g. "amazon.page", "ups.api", "fault.amazon.5xx"
	// Lookups counts the tracking answers given per number, by the
	// carriers' APIs, their tracking pages' data and the 17TRACK stand-in
	// alike, so that a test can tell a parcel looked up once from one
	// missed or asked twice.
	Lookups map[string]int `json:"lookups"`
}

// Reply is a seller reply the sandbox received.
type Reply struct {
	ID          string    `json:"id"`
	ThreadID    string    `json:"thread_id"`
	StoreID     string    `json:"store_id"`
	Body        string    `json:"body"`
	Ref         string    `json:"ref,omitempty"` // client reference, from the form's ref field or a [ref:...] tag in the body
	Attachments []string  `json:"attachments,omitempty"`
	At          time.Time `json:"at"`
}

// Notice is a message a seller started about a shipped order, before the
// buyer wrote about it.
type Notice struct {
	OrderID        string    `json:"order_id"`
	TrackingNumber string    `json:"tracking_number"`
	StoreID        string    `json:"store_id"`
	Channel        string    `json:"channel"` // "conversation" or "sp-api"
	Ref            string    `json:"ref,omitempty"`
	Body           string    `json:"body"`
	At             time.Time `json:"at"`
}

// Claim is a claim filed on a carrier's portal. Status is computed from the
// clock when State is taken.
type Claim struct {
	Number         string    `json:"number"`
	Carrier        string    `json:"carrier"`
	TrackingNumber string    `json:"tracking_number"`
	Kind           string    `json:"kind"`        // "loss" or "damage"
	Amount         int64     `json:"amount"`      // minor units of Currency
	AmountText     string    `json:"amount_text"` // the amount as typed into the claim form
	Currency       string    `json:"currency"`
	Description    string    `json:"description"`
	Files          []string  `json:"files,omitempty"`
	Filed          time.Time `json:"filed"`
	Status         string    `json:"status"` // submitted, under_review, approved, paid, denied
	Paid           int64     `json:"paid"`   // minor units of Currency
	denied         bool
}

// Logins counts login outcomes on one site.
type Logins struct {
	Succeeded    int `json:"succeeded"`
	BadPassword  int `json:"bad_password"`
	BadCSRF      int `json:"bad_csrf"`
	TOTPRejected int `json:"totp_rejected"`
}

type stateStore struct {
	mu         sync.Mutex
	replies    map[string][]Reply
	noResponse map[string]bool
	claims     map[string][]*Claim
	notices    map[string][]Notice // by tracking number
	claimByNum map[string]*Claim
	claimSeq   int
	logins     map[string]*Logins
	requests   map[string]int
	lookups    map[string]int
}

func newStateStore() *stateStore {
	s := &stateStore{}
	s.reset()
	return s
}

func (s *stateStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = map[string][]Reply{}
	s.noResponse = map[string]bool{}
	s.claims = map[string][]*Claim{}
	s.notices = map[string][]Notice{}
	s.claimByNum = map[string]*Claim{}
	s.claimSeq = 0
	s.logins = map[string]*Logins{}
	s.requests = map[string]int{}
	s.lookups = map[string]int{}
}

// looked counts one tracking answer for a number.
func (s *stateStore) looked(number string) {
	s.mu.Lock()
	s.lookups[number]++
	s.mu.Unlock()
}

func (s *stateStore) count(key string) {
	s.mu.Lock()
	s.requests[key]++
	s.mu.Unlock()
}

// bump counts key and returns the new count.
func (s *stateStore) bump(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[key]++
	return s.requests[key]
}

func (s *stateStore) login(site string, f func(*Logins)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logins[site]
	if l == nil {
		l = &Logins{}
		s.logins[site] = l
	}
	f(l)
}

var refTag = regexp.MustCompile(`\[ref:([A-Za-z0-9._:-]{1,80})\]`)

func (s *stateStore) addReply(r Reply) Reply {
	if r.Ref == "" {
		if m := refTag.FindStringSubmatch(r.Body); m != nil {
			r.Ref = m[1]
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ID = r.ThreadID + "-r" + itoa(len(s.replies[r.ThreadID])+1)
	s.replies[r.ThreadID] = append(s.replies[r.ThreadID], r)
	return r
}

func (s *stateStore) addNotice(n Notice) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notices[n.TrackingNumber] = append(s.notices[n.TrackingNumber], n)
}

// firstNotice is when the parcel's first notice arrived; ok is false when
// none did.
func (s *stateStore) firstNotice(number string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.notices[number]
	if len(ns) == 0 {
		return time.Time{}, false
	}
	first := ns[0].At
	for _, n := range ns[1:] {
		if n.At.Before(first) {
			first = n.At
		}
	}
	return first, true
}

func (s *stateStore) threadReplies(id string) []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.replies[id])
}

func (s *stateStore) setNoResponse(id string) {
	s.mu.Lock()
	s.noResponse[id] = true
	s.mu.Unlock()
}

func (s *stateStore) isNoResponse(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noResponse[id]
}

func (sb *Sandbox) snapshot() State {
	s := sb.st
	now := sb.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := State{Now: now, Faults: sb.Faults(), Replies: map[string][]Reply{}, Claims: map[string][]Claim{}, Notices: map[string][]Notice{},
		Logins: map[string]Logins{}, Requests: maps.Clone(s.requests), NoResponse: []string{},
		Lookups: maps.Clone(s.lookups)}
	for k, v := range s.replies {
		out.Replies[k] = slices.Clone(v)
	}
	for k, v := range s.notices {
		out.Notices[k] = slices.Clone(v)
	}
	for k := range s.noResponse {
		out.NoResponse = append(out.NoResponse, k)
	}
	slices.Sort(out.NoResponse)
	for k, v := range s.claims {
		for _, c := range v {
			out.Claims[k] = append(out.Claims[k], sb.claimAt(c, now))
		}
	}
	for k, v := range s.logins {
		out.Logins[k] = *v
	}
	return out
}

// State returns a snapshot of replies, claims, logins and request counts.
func (sb *Sandbox) State() State { return sb.snapshot() }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
