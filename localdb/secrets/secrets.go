// Package secrets keeps passwords, TOTP seeds, session cookies and API keys out of
// everything sellerops writes. Values live in the operating system's keyring
// (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
// Where no keyring answers, as on a server run from cron, values may come from
// environment variables instead; they are never read from or written to a file.
//
// No value handled here ever appears in an error message: errors name the key
// and the remedy, never the secret.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name every sellerops secret is filed under.
const Service = "sellerops"

// DefaultTimeout bounds each keyring call. A locked Secret Service can block
// on an unlock prompt forever; a command must not.
const DefaultTimeout = 5 * time.Second

var (
	// ErrNotFound means no secret is stored under the key.
	ErrNotFound = errors.New("secret not found")
	// ErrUnavailable means no keyring answered (none installed, no session
	// bus, locked, or too slow).
	ErrUnavailable = errors.New("keyring unavailable")
	// ErrReadOnly means the store can read but not write, as the environment
	// fallback.
	ErrReadOnly = errors.New("secret store is read-only")
)

// Store reads and writes secrets by key. Keys are plain names such as
// "store/myshop/password"; they are not secret and may be logged.
type Store interface {
	Get(ctx context.Context, key string) (string, error)
	Set(ctx context.Context, key, value string) error
	Delete(ctx context.Context, key string) error
}

// Keys used across the product, so that every part agrees on the names.
func StorePasswordKey(store string) string { return "store/" + store + "/password" }
func StoreTOTPKey(store string) string     { return "store/" + store + "/totp" }
func StoreSessionKey(store string) string  { return "store/" + store + "/session" }

// StoreAPIKey is one of a store's official-API secrets: "client_id",
// "client_secret" or "refresh_token".
func StoreAPIKey(store, field string) string { return "store/" + store + "/api/" + field }

// StoreAPIFields are the secrets an API store keeps, in the order
// `stores add --api` reads them from standard input.
var StoreAPIFields = []string{"client_id", "client_secret", "refresh_token"}

func CarrierKey(carrier, field string) string {
	return "carrier/" + carrier + "/" + field
}

// TranslationKey is the API key of a translation provider ("deepl",
// "libretranslate").
func TranslationKey(provider string) string { return "translation/" + provider + "/api_key" }

// Error wraps a failed operation with the key it concerned (never the value).
type Error struct {
	Op  string
	Key string
	Err error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("secret %q: %s: %v", e.Key, e.Op, e.Err)
	switch {
	case errors.Is(e.Err, ErrNotFound):
		msg += fmt.Sprintf(" (store it with sellerops, or set %s for servers without a keyring)", EnvName(e.Key))
	case errors.Is(e.Err, ErrUnavailable):
		msg += fmt.Sprintf(" (start a keyring such as gnome-keyring, unlock it, or set %s)", EnvName(e.Key))
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Keyring is the Store over the operating system's keyring.
type Keyring struct {
	Service string
	Timeout time.Duration
}

// NewKeyring returns a keyring store under the sellerops service name.
func NewKeyring() *Keyring { return &Keyring{Service: Service, Timeout: DefaultTimeout} }

func (k *Keyring) call(ctx context.Context, op, key string, fn func() (string, error)) (string, error) {
	if key == "" {
		return "", &Error{Op: op, Key: key, Err: errors.New("empty key")}
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		v   string
		err error
	}
	// The keyring libraries take no context, so the call runs aside and we
	// stop waiting at the deadline. A stuck call is abandoned, not killed;
	// it holds no lock of ours.
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		if r.err == nil {
			return r.v, nil
		}
		if errors.Is(r.err, keyring.ErrNotFound) {
			return "", &Error{Op: op, Key: key, Err: ErrNotFound}
		}
		// The underlying error may come from D-Bus and is not known to be
		// free of the value on Set; keep only its type of failure.
		return "", &Error{Op: op, Key: key, Err: fmt.Errorf("%w: %s", ErrUnavailable, scrub(r.err))}
	case <-ctx.Done():
		return "", &Error{Op: op, Key: key, Err: fmt.Errorf("%w: no answer within %s", ErrUnavailable, timeout)}
	}
}

// scrub reduces a keyring library error to a short description. D-Bus errors
// carry their name first ("org.freedesktop.DBus.Error.ServiceUnknown: ...").
func scrub(err error) string {
	s := err.Error()
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func (k *Keyring) Get(ctx context.Context, key string) (string, error) {
	return k.call(ctx, "get", key, func() (string, error) { return keyring.Get(k.Service, key) })
}

func (k *Keyring) Set(ctx context.Context, key, value string) error {
	_, err := k.call(ctx, "set", key, func() (string, error) { return "", keyring.Set(k.Service, key, value) })
	if err != nil {
		var e *Error
		if errors.As(err, &e) && !errors.Is(err, ErrUnavailable) {
			return err
		}
		// Never echo the library's text on a failed Set: some back ends
		// quote their arguments.
		return &Error{Op: "set", Key: key, Err: ErrUnavailable}
	}
	return nil
}

func (k *Keyring) Delete(ctx context.Context, key string) error {
	_, err := k.call(ctx, "delete", key, func() (string, error) { return "", keyring.Delete(k.Service, key) })
	return err
}

// EnvName is the environment variable that may carry the secret for key when
// no keyring is available: SELLEROPS_SECRET_ followed by the key upper-cased
// with every character other than a letter or digit turned into "_".
// "store/my-shop/password" becomes SELLEROPS_SECRET_STORE_MY_SHOP_PASSWORD.
func EnvName(key string) string {
	var b strings.Builder
	b.WriteString("SELLEROPS_SECRET_")
	for _, r := range strings.ToUpper(key) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Env reads secrets from environment variables named by EnvName. It cannot
// store anything.
type Env struct {
	Lookup func(string) (string, bool) // defaults to os.LookupEnv
}

func (e Env) Get(_ context.Context, key string) (string, error) {
	lookup := e.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if v, ok := lookup(EnvName(key)); ok && v != "" {
		return v, nil
	}
	return "", &Error{Op: "get", Key: key, Err: ErrNotFound}
}

func (Env) Set(_ context.Context, key, _ string) error {
	return &Error{Op: "set", Key: key, Err: fmt.Errorf("%w: no keyring answered; start one, or provide %s in the environment", ErrReadOnly, EnvName(key))}
}

func (Env) Delete(_ context.Context, key string) error {
	return &Error{Op: "delete", Key: key, Err: fmt.Errorf("%w: unset %s instead", ErrReadOnly, EnvName(key))}
}

// Chain reads from the environment first (an explicit setting wins), then the
// keyring; it writes to the keyring only.
type Chain struct {
	Keyring Store
	Env     Store
}

// Default is the store every command uses: environment over keyring.
func Default() *Chain { return &Chain{Keyring: NewKeyring(), Env: Env{}} }

func (c *Chain) Get(ctx context.Context, key string) (string, error) {
	if c.Env != nil {
		if v, err := c.Env.Get(ctx, key); err == nil {
			return v, nil
		}
	}
	return c.Keyring.Get(ctx, key)
}

func (c *Chain) Set(ctx context.Context, key, value string) error {
	err := c.Keyring.Set(ctx, key, value)
	if errors.Is(err, ErrUnavailable) && c.Env != nil {
		return &Error{Op: "set", Key: key, Err: fmt.Errorf("%w; on a machine without a keyring, provide %s in the environment instead", ErrUnavailable, EnvName(key))}
	}
	return err
}

func (c *Chain) Delete(ctx context.Context, key string) error {
	return c.Keyring.Delete(ctx, key)
}
