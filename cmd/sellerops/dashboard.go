package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui"
)

// dashboardRun opens the dashboard on the factory's database, with every
// action wired to the real automations. It needs a terminal.
func dashboardRun(ctx context.Context, f *factory, demo bool) error {
	if !f.IO.IsStdinTTY() || !f.IO.IsStdoutTTY() {
		return usageErrorf("the dashboard needs a terminal; in scripts use the subcommands (sellerops --help), such as `sellerops messages list --json`")
	}
	opts, err := dashboardOptions(ctx, f, demo, &dashboardActions{f: f})
	if err != nil {
		return err
	}
	return tui.Run(ctx, opts)
}

// dashboardOptions wires the dashboard to the factory: its database,
// config, clock and log, and the given actions. Tests run the dashboard on
// these same options with their own terminal.
func dashboardOptions(ctx context.Context, f *factory, demo bool, actions tui.Actions) (tui.Options, error) {
	db, err := f.DB(ctx)
	if err != nil {
		return tui.Options{}, err
	}
	cfg, err := f.Config()
	if err != nil {
		return tui.Options{}, err
	}
	// Without a provider, or with one that cannot be made (no key), the
	// thread pane says translation is off and why.
	tr, err := f.Translation(ctx)
	if err != nil {
		tr = messages.Translator{Language: tr.Language, Off: "translation is off: " + err.Error()}
	}
	return tui.Options{
		Translation: tr,
		DB:          db,
		Config:      cfg,
		Actions:     actions,
		Logger:      f.Logger(),
		Now:         f.Now,
		Demo:        demo,
		In:          f.IO.In,
		Out:         f.IO.Out,

		TemplateDir: templateDir(f),
		// The claims view lists candidates by the command line's rules
		// and configuration, so both show the same parcels.
		Candidates: func(ctx context.Context, now time.Time) ([]claims.Candidate, error) {
			deps, err := claimsDeps(ctx, f)
			if err != nil {
				return nil, err
			}
			return claims.Candidates(ctx, deps.Deps, now)
		},
		// The shipments view proposes delay notices by the same rules,
		// templates and configuration as `sellerops notices list`.
		Notices: func(ctx context.Context, now time.Time) ([]notices.Proposal, error) {
			deps, err := noticesDeps(ctx, f)
			if err != nil {
				return nil, err
			}
			return notices.Propose(ctx, deps, now)
		},
	}, nil
}

// dashboardActions turns the dashboard's requests into automation runs,
// each streaming its progress on a channel the dashboard reads.
type dashboardActions struct{ f *factory }

var _ tui.Actions = (*dashboardActions)(nil)

// stream runs work in the background and closes the channel after one
// final report.
func stream(job string, work func(send func(tui.Progress)) error) <-chan tui.Progress {
	ch := make(chan tui.Progress, 64)
	go func() {
		defer close(ch)
		err := work(func(p tui.Progress) {
			p.Job = job
			ch <- p
		})
		last := tui.Progress{Job: job, Finished: true, Err: err}
		if err != nil {
			last.Line = err.Error()
			last.FailureClass = string(automations.Classify(err))
			var fl *automations.Failure
			if errors.As(err, &fl) {
				last.EvidencePath = fl.Evidence
			}
		}
		ch <- last
	}()
	return ch
}

// jobRun returns the dependencies and the runner a dashboard job records
// its run with: the same job records as `sellerops run`, and its locks.
func (a *dashboardActions) jobRun(ctx context.Context, stores []string) (jobs.Deps, *jobs.Runner, error) {
	d, err := runJobDeps(ctx, a.f, stores)
	if err != nil {
		return d, nil, err
	}
	return d, newRunner(a.f, d.DB, nil), nil
}

func (a *dashboardActions) SyncStores(ctx context.Context, stores []string) (<-chan tui.Progress, error) {
	deps, err := marketplaceDeps(ctx, a.f, true)
	if err != nil {
		return nil, err
	}
	d, runner, err := a.jobRun(ctx, stores)
	if err != nil {
		return nil, err
	}
	d.Marketplace = func(context.Context) (*marketplace.Deps, error) { return deps, nil }
	return stream("sync", func(send func(tui.Progress)) error {
		d.SyncProgress = func(p marketplace.Progress) {
			send(tui.Progress{Done: p.Done, Total: p.Total, Line: fmt.Sprintf("%s: %s %s", p.Store, p.Phase, p.Message)})
		}
		sum, _, err := jobs.Sync(ctx, runner, d)
		for _, s := range sum.Stores {
			if !s.OK {
				send(tui.Progress{Line: s.Store + ": " + s.Error, Err: errors.New(s.Error), FailureClass: s.FailureClass, EvidencePath: s.Evidence})
			}
		}
		if err == nil {
			send(tui.Progress{Line: fmt.Sprintf("%d new threads, %d new messages, %d overdue", sum.NewThreads, sum.NewMessages, sum.Overdue)})
		}
		return err
	}), nil
}

