package jobs

// This file is the one place that couples the runner to the flows of
// packages marketplace, tracking and claims.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// Names are the built-in jobs, in the order `sellerops run` runs them when
// none is named.
var Names = []string{"sync", "track", "notices", "claims-draft", "claims-file", "claims-status", "report"}

// Deps are what the built-in jobs work with. Each flow's dependencies are
// made on first use, so that a job that needs no browser never starts one.
type Deps struct {
	DB     *localdb.DB
	Config *config.Config
	// Marketplace returns the marketplace flows' dependencies, with a
	// browser (sync).
	Marketplace func(ctx context.Context) (*marketplace.Deps, error)
	// Tracking returns the tracker's dependencies (track).
	Tracking func(ctx context.Context) (tracking.Deps, error)
	// Claims returns the claim flows' dependencies (claims-*).
	Claims func(ctx context.Context) (filing.Deps, error)
	// Notices is what the delay-notice rule reads (notices); nil means
	// the database, the config and the built-in templates.
	Notices *notices.Deps
	// Report writes the morning report and returns where (report).
	Report func(ctx context.Context) (string, error)
	// Stores limits sync to these stores; empty means every store.
	Stores []string
	// Numbers limits track to these tracking numbers; empty means every
	// open parcel.
	Numbers []string
	// SyncProgress, when set, receives the sync's steps store by store
	// (sign-in, listing, threads read), for a surface that shows them.
	SyncProgress func(marketplace.Progress)
	// TrackProgress, when set, receives each parcel's lookup as the track
	// job reads it.
	TrackProgress func(tracking.Line)
	// TrackFresh looks every parcel up again, whatever the age of its
	// last lookup (track_max_age is not applied).
	TrackFresh bool
	// TrackConcurrency is how many parcels are looked up at once; zero
	// means tracking.DefaultConcurrency.
	TrackConcurrency int
	// TrackChunk is how many parcels are looked up per batch; zero means 25.
	TrackChunk int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d Deps) cfg() *config.Config { return config.OrDefaults(d.Config) }

// Builtin returns the named built-in job.
func Builtin(d Deps, name string) (Job, error) {
	switch name {
	case "sync":
		return syncJob(d, nil), nil
	case "track":
		return trackJob(d), nil
	case "notices":
		return noticesJob(d), nil
	case "claims-draft":
		return claimsDraftJob(d), nil
	case "claims-file":
		return claimsFileJob(d), nil
	case "claims-status":
		return claimsStatusJob(d), nil
	case "report":
		return reportJob(d), nil
	}
	return Job{}, fmt.Errorf("unknown job %q; use one of %s", name, strings.Join(Names, ", "))
}

func needDep[T any](f func(context.Context) (T, error), what string) func(context.Context) (T, error) {
	if f == nil {
		return func(context.Context) (T, error) {
			var zero T
			return zero, fmt.Errorf("jobs: no %s dependencies configured", what)
		}
	}
	return f
}

// failureOf turns a class and message reported by a flow into an error the
// runner records with that class.
func failureOf(class, msg, evidence string) error {
	if class == "" {
		class = string(automations.SiteError)
	}
	if msg == "" {
		msg = class
	}
	return &automations.Failure{Class: automations.Class(class), Err: errors.New(msg), Evidence: evidence}
}

// syncJob: one item per store, "store:NAME", and under it one detail item
// per thread read, "thread:STORE:ID", and one for the store's orders,
// "orders:STORE:list" (the walk of its order list) or "orders:STORE:api".
// A store that fails is recorded with
// its class and evidence; the others go on. Each pass's store summaries go
// to sums when it is set.
func syncJob(d Deps, sums *storeSums) Job {
	return Job{
		Name: "sync",
		Unit: func(key string) bool { return strings.HasPrefix(key, "store:") },
		Items: func(ctx context.Context) ([]string, error) {
			stores, err := d.DB.ListStores(ctx)
			if err != nil {
				return nil, err
			}
			var keys []string
			for _, s := range stores {
				if len(d.Stores) == 0 || slices.Contains(d.Stores, s.Name) {
					keys = append(keys, "store:"+s.Name)
				}
			}
			return keys, nil
		},
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			md, err := needDep(d.Marketplace, "marketplace")(ctx)
			if err != nil {
				return err
			}
			var names []string
			for _, key := range keys {
				name := strings.TrimPrefix(key, "store:")
				if _, err := d.DB.GetStoreByName(ctx, name); errors.Is(err, localdb.ErrNotFound) {
					if b.Begin(ctx, key) {
						b.End(ctx, key, &automations.Failure{Class: automations.SiteError,
							Err: fmt.Errorf("store %s is no longer in the database", name)})
					}
					continue
				}
				names = append(names, name)
			}
			if len(names) == 0 {
				return nil
			}
			// The sync begins and ends each store's item itself, and
			// adds and ends its threads' items.
			sum, err := marketplace.SyncStoresWith(ctx, md, names, marketplace.SyncOptions{Record: b}, d.SyncProgress)
			sums.add(sum.Stores)
			return err
		},
	}
}

