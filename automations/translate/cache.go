package translate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Key identifies one cached translation: the text's SHA-256, the source
// language asked for ("" when the provider was to detect it), the target and
// the provider's name.
type Key struct {
	TextHash string
	Source   string
	Target   string
	Provider string
}

// HashText returns the hex SHA-256 of text, the cache's text key.
func HashText(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// Store keeps translations between runs (localdb implements it).
type Store interface {
	GetTranslation(ctx context.Context, k Key) (Translation, bool, error)
	PutTranslation(ctx context.Context, k Key, t Translation) error
}

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
			out[i] = tr
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
		if err := c.Store.PutTranslation(ctx, k, got[j]); err != nil {
			return nil, err
		}
		for _, i := range where[t] {
			out[i] = got[j]
		}
	}
	return out, nil
}
