package tracking

import (
	"context"
	"fmt"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
)

// Probe is what a tracking recipe finds on its live page: every track.*
// selector with its count, and how the timeline read went (Error is empty
// when the events fit the tracking_event schema).
type Probe struct {
	Site      string                      `json:"site"`
	Number    string                      `json:"number"`
	URL       string                      `json:"url"`
	Selectors []automations.SelectorCount `json:"selectors"`
	Events    int                         `json:"events"`
	Class     string                      `json:"class,omitempty"`
	Error     string                      `json:"error,omitempty"`
}

// Probe opens the courier's tracking page for number, reads it as a lookup
// would (the schema check included) and counts what each of the recipe's
// track.* selectors matches there. Nothing is stored. The error is for a
// probe that could not run at all; a page that does not fit is reported in
// the Probe.
func (t *Tracker) Probe(ctx context.Context, courier, number string) (Probe, error) {
	rec, err := t.recipe(courier)
	if err != nil {
		return Probe{}, err
	}
	p := Probe{Site: rec.Site, Number: number}
	if p.URL, err = rec.Expand("track", map[string]string{"number": number}); err != nil {
		return p, err
	}
	r := &run{t: t, opts: Options{Concurrency: 1}.withDefaults()}
	defer r.closePool()
	pool, err := r.pagePool(ctx)
	if err != nil {
		return p, err
	}
	h := &pageHolder{pool: pool}
	defer h.release()
	pg, err := h.get(ctx)
	if err != nil {
		return p, err
	}
	line, _, err := r.webOnce(ctx, pg, rec, job{input: number, number: number, courier: courier})
	if err != nil {
		p.Class, p.Error = string(automations.Classify(err)), err.Error()
	} else {
		p.Events = len(line.Events)
	}
	err = pg.Step(ctx, rec.Site+".probe", r.opts.PageBudget, func(rp *rod.Page) error {
		var err error
		p.Selectors, err = automations.CountSelectors(rp, rec, "track.")
		return err
	})
	if err != nil {
		return p, fmt.Errorf("count the selectors on %s: %w", p.URL, err)
	}
	return p, nil
}
