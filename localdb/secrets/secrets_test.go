package secrets

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

func TestKeyringRoundTripWithMock(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	k := NewKeyring()
	key := StorePasswordKey("shop-1")
	if _, err := k.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get on empty keyring: want ErrNotFound, got %v", err)
	}
	if err := k.Set(ctx, key, "hunter2-secret"); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(ctx, key)
	if err != nil || got != "hunter2-secret" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := k.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Delete: want ErrNotFound, got %v", err)
	}
}

func TestKeyringErrorNamesKeyNotValue(t *testing.T) {
	keyring.MockInitWithError(errors.New("org.freedesktop.DBus.Error.ServiceUnknown: no such name"))
	defer keyring.MockInit()
	k := NewKeyring()
	err := k.Set(context.Background(), StoreTOTPKey("shop"), "JBSWY3DPEHPK3PXP")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("error leaks the secret: %s", msg)
	}
	if !strings.Contains(msg, "store/shop/totp") || !strings.Contains(msg, "SELLEROPS_SECRET_STORE_SHOP_TOTP") {
		t.Fatalf("error should name the key and the env fallback: %s", msg)
	}
}

// blockingKeyring never answers, like a Secret Service waiting on an unlock prompt.
type blockingKeyring struct{ release chan struct{} }

func (b blockingKeyring) Set(string, string, string) error   { <-b.release; return nil }
func (b blockingKeyring) Get(string, string) (string, error) { <-b.release; return "", nil }
func (b blockingKeyring) Delete(string, string) error        { <-b.release; return nil }
func (b blockingKeyring) DeleteAll(string) error             { <-b.release; return nil }

func TestKeyringCallTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	k := &Keyring{Service: Service, Timeout: 50 * time.Millisecond}
	// Drive the timeout through the same call path with a function that blocks.
	_, err := k.call(context.Background(), "get", "store/x/password", func() (string, error) {
		return blockingKeyring{release}.Get(Service, "store/x/password")
	})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("want a timeout reported as ErrUnavailable, got %v", err)
	}
}

func TestEnvName(t *testing.T) {
	cases := map[string]string{
		"store/my-shop/password":    "SELLEROPS_SECRET_STORE_MY_SHOP_PASSWORD",
		"carrier/ups/client_secret": "SELLEROPS_SECRET_CARRIER_UPS_CLIENT_SECRET",
	}
	for in, want := range cases {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChainPrefersEnvAndFallsBack(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	env := map[string]string{EnvName("carrier/ups/client_secret"): "from-env-value"}
	c := &Chain{Keyring: NewKeyring(), Env: Env{Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}}
	v, err := c.Get(ctx, "carrier/ups/client_secret")
	if err != nil || v != "from-env-value" {
		t.Fatalf("env value not used: %q %v", v, err)
	}
	if err := c.Set(ctx, "store/a/password", "kept-in-keyring"); err != nil {
		t.Fatal(err)
	}
	v, err = c.Get(ctx, "store/a/password")
	if err != nil || v != "kept-in-keyring" {
		t.Fatalf("keyring value not used: %q %v", v, err)
	}
	if _, err := c.Get(ctx, "store/b/password"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
}

func TestChainSetWithoutKeyringNamesEnvVariable(t *testing.T) {
	keyring.MockInitWithError(errors.New("no session bus"))
	defer keyring.MockInit()
	c := &Chain{Keyring: NewKeyring(), Env: Env{Lookup: func(string) (string, bool) { return "", false }}}
	err := c.Set(context.Background(), "store/a/password", "pw-value-123")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "SELLEROPS_SECRET_STORE_A_PASSWORD") {
		t.Fatalf("want ErrUnavailable naming the env var, got %v", err)
	}
	if strings.Contains(err.Error(), "pw-value-123") {
		t.Fatal("error leaks the value")
	}
}

func TestEnvStoreIsReadOnly(t *testing.T) {
	if err := (Env{}).Set(context.Background(), "k", "v"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("want ErrReadOnly, got %v", err)
	}
}

func TestRedactingHandlerBlanksSeenValues(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	r := NewRedactor()
	s := Tracking{Store: NewKeyring(), R: r}
	if err := s.Set(ctx, "store/a/password", "correct-horse-battery"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(Handler{Next: slog.NewTextHandler(&buf, nil), R: r})
	log.Info("login with correct-horse-battery failed",
		"err", errors.New("server echoed correct-horse-battery"),
		slog.Group("form", "pw", "correct-horse-battery"))
	log.With("field", "correct-horse-battery").Info("x")
	if strings.Contains(buf.String(), "correct-horse-battery") {
		t.Fatalf("log leaks the secret:\n%s", buf.String())
	}
	if strings.Count(buf.String(), "[redacted]") < 4 {
		t.Fatalf("expected four redactions:\n%s", buf.String())
	}
}
