package automations

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// SpreadPool hands out pages over every browser of a set: each new page
// goes to the live endpoint with the most free tabs, so that the load
// spreads by free capacity. An endpoint that stops answering is taken out
// (its pages discarded) and tried again after a rest; the pages it served
// are for the caller to look up again elsewhere (see Lost).
type SpreadPool struct {
	set   *BrowserSet
	opts  PoolOptions
	slots chan struct{}

	mu      sync.Mutex
	members []*spreadMember
	closed  bool
}

type spreadMember struct {
	b     *Browser // the browser pool was made on; nil when none
	pool  *Pool
	inUse int
}

// NewSpreadPool makes a pool of at most opts.Size pages (zero means 2) over
// the set's browsers. It connects nothing until the first Get.
func NewSpreadPool(set *BrowserSet, opts PoolOptions) *SpreadPool {
	if opts.Size <= 0 {
		opts.Size = 2
	}
	sp := &SpreadPool{set: set, opts: opts, slots: make(chan struct{}, opts.Size)}
	for range set.members {
		sp.members = append(sp.members, &spreadMember{})
	}
	return sp
}

// Size returns the most pages the pool opens at once.
func (sp *SpreadPool) Size() int { return sp.opts.Size }

// Endpoints returns how many browsers the pool spreads over.
func (sp *SpreadPool) Endpoints() int { return len(sp.members) }

// capacity is how many pages member i may hold.
func (sp *SpreadPool) capacity(i int) int {
	if t := sp.set.members[i].ep.Tabs; t > 0 {
		return min(t, sp.opts.Size)
	}
	return sp.opts.Size
}

// Get waits for a free slot and returns a page on the endpoint with the
// most free tabs among those that answer. Give it back with Put, or with
// Lost when its endpoint failed.
func (sp *SpreadPool) Get(ctx context.Context) (*Page, error) {
	select {
	case sp.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("page pool: wait for a free page: %w", ctx.Err())
	}
	pg, err := sp.get(ctx)
	if err != nil {
		<-sp.slots
		return nil, err
	}
	return pg, nil
}

func (sp *SpreadPool) get(ctx context.Context) (*Page, error) {
	tried := map[int]bool{}
	var errs []error
	for {
		i, ok := sp.pick(tried)
		if !ok {
			if len(errs) == 0 {
				return nil, errors.New("page pool: every browser is at its tab limit")
			}
			return nil, fmt.Errorf("page pool: no browser answers: %w", errors.Join(errs...))
		}
		tried[i] = true
		pool, b, err := sp.memberPool(ctx, i)
		if err == nil {
			var pg *Page
			if pg, err = pool.Get(ctx); err == nil {
				pg.endpoint = sp.set.members[i].name
				return pg, nil
			}
			if ctx.Err() == nil && !sp.set.alive(ctx, i, b) {
				sp.drop(i, b)
			}
		}
		sp.release(i)
		if ctx.Err() != nil || errors.Is(err, ErrSetClosed) || errors.Is(err, ErrPoolClosed) {
			return nil, err
		}
		errs = append(errs, err)
	}
}

// pick reserves a tab on the endpoint with the most free tabs that is not
// resting and not in tried.
func (sp *SpreadPool) pick(tried map[int]bool) (int, bool) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	now := sp.set.now()
	best, bestFree := -1, 0
	sp.set.mu.Lock()
	for i, m := range sp.members {
		st := sp.set.members[i]
		if tried[i] || (st.b == nil && st.retryAt.After(now)) {
			continue
		}
		if free := sp.capacity(i) - m.inUse; free > bestFree {
			best, bestFree = i, free
		}
	}
	sp.set.mu.Unlock()
	if best < 0 {
		return 0, false
	}
	sp.members[best].inUse++
	return best, true
}

func (sp *SpreadPool) release(i int) {
	sp.mu.Lock()
	sp.members[i].inUse--
	sp.mu.Unlock()
}

// memberPool returns member i's page pool, made over its browser (and made
// again when the browser was replaced after a failure).
func (sp *SpreadPool) memberPool(ctx context.Context, i int) (*Pool, *Browser, error) {
	b, err := sp.set.browser(ctx, i)
	if err != nil {
		return nil, nil, err
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.closed {
		return nil, nil, ErrPoolClosed
	}
	m := sp.members[i]
	if m.pool != nil && m.b == b {
		return m.pool, b, nil
	}
	if m.pool != nil {
		_ = m.pool.Close()
	}
	opts := sp.opts
	opts.Size = sp.capacity(i)
	p, err := NewPool(ctx, b, opts)
	if err != nil {
		m.pool, m.b = nil, nil
		return nil, nil, err
	}
	m.pool, m.b = p, b
	return p, b, nil
}

// drop forgets member i's pool when it was made over b.
func (sp *SpreadPool) drop(i int, b *Browser) {
	sp.mu.Lock()
	m := sp.members[i]
	var old *Pool
	if m.b == b {
		old, m.pool, m.b = m.pool, nil, nil
	}
	sp.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
}

// memberOf returns the endpoint a page came from, and whether the pool it
// came from is still that endpoint's (not one dropped after a failure).
func (sp *SpreadPool) memberOf(pg *Page) (int, bool) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for i, st := range sp.set.members {
		if st.name == pg.endpoint {
			m := sp.members[i]
			return i, m.pool != nil && m.pool == pg.pool
		}
	}
	return -1, false
}

// Put gives a page back to its endpoint's pool.
func (sp *SpreadPool) Put(pg *Page) {
	if pg == nil || pg.Rod() == nil {
		return
	}
	i, _ := sp.memberOf(pg)
	pg.pool.Put(pg)
	if i >= 0 {
		sp.release(i)
	}
	<-sp.slots
}

// Lost is for a page whose step failed without the site answering: it
// reports whether the page's endpoint stopped answering. When it did, the
// endpoint is set aside (to be tried again after a rest), its pages are
// discarded, pg is taken back, and the caller should look the work up again
// on another page. When it did not, nothing changes and pg stays lent.
func (sp *SpreadPool) Lost(ctx context.Context, pg *Page) bool {
	if pg == nil || pg.Rod() == nil {
		return false
	}
	i, current := sp.memberOf(pg)
	if i < 0 {
		return false
	}
	sp.mu.Lock()
	b := sp.members[i].b
	sp.mu.Unlock()
	if !current || b == nil {
		// Its endpoint was already taken out by another page's failure.
		sp.forget(i, pg)
		return true
	}
	if sp.set.alive(context.WithoutCancel(ctx), i, b) {
		return false
	}
	sp.drop(i, b)
	sp.forget(i, pg)
	return true
}

// forget takes back a page of a dead endpoint without returning it to any
// pool.
func (sp *SpreadPool) forget(i int, pg *Page) {
	pg.mu.Lock()
	had := pg.rod != nil
	pg.rod = nil
	pg.mu.Unlock()
	if !had {
		return
	}
	sp.release(i)
	<-sp.slots
}

// Close closes every endpoint's pool. The browsers stay open.
func (sp *SpreadPool) Close() error {
	sp.mu.Lock()
	if sp.closed {
		sp.mu.Unlock()
		return nil
	}
	sp.closed = true
	var pools []*Pool
	for _, m := range sp.members {
		if m.pool != nil {
			pools = append(pools, m.pool)
		}
	}
	sp.mu.Unlock()
	var errs []error
	for _, p := range pools {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}
