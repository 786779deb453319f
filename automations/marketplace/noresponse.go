package marketplace

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
)

// NoResponseResult says where a thread was marked "no response needed".
type NoResponseResult struct {
	ThreadID            int64  `json:"thread_id"`
	Store               string `json:"store"`
	Marketplace         string `json:"marketplace"`
	MarketplaceThreadID string `json:"marketplace_thread_id"`
	// OnSite: the marketplace shows the thread as needing no response.
	OnSite bool `json:"on_site"`
	// Already: the site showed it so before this call; nothing was
	// submitted.
	Already bool `json:"already"`
	// LocalOnly says why only the local inbox was changed; empty when the
	// site was changed too.
	LocalOnly string `json:"local_only_reason,omitempty"`
}

// HasNoResponseAction tells whether the marketplace has a "no response
// needed" action that MarkNoResponse takes on the site.
func HasNoResponseAction(marketplace string) bool {
	ad, err := adapterFor(marketplace)
	if err != nil {
		return false
	}
	_, ok := ad.(noResponder)
	return ok
}

// MarkNoResponse marks the local thread threadID "no response needed" on
// its marketplace and then in the local inbox. On Amazon an unanswered
// buyer message counts against the seller's response time until the site
// itself is told, so the store signs in, opens the thread and takes the
// site's action, unless the site already shows it; a run repeated after a
// crash therefore never submits twice. Marketplaces without such an action
// get the local status only, and the result says why.
func MarkNoResponse(ctx context.Context, deps *Deps, threadID int64) (NoResponseResult, error) {
	if err := deps.check(); err != nil {
		return NoResponseResult{}, err
	}
	db := deps.DB
	th, err := db.GetThread(ctx, threadID)
	if err != nil {
		if errors.Is(err, localdb.ErrNotFound) {
			return NoResponseResult{}, fmt.Errorf("%w: thread %d does not exist; see `sellerops messages list` (%w)", ErrInvalidInput, threadID, err)
		}
		return NoResponseResult{}, err
	}
	st, err := db.GetStore(ctx, th.StoreID)
	if err != nil {
		return NoResponseResult{}, err
	}
	res := NoResponseResult{ThreadID: th.ID, Store: st.Name, Marketplace: st.Marketplace, MarketplaceThreadID: th.MarketplaceThreadID}
	if !HasNoResponseAction(st.Marketplace) {
		res.LocalOnly = st.Marketplace + " has no such action"
	} else if err := markOnSite(ctx, deps, st, th, &res); err != nil {
		return res, err
	}
	if err := db.SetThreadStatus(ctx, th.ID, localdb.StatusNoResponseNeeded); err != nil {
		if res.OnSite {
			return res, fmt.Errorf("marked on %s, but not in the local inbox: %w", st.Marketplace, err)
		}
		return res, err
	}
	return res, nil
}

// markOnSite signs the store in and takes the site's action, looking at
// the thread's status first on every attempt.
func markOnSite(ctx context.Context, deps *Deps, st localdb.Store, th localdb.Thread, res *NoResponseResult) error {
	sess, err := openSession(ctx, deps, st)
	if err != nil {
		return err
	}
	defer sess.close()
	if err := sess.ensure(ctx); err != nil {
		return err
	}
	site, ok := sess.site.(noResponder)
	if !ok {
		return fmt.Errorf("marketplace %s has no \"no response needed\" action", st.Marketplace)
	}
	id := th.MarketplaceThreadID
	return sess.withRetry(ctx, func(int) error {
		var shown bool
		err := sess.step(ctx, "noresponse.check", pageBudget, func(p *rod.Page) error {
			var err error
			shown, err = site.noResponseShown(p, sess, id)
			return err
		})
		if err != nil {
			return err
		}
		if shown {
			res.OnSite, res.Already = true, true
			return nil
		}
		err = sess.step(ctx, "noresponse.submit", pageBudget, func(p *rod.Page) error {
			return site.markNoResponse(p, sess, id)
		})
		if err != nil {
			return err
		}
		res.OnSite = true
		return nil
	})
}

// noResponseValue tells whether a status, as a site writes it in an
// attribute or as text, means "no response needed".
func noResponseValue(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	v = strings.NewReplacer(" ", "_", "-", "_").Replace(v)
	return v == "no_response_needed"
}

func (amazonSite) noResponseShown(p *rod.Page, s *session, threadID string) (bool, error) {
	u, err := threadURL(s.recipe, threadID)
	if err != nil {
		return false, err
	}
	if err := automations.Navigate(p, u); err != nil {
		return false, err
	}
	if err := s.checkSignedIn(p); err != nil {
		return false, err
	}
	v, err := threadStatus(p, s)
	return noResponseValue(v), err
}

func (amazonSite) markNoResponse(p *rod.Page, s *session, threadID string) error {
	if err := clickAndLoad(p, s.recipe, "thread.no_response_needed"); err != nil {
		return err
	}
	status, err := s.recipe.Selector("thread.status")
	if err != nil {
		return err
	}
	const action = `"no response needed"`
	if err := waitPosted(p, s, status, action, "marking thread "+threadID, action); err != nil {
		return err
	}
	v, err := threadStatus(p, s)
	if err != nil {
		return err
	}
	if !noResponseValue(v) {
		return automations.Fail(automations.SiteError, "%s still shows thread %s as %q after \"no response needed\"", s.recipe.Site, threadID, v)
	}
	return nil
}

// threadStatus reads the thread page's status element: the recipe's
// status attribute when the element has it, else its text.
func threadStatus(p *rod.Page, s *session) (string, error) {
	sel, err := s.recipe.Selector("thread.status")
	if err != nil {
		return "", err
	}
	el, err := automations.Find(p, "thread.status", sel)
	if err != nil {
		return "", err
	}
	if attr, err := s.recipe.Attr("thread_status"); err == nil {
		if v, err := el.Attribute(attr); err == nil && v != nil && *v != "" {
			return *v, nil
		}
	}
	return el.Text()
}