// trackJob: one item per open parcel (every shipped order's included),
// "parcel:NUMBER", looked up in chunks
// so that a kill leaves at most one chunk to look up again.
func trackJob(d Deps) Job {
	return Job{
		Name: "track",
		Items: func(ctx context.Context) ([]string, error) {
			nums := d.Numbers
			if len(nums) == 0 {
				// Orders stored before their parcel was (by an older sync,
				// or an import) get one first, so that no shipped order
				// goes untracked.
				if _, err := tracking.AdoptOrders(ctx, d.DB); err != nil {
					return nil, err
				}
				var err error
				if nums, err = tracking.OpenNumbers(ctx, d.DB); err != nil {
					return nil, err
				}
			}
			keys := make([]string, len(nums))
			for i, n := range nums {
				keys[i] = "parcel:" + n
			}
			return keys, nil
		},
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			td, err := needDep(d.Tracking, "tracking")(ctx)
			if err != nil {
				return err
			}
			chunk := d.TrackChunk
			if chunk <= 0 {
				chunk = 25
			}
			// Zero leaves the number to tracking.DefaultConcurrency.
			opts := tracking.Options{Concurrency: d.TrackConcurrency, MaxAge: d.cfg().Thresholds.TrackMaxAge.D()}
			if d.TrackFresh {
				opts.MaxAge = 0
			}
			// One tracker for the whole run keeps the API tokens between
			// chunks.
			tr, err := tracking.New(td)
			if err != nil {
				return err
			}
			defer tr.Close()
			for part := range slices.Chunk(keys, chunk) {
				if ctx.Err() != nil {
					return nil
				}
				var nums []string
				for _, key := range part {
					if b.Begin(ctx, key) {
						nums = append(nums, strings.TrimPrefix(key, "parcel:"))
					}
				}
				if len(nums) == 0 {
					continue
				}
				for l := range tr.Track(ctx, nums, opts) {
					if d.TrackProgress != nil {
						d.TrackProgress(l)
					}
					key := "parcel:" + l.Input
					if l.Error != nil {
						b.End(ctx, key, failureOf(l.Error.Class, l.Error.Message, ""))
						continue
					}
					b.End(ctx, key, nil)
				}
			}
			return nil
		},
	}
}

// claimsDraftJob: one item per open-window candidate without a claim,
// "draft:COURIER:NUMBER:KIND". Draft returns an existing draft instead of
// making a second one.
func claimsDraftJob(d Deps) Job {
	return Job{
		Name: "claims-draft",
		Items: func(ctx context.Context) ([]string, error) {
			cd, err := needDep(d.Claims, "claims")(ctx)
			if err != nil {
				return nil, err
			}
			cands, err := claims.Candidates(ctx, cd.Deps, d.now())
			if err != nil {
				return nil, err
			}
			var keys []string
			for _, c := range cands {
				if c.ClaimID == 0 && c.Window.State == claims.WindowOpen {
					keys = append(keys, fmt.Sprintf("draft:%s:%s:%s", c.Courier, c.TrackingNumber, c.Kind))
				}
			}
			return keys, nil
		},
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			cd, err := needDep(d.Claims, "claims")(ctx)
			if err != nil {
				return err
			}
			for _, key := range keys {
				if ctx.Err() != nil {
					return nil
				}
				parts := strings.Split(key, ":")
				if len(parts) != 4 {
					if b.Begin(ctx, key) {
						b.End(ctx, key, failureOf(string(automations.PageChanged), "malformed item key "+key, ""))
					}
					continue
				}
				if !b.Begin(ctx, key) {
					continue
				}
				_, err := claims.Draft(ctx, cd.Deps, parts[2], localdb.ClaimKind(parts[3]))
				if errors.Is(err, claims.ErrNotEligible) {
					err = nil // no longer qualifies: nothing to draft
				}
				b.End(ctx, key, err)
			}
			return nil
		},
	}
}

// claimIDs lists the claims in the given states as "claim:ID" keys.
func claimKeys(ctx context.Context, db *localdb.DB, states []localdb.ClaimState, keep func(localdb.Claim) bool) ([]string, error) {
	list, err := db.ListClaims(ctx, localdb.ClaimFilter{States: states})
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, c := range list {
		if keep(c) {
			keys = append(keys, "claim:"+strconv.FormatInt(c.ID, 10))
		}
	}
	return keys, nil
}

