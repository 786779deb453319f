package tracking

import (
	"time"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
)

// Classes a Line's error may carry besides the browser failure classes of
// package automations (blocked, needs_human, rate_limited, ...).
const (
	// ClassBadInput marks a number that fits no carrier's format and check
	// digits.
	ClassBadInput = "bad_input"
	// ClassUnsupported marks a valid number of a courier that sellerops can
	// look up neither through an API client nor through a tracking recipe.
	ClassUnsupported = "unsupported"
	// ClassNoBrowser marks a web lookup that could not start a browser.
	ClassNoBrowser = "no_browser"
	// ClassStorage marks a result that could not be stored.
	ClassStorage = "storage"
)

// Sources of a Line.
const (
	SourceAPI   = string(localdb.SourceAPI)
	SourceWeb   = string(localdb.SourceWeb)
	SourceCache = string(localdb.SourceCache)
)

// Line is the answer for one input number: what `sellerops track` prints as
// one JSON line, and what the dashboard shows.
type Line struct {
	// Index is the input's position, so that a caller can put streamed
	// lines back in input order.
	Index             int        `json:"-"`
	Input             string     `json:"input"`
	Number            string     `json:"number"`
	Courier           string     `json:"courier"`
	Found             bool       `json:"found"`
	Tag               string     `json:"tag"`
	Subtag            string     `json:"subtag"`
	LastEvent         *Event     `json:"last_event,omitempty"`
	EstimatedDelivery *time.Time `json:"estimated_delivery,omitempty"`
	Events            []Event    `json:"events"`
	// Unmapped counts the events whose code and words fit no status table;
	// they keep their raw code and are flagged, never guessed.
	Unmapped int    `json:"unmapped,omitempty"`
	Source   string `json:"source,omitempty"`
	// Via names the multi-carrier tracking API ("17track") that answered
	// for the courier, when it was not the courier's own API.
	Via string `json:"via,omitempty"`
	// Endpoint names the browser that read the tracking page: "local", or
	// a remote browser's scheme://host:port (never its path or query,
	// where services keep their tokens). Empty for API and cache lines.
	Endpoint  string     `json:"endpoint,omitempty"`
	CheckedAt time.Time  `json:"checked_at,omitzero"`
	Error     *LineError `json:"error,omitempty"`
	// FallbackFrom is set when the carrier's API failed for this number
	// after its retries and the line comes from the tracking page instead:
	// it keeps what the API said.
	FallbackFrom *LineError `json:"fallback_from,omitempty"`
}

// Event is one checkpoint of a parcel.
type Event struct {
	Time        time.Time `json:"time"`
	Location    string    `json:"location,omitempty"`
	Description string    `json:"description"`
	Tag         string    `json:"tag,omitempty"`
	Subtag      string    `json:"subtag,omitempty"`
	RawCode     string    `json:"raw_code,omitempty"`
	Unmapped    bool      `json:"unmapped,omitempty"`
}

// LineError is a failed lookup: its class and a message that names the
// input and what to do.
type LineError struct {
	Class   string `json:"class"`
	Message string `json:"message"`
}

// Failed reports whether the lookup failed.
func (l Line) Failed() bool { return l.Error != nil }

func errorLine(idx int, input, number, courier, class, msg string) Line {
	return Line{Index: idx, Input: input, Number: number, Courier: courier, Events: []Event{},
		Error: &LineError{Class: class, Message: msg}}
}

// lineFromShipment turns a carrier's normalised shipment into a line.
func lineFromShipment(idx int, input string, sh carriers.Shipment, source string, at time.Time) Line {
	l := Line{Index: idx, Input: input, Number: sh.Number, Courier: sh.Courier, Found: sh.Found,
		Tag: string(sh.Tag), Subtag: string(sh.Subtag), Source: source, CheckedAt: at, Events: make([]Event, 0, len(sh.Events)),
		Unmapped: sh.Unmapped}
	if l.Tag == "" {
		l.Tag, l.Subtag = string(carriers.Pending), string(carriers.PendingNoInfo)
	}
	for _, e := range sh.Events {
		l.Events = append(l.Events, Event{Time: e.Time.UTC(), Location: e.Location, Description: e.Description,
			Tag: string(e.Tag), Subtag: string(e.Subtag), RawCode: e.RawCode, Unmapped: e.Unmapped})
	}
	if len(l.Events) > 0 {
		ev := l.Events[0]
		l.LastEvent = &ev
	}
	if sh.EstimatedDelivery != nil && !sh.EstimatedDelivery.IsZero() {
		t := sh.EstimatedDelivery.UTC()
		l.EstimatedDelivery = &t
	}
	return l
}

// lineFromStored turns a stored parcel and its events into a cache line.
func lineFromStored(idx int, input string, s localdb.Shipment, events []localdb.TrackingEvent) Line {
	l := Line{Index: idx, Input: input, Number: s.TrackingNumber, Courier: s.Courier, Found: len(events) > 0 || s.Tag != string(carriers.Pending),
		Tag: s.Tag, Subtag: s.Subtag, Source: SourceCache, CheckedAt: s.CheckedAt, Events: make([]Event, 0, len(events))}
	for _, e := range events {
		l.Events = append(l.Events, Event{Time: e.Time, Location: e.Location, Description: e.Description,
			Tag: e.Tag, Subtag: e.Subtag, RawCode: e.RawCode})
	}
	if len(l.Events) > 0 {
		ev := l.Events[0]
		l.LastEvent = &ev
	}
	if !s.EstimatedDelivery.IsZero() {
		t := s.EstimatedDelivery
		l.EstimatedDelivery = &t
	}
	return l
}

// trackResult is what SaveTrackResult stores for a line.
func trackResult(l Line) localdb.TrackResult {
	r := localdb.TrackResult{Courier: l.Courier, TrackingNumber: l.Number, Tag: l.Tag, Subtag: l.Subtag,
		Source: localdb.Source(l.Source), CheckedAt: l.CheckedAt}
	if l.Error != nil {
		r.ErrorClass = l.Error.Class
		return r
	}
	if l.EstimatedDelivery != nil {
		r.EstimatedDelivery = *l.EstimatedDelivery
	}
	for _, e := range l.Events {
		if e.Time.IsZero() {
			continue // a page whose date could not be read; the line still shows it
		}
		r.Events = append(r.Events, localdb.TrackingEvent{Time: e.Time, Tag: e.Tag, Subtag: e.Subtag, RawCode: e.RawCode,
			Location: e.Location, Description: e.Description})
	}
	return r
}
