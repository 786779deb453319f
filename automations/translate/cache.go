package translate

import (
	"context"
	"strings"

	"github.com/sellerops/sellerops/localdb"
)

// Key identifies one cached translation (localdb keeps the cache).
type Key = localdb.TranslationKey

// HashText returns the hex SHA-256 of text, the cache's text key.
func HashText(text string) string { return localdb.HashText(text) }

// Store keeps translations between runs (localdb implements it).
type Store interface {
	GetTranslation(ctx context.Context, k Key) (localdb.CachedTranslation, bool, error)
	PutTranslation(ctx context.Context, k Key, t localdb.CachedTranslation) error
}

var _ Store = (*localdb.DB)(nil)

// Cached puts a Store in front of a Provider: texts found in the store are
// not sent again, and what the provider returns is stored before it is
// returned.
type Cached struct {
	P     Provider
	Store Store
}

// Name is the wrapped provider's name.
func (c *Cached) Name() string { return c.P.Name() }

// Translate answers from the store where it can and asks the provider, in one
// call, for the rest. The same text twice in one call is sent once.
func (c *Cached) Translate(ctx context.Context, texts []string, from, to string) ([]Translation, error) {
	from, to = strings.ToLower(from), strings.ToLower(to)
	out := make([]Translation, len(texts))
	var missing []string
	where := map[string][]int{}
	for i, t := range texts {
		k := Key{TextHash: HashText(t), Source: from, Target: to, Provider: c.P.Name()}
		tr, ok, err := c.Store.GetTranslation(ctx, k)
		if err != nil {
			return nil, err
		}
		if ok {
			out[i] = Translation(tr)
			continue
		}
		if _, seen := where[t]; !seen {
			missing = append(missing, t)
		}
		where[t] = append(where[t], i)
	}
	if len(missing) == 0 {
		return out, nil
	}
	got, err := c.P.Translate(ctx, missing, from, to)
	if err != nil {
		return nil, err
	}
	for j, t := range missing {
		k := Key{TextHash: HashText(t), Source: from, Target: to, Provider: c.P.Name()}
		if err := c.Store.PutTranslation(ctx, k, localdb.CachedTranslation(got[j])); err != nil {
			return nil, err
		}
		for _, i := range where[t] {
			out[i] = got[j]
		}
	}
	return out, nil
}
