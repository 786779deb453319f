package marketplace

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/sellerops/sellerops/automations"
)

// itemLog is a Recorder that keeps what a sync reported, item by item, so
// that a test of the flow alone can check that every store and thread was
// accounted for. The jobs runner's tests check that its batch writes the
// same reports to the database.
type itemLog struct {
	mu    sync.Mutex
	order []string
	items map[string]*loggedItem
}

type loggedItem struct {
	Key      string
	Begun    bool
	Ended    bool
	Class    automations.Class // "" when it ended done
	Evidence string
	Err      string
}

func newItemLog() *itemLog { return &itemLog{items: map[string]*loggedItem{}} }

func (l *itemLog) item(key string) *loggedItem {
	it, ok := l.items[key]
	if !ok {
		it = &loggedItem{Key: key}
		l.items[key] = it
		l.order = append(l.order, key)
	}
	return it
}

func (l *itemLog) Begin(_ context.Context, key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.item(key).Begun = true
	return true
}

func (l *itemLog) End(_ context.Context, key string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	it := l.item(key)
	it.Ended, it.Class, it.Evidence, it.Err = true, "", "", ""
	if err != nil {
		it.Class, it.Err = automations.Classify(err), err.Error()
		var f *automations.Failure
		if errors.As(err, &f) {
			it.Evidence = f.Evidence
		}
	}
}

func (l *itemLog) Add(_ context.Context, keys ...string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.item(k)
	}
	return nil
}

// failed returns the items that ended with an error, in the order they
// were first reported.
func (l *itemLog) failed() []loggedItem {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []loggedItem
	for _, k := range l.order {
		if it := l.items[k]; it.Ended && it.Class != "" {
			out = append(out, *it)
		}
	}
	return out
}

// unended returns the keys of items reported but never ended.
func (l *itemLog) unended() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, k := range l.order {
		if !l.items[k].Ended {
			out = append(out, k)
		}
	}
	return out
}

// logFailures logs the first few failed items of a sync.
func (l *itemLog) logFailures(t *testing.T) {
	t.Helper()
	items := l.failed()
	for i, it := range items {
		if i == 3 {
			t.Logf("... and %d more failed items", len(items)-3)
			break
		}
		t.Logf("failed item %s: %s: %s (evidence %s)", it.Key, it.Class, it.Err, it.Evidence)
	}
}
