package marketplace

import (
	"context"
	"errors"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
)

// ProbePage is one page of a live check: where it was and what each of the
// recipe's selectors for it matched there.
type ProbePage struct {
	Name      string                      `json:"name"` // "inbox" or "thread"
	URL       string                      `json:"url"`
	Selectors []automations.SelectorCount `json:"selectors"`
}

// Probe is what a marketplace recipe finds on its live site: whether the
// store signed in, how many threads the inbox listed and how many of them
// fit the thread schema, how many messages the first thread held that fit
// the message schema, and the selector counts of the inbox and the first
// thread's page. Class and Error are empty when every read fitted.
type Probe struct {
	Site     string      `json:"site"`
	Store    string      `json:"store"`
	SignedIn bool        `json:"signed_in"`
	Threads  int         `json:"threads"`
	Misfits  int         `json:"misfits"` // listed threads that do not fit the schema
	Messages int         `json:"messages"`
	Pages    []ProbePage `json:"pages"`
	Class    string      `json:"class,omitempty"`
	Error    string      `json:"error,omitempty"`
}

// probeBudget bounds each step of a probe; a live site gets the time a
// sync's page read gets.
const probeBudget = 45 * time.Second

// ProbeStore signs the store in and reads its site as a sync does (the
// schema checks included), without storing anything, then opens the inbox
// and the first thread as a person would and counts what the recipe's
// inbox.* and thread.* selectors match there. person marks a browser shown
// to someone who can solve a CAPTCHA. The error is for a probe that could
// not run at all; a site that does not fit is reported in the Probe.
func ProbeStore(ctx context.Context, deps *Deps, storeName string, person bool) (Probe, error) {
	if err := deps.check(); err != nil {
		return Probe{}, err
	}
	st, err := deps.DB.GetStoreByName(ctx, storeName)
	if err != nil {
		return Probe{}, err
	}
	sess, err := openSession(ctx, deps, st)
	if err != nil {
		return Probe{}, err
	}
	defer sess.close()
	sess.human = person
	p := Probe{Site: sess.recipe.Site, Store: st.Name, Pages: []ProbePage{}}
	failed := func(err error) (Probe, error) {
		p.Class, p.Error = string(automations.Classify(err)), err.Error()
		return p, nil
	}
	if err := sess.ensure(ctx); err != nil {
		return failed(err)
	}
	p.SignedIn = true

	var list []threadSummary
	var misfits error
	err = sess.step(ctx, "probe.list", probeBudget, func(rp *rod.Page) error {
		all, err := sess.site.list(rp, sess, time.Time{})
		if err != nil {
			return err
		}
		list, misfits = sess.checkThreads(all, listURL(sess.recipe))
		p.Misfits = len(all) - len(list)
		return nil
	})
	if err != nil {
		return failed(err)
	}
	p.Threads = len(list)
	var first string
	if len(list) > 0 {
		first = list[0].ID
		err := sess.step(ctx, "probe.thread", probeBudget, func(rp *rod.Page) error {
			ds, errs := sess.site.details(rp, sess, []string{first})
			if len(errs) != 1 || len(ds) != 1 {
				return errors.New("the site answered for another number of threads")
			}
			if errs[0] != nil {
				return errs[0]
			}
			u, _ := threadURL(sess.recipe, first)
			d, err := sess.checkThread(ds[0], u)
			p.Messages = len(d.Messages)
			return err
		})
		if err != nil {
			return failed(err)
		}
	}

	// The pages as a person sees them: each is opened, given until the
	// recipe's mark of a loaded page shows (or the budget ends: a count of
	// 0 is then the finding), and counted.
	pages := []struct{ name, url, prefix string }{}
	if u, err := sess.recipe.URL("inbox"); err == nil {
		pages = append(pages, struct{ name, url, prefix string }{"inbox", u, "inbox."})
	}
	if first != "" {
		if u, err := threadURL(sess.recipe, first); err == nil {
			pages = append(pages, struct{ name, url, prefix string }{"thread", u, "thread."})
		}
	}
	for _, pg := range pages {
		pp := ProbePage{Name: pg.name, URL: pg.url}
		err := sess.step(ctx, "probe."+pg.name+".count", probeBudget, func(rp *rod.Page) error {
			if err := rp.Navigate(pg.url); err != nil {
				return err
			}
			if err := rp.WaitLoad(); err != nil {
				return err
			}
			var conds []cond
			for _, k := range []string{"loaded", "complete", "root", "pane", "list"} {
				if sel := optSel(sess.recipe, pg.prefix+k); sel != "" {
					conds = append(conds, cond{Name: k, Sel: sel})
				}
			}
			if len(conds) > 0 {
				wait := rp.Timeout(probeBudget / 3)
				_, _ = waitFor(wait, conds) // not showing is what the counts report
				wait.CancelTimeout()
			}
			var err error
			pp.Selectors, err = automations.CountSelectors(rp, sess.recipe, pg.prefix)
			return err
		})
		if err != nil {
			return failed(err)
		}
		p.Pages = append(p.Pages, pp)
	}
	if misfits != nil {
		return failed(misfits)
	}
	return p, nil
}