func (a *dashboardActions) TrackShipments(ctx context.Context, ids []int64) (<-chan tui.Progress, error) {
	d, runner, err := a.jobRun(ctx, nil)
	if err != nil {
		return nil, err
	}
	deps, err := trackingDeps(ctx, a.f)
	if err != nil {
		return nil, err
	}
	d.Tracking = func(context.Context) (tracking.Deps, error) { return deps, nil }
	// The dashboard always asks the carrier again: an operator who
	// presses the key wants today's status, not a cached one.
	d.TrackFresh = true
	if len(ids) == 0 {
		if d.Numbers, err = tracking.OpenNumbers(ctx, d.DB); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		s, err := d.DB.GetShipment(ctx, id)
		if err != nil {
			return nil, err
		}
		d.Numbers = append(d.Numbers, s.TrackingNumber)
	}
	total := len(d.Numbers)
	return stream("track", func(send func(tui.Progress)) error {
		done := 0
		d.TrackProgress = func(l tracking.Line) {
			done++
			p := tui.Progress{Done: done, Total: total, Line: fmt.Sprintf("%s: %s %s", l.Number, l.Tag, l.Subtag)}
			if l.Error != nil {
				p.Err = errors.New(l.Error.Message)
				p.FailureClass = l.Error.Class
				p.Line = fmt.Sprintf("%s: %s", l.Number, l.Error.Message)
			}
			send(p)
		}
		if total == 0 {
			return nil
		}
		_, err := jobs.Track(ctx, runner, d)
		return err
	}), nil
}

func (a *dashboardActions) SendReply(ctx context.Context, threadID int64, body string) (<-chan tui.Progress, error) {
	deps, err := marketplaceDeps(ctx, a.f, true)
	if err != nil {
		return nil, err
	}
	return stream("reply", func(send func(tui.Progress)) error {
		return marketplace.SendReply(ctx, deps, threadID, body, func(p marketplace.Progress) {
			send(tui.Progress{Done: p.Done, Total: p.Total, Line: fmt.Sprintf("thread %d: %s %s", threadID, p.Phase, p.Message)})
		})
	}), nil
}

func (a *dashboardActions) SendTranslatedReply(ctx context.Context, threadID int64, r messages.TranslatedReply, provider string) (<-chan tui.Progress, error) {
	deps, err := marketplaceDeps(ctx, a.f, true)
	if err != nil {
		return nil, err
	}
	orig := localdb.ReplyOriginal{Text: r.Original, Language: r.OriginalLang, SentIn: r.Lang, Provider: provider}
	return stream("reply", func(send func(tui.Progress)) error {
		_, err := marketplace.SendTranslatedReply(ctx, deps, threadID, r.Text, orig, func(p marketplace.Progress) {
			send(tui.Progress{Done: p.Done, Total: p.Total, Line: fmt.Sprintf("thread %d: %s %s", threadID, p.Phase, p.Message)})
		})
		return err
	}), nil
}

// noResponseBudget bounds marking a thread on its marketplace from the
// dashboard: a sign-in and two page loads.
const noResponseBudget = 2 * time.Minute

// MarkNoResponse marks the thread on its marketplace where the site has
// the action (Amazon), and locally; the dashboard calls it off the UI
// goroutine. The budget bounds the action only: the database and the
// browser it may start outlive it.
func (a *dashboardActions) MarkNoResponse(ctx context.Context, threadID int64) error {
	db, err := a.f.DB(ctx)
	if err != nil {
		return err
	}
	th, err := db.GetThread(ctx, threadID)
	if err != nil {
		return err
	}
	deps, err := marketplaceDeps(ctx, a.f, marketplace.HasNoResponseAction(th.Marketplace))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, noResponseBudget)
	defer cancel()
	_, err = marketplace.MarkNoResponse(ctx, deps, threadID)
	return err
}

func (a *dashboardActions) FileClaim(ctx context.Context, claimID int64) (<-chan tui.Progress, error) {
	deps, err := claimsDeps(ctx, a.f)
	if err != nil {
		return nil, err
	}
	return stream("claim", func(send func(tui.Progress)) error {
		return filing.File(ctx, deps, claimID, func(p filing.Progress) {
			send(tui.Progress{Line: fmt.Sprintf("claim %d: %s %s", p.ClaimID, p.Step, p.Message)})
		})
	}), nil
}

// SendNotices sends the delay notices the operator confirmed, by their
// keys, as `sellerops notices send` does. The proposals are read again
// first: a key no longer proposed (sent or skipped meanwhile, or its
// parcel moved on) is a failed item, and nothing else is sent in its place.
func (a *dashboardActions) SendNotices(ctx context.Context, keys []string) (<-chan tui.Progress, error) {
	props, err := proposeNotices(ctx, a.f)
	if err != nil {
		return nil, err
	}
	deps, err := marketplaceDeps(ctx, a.f, true)
	if err != nil {
		return nil, err
	}
	sender := marketplace.NoticeSender{Deps: deps}
	return stream("notices", func(send func(tui.Progress)) error {
		for i, k := range keys {
			p, err := notices.Find(props, k)
			var res notices.SendResult
			if err == nil {
				res, err = sendProposedNotice(ctx, deps.DB, sender, p)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			pr := tui.Progress{Done: i + 1, Total: len(keys)}
			switch {
			case err != nil:
				pr.Err, pr.Line, pr.FailureClass = err, fmt.Sprintf("notice %s: %v", k, err), string(automations.Classify(err))
			case res.AlreadySent:
				pr.Line = fmt.Sprintf("parcel %s: already sent; nothing sent again", p.TrackingNumber)
			default:
				pr.Line = fmt.Sprintf("parcel %s: notice sent to %s (%s, %s)", p.TrackingNumber, p.Buyer, p.Language, res.Channel)
			}
			send(pr)
		}
		return nil
	}), nil
}

// SkipNotices declines the delay notices with these keys, as `sellerops
// notices skip` does; a key no longer proposed is refused before any is
// skipped.
func (a *dashboardActions) SkipNotices(ctx context.Context, keys []string) error {
	props, err := proposeNotices(ctx, a.f)
	if err != nil {
		return err
	}
	picked, err := pickNotices(props, keys, false)
	if err != nil {
		return err
	}
	db, err := a.f.DB(ctx)
	if err != nil {
		return err
	}
	for _, p := range picked {
		if err := notices.Skip(ctx, db, p); err != nil {
			return err
		}
	}
	return nil
}
