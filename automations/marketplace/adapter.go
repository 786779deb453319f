package marketplace

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
)

// adapter is what differs between marketplaces. Every method runs on a
// page that is on the site, signed in, inside a step.
type adapter interface {
	login(p *rod.Page, s *session, c credentials) error
	// list returns the threads whose newest buyer message is at or after
	// since (every thread for the zero time), newest first.
	list(p *rod.Page, s *session, since time.Time) ([]threadSummary, error)
	// details reads whole threads, one answer per id: a thread or an error.
	details(p *rod.Page, s *session, ids []string) ([]threadDetail, []error)
	// orders reads orders the thread pages do not carry; nil when the
	// thread pages already tell all the site tells.
	orders(p *rod.Page, s *session, ids []string) (map[string]remoteOrder, error)
	// fill opens the thread and types the reply, with ref as the client
	// reference the site keeps beside it.
	fill(p *rod.Page, s *session, threadID, body, ref string) error
	// submit sends what fill typed and waits for the site's confirmation.
	submit(p *rod.Page, s *session, threadID, ref string) error
	// hasReply looks on the site for a sent reply carrying ref.
	hasReply(p *rod.Page, s *session, threadID, ref string) (bool, error)
}

// noResponder is a site whose thread page offers "no response needed".
// Both methods run on a page that is on the site, signed in, inside a step.
type noResponder interface {
	// noResponseShown opens the thread's page and tells whether the site
	// already shows the thread as needing no response.
	noResponseShown(p *rod.Page, s *session, threadID string) (bool, error)
	// markNoResponse takes the action on the thread page noResponseShown
	// left open and waits until the site shows the new status.
	markNoResponse(p *rod.Page, s *session, threadID string) error
}

func adapterFor(marketplace string) (adapter, error) {
	switch marketplace {
	case "amazon":
		return amazonSite{}, nil
	case "ebay":
		return ebaySite{}, nil
	case "tiktok":
		return tiktokSite{}, nil
	}
	return nil, fmt.Errorf("%w: marketplace %q has no flows; use one of %s", ErrInvalidInput, marketplace, strings.Join(Marketplaces, ", "))
}

// rawSummary and rawMessage are what page scripts return: times as text.
type rawSummary struct {
	ID       string   `json:"id"`
	OrderID  string   `json:"order"`
	Buyer    string   `json:"buyer"`
	Subject  string   `json:"subject"`
	Kind     string   `json:"kind"`
	Status   string   `json:"status"`
	Received string   `json:"received"`
	Multi    []string `json:"multi"`
}

type rawMessage struct {
	ID          string   `json:"id"`
	From        string   `json:"from"`
	Body        string   `json:"body"`
	Ref         string   `json:"ref"`
	At          string   `json:"at"`
	Attachments []string `json:"attachments"`
	Multi       []string `json:"multi"`
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func (r rawSummary) summary() threadSummary {
	return threadSummary{ID: r.ID, OrderID: r.OrderID, Buyer: r.Buyer, Subject: r.Subject, Kind: r.Kind, Status: r.Status, Received: parseTime(r.Received), Multi: r.Multi}
}

func (m rawMessage) message() remoteMessage {
	return remoteMessage{ID: m.ID, From: m.From, Body: m.Body, Ref: m.Ref, At: parseTime(m.At), Attachments: m.Attachments, Multi: m.Multi}
}

// recipeSels collects selectors and attribute names for page scripts:
// selectors by their key, attributes as "attr.<name>".
func recipeSels(r *automations.Recipe, selectors []string, attrs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range selectors {
		s, err := r.Selector(k)
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	for _, k := range attrs {
		a, err := r.Attr(k)
		if err != nil {
			return nil, err
		}
		out["attr."+k] = a
	}
	out["captcha"] = optSel(r, "login.captcha")
	out["login"] = optSel(r, "login.username")
	out["expired"] = optSel(r, "session.expired")
	return out, nil
}
