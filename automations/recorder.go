package automations

import "context"

// Recorder is how a flow (a sync, a batch of lookups, a claim filing)
// reports its work item by item to whoever keeps the run record. The jobs
// runner's batch is the one implementation that writes rows; flows keep no
// run records of their own, so that every surface that starts a job (the
// command line, the dashboard, the demo) leaves the same run and items.
type Recorder interface {
	// Begin marks the item running just before the flow acts on it. It
	// says no for an item that must not be worked again (done already, or
	// waiting for a person); the flow then skips it.
	Begin(ctx context.Context, key string) bool
	// End records how a begun or added item ended: nil is done, an error
	// is classified (a *Failure carries its class and evidence).
	End(ctx context.Context, key string, err error)
	// Add records detail items found while working a unit (the threads a
	// store's inbox lists), as pending. The flow ends each of them.
	Add(ctx context.Context, keys ...string) error
}

// NoRecord is a Recorder that keeps nothing and lets every item begin, for
// a flow run outside any job (a benchmark, a test of the flow alone).
var NoRecord Recorder = noRecord{}

type noRecord struct{}

func (noRecord) Begin(context.Context, string) bool   { return true }
func (noRecord) End(context.Context, string, error)   {}
func (noRecord) Add(context.Context, ...string) error { return nil }