func claimID(key string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(key, "claim:"), 10, 64)
	if err != nil || !strings.HasPrefix(key, "claim:") {
		return 0, fmt.Errorf("malformed item key %q", key)
	}
	return id, nil
}

// claimsFileJob: one item per draft the config's policy lets file with
// nobody at the keyboard, "claim:ID". The policy is asked again just before
// filing; a claim it refuses is left for a person, never filed. Filing goes
// through the claims outbox, so a filing cut short is checked on the portal
// before anything is submitted again.
// noticesJob: one item per proposed delay notice, "notice:KEY", sent
// through the outbox only when the config says proactive.auto_send; else
// the job has no items and the notices wait for a person. A notice that
// cannot be written needs a person. Notices left half-way by an earlier run
// are finished first, looked for on the site before anything is sent.
func noticesJob(d Deps) Job {
	nd := func() notices.Deps {
		if d.Notices != nil {
			return *d.Notices
		}
		return notices.Deps{DB: d.DB, Config: d.Config}
	}
	return Job{
		Name: "notices",
		Items: func(ctx context.Context) ([]string, error) {
			if !d.cfg().Proactive.AutoSend {
				return nil, nil
			}
			props, err := notices.Propose(ctx, nd(), d.now())
			if err != nil {
				return nil, err
			}
			keys := make([]string, 0, len(props))
			for _, p := range props {
				keys = append(keys, "notice:"+p.Key)
			}
			return keys, nil
		},
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			md, err := needDep(d.Marketplace, "marketplace")(ctx)
			if err != nil {
				return err
			}
			props, err := notices.Propose(ctx, nd(), d.now())
			if err != nil {
				return err
			}
			sender := marketplace.NoticeSender{Deps: md}
			for _, key := range keys {
				if ctx.Err() != nil {
					return nil
				}
				if !b.Begin(ctx, key) {
					continue
				}
				p, err := notices.Find(props, strings.TrimPrefix(key, "notice:"))
				switch {
				case errors.Is(err, notices.ErrNoNotice):
					// Decided since the run began (sent, or skipped by a
					// person), or the buyer wrote: nothing to send.
					b.End(ctx, key, nil)
					continue
				case err != nil:
					b.End(ctx, key, err)
					continue
				case p.Problem != "":
					b.End(ctx, key, failureOf(string(automations.NeedsHuman), p.Problem, ""))
					continue
				}
				_, err = notices.Send(ctx, d.DB, sender, p)
				b.End(ctx, key, err)
			}
			return nil
		},
	}
}

func claimsFileJob(d Deps) Job {
	return Job{
		Name: "claims-file",
		Items: func(ctx context.Context) ([]string, error) {
			return claimKeys(ctx, d.DB, []localdb.ClaimState{localdb.ClaimDraft, localdb.ClaimFiling}, func(c localdb.Claim) bool {
				ok, _ := claims.PolicyAllows(d.cfg(), c, d.now())
				return ok
			})
		},
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			cd, err := needDep(d.Claims, "claims")(ctx)
			if err != nil {
				return err
			}
			filer := filing.NewFiler(cd, false)
			defer filer.Close()
			for _, key := range keys {
				if ctx.Err() != nil {
					return nil
				}
				if !b.Begin(ctx, key) {
					continue
				}
				id, err := claimID(key)
				if err != nil {
					b.End(ctx, key, err)
					continue
				}
				c, err := d.DB.GetClaim(ctx, id)
				if err != nil {
					b.End(ctx, key, err)
					continue
				}
				if c.State == localdb.ClaimDraft || c.State == localdb.ClaimFiling {
					if ok, why := claims.PolicyAllows(d.cfg(), c, d.now()); !ok {
						b.End(ctx, key, failureOf(string(automations.NeedsHuman), why, ""))
						continue
					}
				}
				_, err = filer.File(ctx, id, nil)
				switch {
				case errors.Is(err, filing.ErrBusy):
					err = &automations.Failure{Class: automations.SiteError, Err: err}
				case errors.Is(err, claims.ErrNotReady):
					// A gap in the claim does not close by itself: a person
					// edits the draft, and no night retries it meanwhile.
					err = &automations.Failure{Class: automations.NeedsHuman, Err: err}
				}
				b.End(ctx, key, err)
			}
			return nil
		},
	}
}

// claimsStatusJob: one item per filed claim not yet final, "claim:ID",
// read in one portal visit per carrier.
func claimsStatusJob(d Deps) Job {
	open := []localdb.ClaimState{localdb.ClaimSubmitted, localdb.ClaimUnderReview, localdb.ClaimApproved}
	return Job{
		Name: "claims-status",
		Items: func(ctx context.Context) ([]string, error) {
			return claimKeys(ctx, d.DB, open, func(c localdb.Claim) bool { return c.ConfirmationNumber != "" })
		},
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			cd, err := needDep(d.Claims, "claims")(ctx)
			if err != nil {
				return err
			}
			begun := map[int64]string{}
			for _, key := range keys {
				id, err := claimID(key)
				if err != nil {
					if b.Begin(ctx, key) {
						b.End(ctx, key, err)
					}
					continue
				}
				if b.Begin(ctx, key) {
					begun[id] = key
				}
			}
			if len(begun) == 0 {
				return nil
			}
			changes, serr := filing.SyncStatus(ctx, cd, nil)
			for _, sc := range changes {
				key, ok := begun[sc.ClaimID]
				if !ok {
					continue
				}
				delete(begun, sc.ClaimID)
				if sc.Error != "" {
					b.End(ctx, key, failureOf("", sc.Error, ""))
					continue
				}
				b.End(ctx, key, nil)
			}
			for _, key := range begun {
				// Not read this time: a claim that became final or was
				// not listed; an overall error says why.
				b.End(ctx, key, serr)
			}
			return nil
		},
	}
}

// reportJob: one item, "report:DATE", the morning report.
func reportJob(d Deps) Job {
	return Job{
		Name: "report",
		Items: func(ctx context.Context) ([]string, error) {
			return []string{"report:" + d.now().UTC().Format("2006-01-02T15")}, nil
		},
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			rep := needDep(d.Report, "report")
			for _, key := range keys {
				if !b.Begin(ctx, key) {
					continue
				}
				_, err := rep(ctx)
				b.End(ctx, key, err)
			}
			return nil
		},
	}
}

// RunBuiltin runs the named built-in jobs (every job, in the order of
// Names, when none is named) one after another with r. A job that another
// process holds is skipped, its *LockedError returned in locked; the others
// still run. It stops at the first other error, or when ctx ends (the
// interrupted run resumes at the next start). A job that could not run at
// all (its items could not be listed, say) is reported in err, and the
// jobs after it still run. The demo and the dashboard call it; `sellerops
// run` calls it with progress lines.
func RunBuiltin(ctx context.Context, r *Runner, d Deps, names ...string) (results []Result, locked []error, err error) {
	if len(names) == 0 {
		names = Names
	}
	results = []Result{}
	var errs []error
	for _, name := range names {
		job, err := Builtin(d, name)
		if err != nil {
			return results, locked, err
		}
		res, err := r.Run(ctx, job)
		switch {
		case errors.Is(err, ErrAlreadyRunning):
			locked = append(locked, err)
			continue
		case err != nil && ctx.Err() != nil:
			return append(results, res), locked, err
		case err != nil:
			if res.RunID != 0 {
				results = append(results, res)
			}
			errs = append(errs, fmt.Errorf("job %s: %w", name, err))
			continue
		}
		results = append(results, res)
	}
	return results, locked, errors.Join(errs...)
}

// storeSums keeps the last summary of each store a sync job worked, over
// the runner's passes.
type storeSums struct {
	mu     sync.Mutex
	order  []string
	latest map[string]marketplace.StoreSummary
}

func (s *storeSums) add(stores []marketplace.StoreSummary) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.latest == nil {
		s.latest = map[string]marketplace.StoreSummary{}
	}
	for _, st := range stores {
		if _, ok := s.latest[st.Store]; !ok {
			s.order = append(s.order, st.Store)
		}
		s.latest[st.Store] = st
	}
}

func (s *storeSums) total() marketplace.Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]marketplace.StoreSummary, 0, len(s.order))
	for _, name := range s.order {
		list = append(list, s.latest[name])
	}
	return marketplace.Total(list)
}

// Sync runs the sync job with r, as `sellerops run sync` does, and returns
// the sync's summary (what each store brought in) beside the run's result.
// The command line's sync, the dashboard and the demo call it, so that a
// sync leaves the same run and items whoever starts it.
func Sync(ctx context.Context, r *Runner, d Deps) (marketplace.Summary, Result, error) {
	sums := &storeSums{}
	res, err := r.Run(ctx, syncJob(d, sums))
	sum := sums.total()
	sum.RunID = res.RunID
	sum.Seconds = res.Seconds
	return sum, res, err
}

// Track runs the track job with r over d.Numbers (every open parcel when
// empty), as `sellerops run track` does; d.TrackProgress sees each lookup.
func Track(ctx context.Context, r *Runner, d Deps) (Result, error) {
	return r.Run(ctx, trackJob(d))
}
