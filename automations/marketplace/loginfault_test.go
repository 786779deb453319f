package marketplace

import (
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
)

// TestLoginReadsErrorPages: a busy or broken sign-in step (the sandbox's
// signin and otp faults, serving its 429 and 503 pages and JSON errors) is
// recognised by the recipe's selectors and retried, never reported as a
// refused password or code. A fault that passes after one answer signs in
// on the retry; one that never passes ends as rate_limited or site_error
// after the retry policy's tries, not as a timeout of the whole budget.
func TestLoginReadsErrorPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, store, step, faults string
		ok                        bool
		class                     automations.Class
	}{
		{"tiktok otp 503 once", "tiktok", "otp", "tiktok.otp=503x1", true, ""},
		{"tiktok otp 503", "tiktok", "otp", "tiktok.otp=503", false, automations.SiteError},
		{"ebay signin 429 once", "ebay", "signin", "ebay.signin=429x1", true, ""},
		{"ebay otp 503", "ebay", "otp", "ebay.otp=503", false, automations.SiteError},
		{"amazon signin 429", "amazon", "signin", "amazon.signin=429", false, automations.RateLimited},
		{"amazon otp 429 once", "amazon", "otp", "amazon.otp=429x1", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sandbox.Options{Faults: tc.faults}, "")
			e.deps.Retry = automations.RetryPolicy{Attempts: 3, Base: 50 * time.Millisecond, Max: 200 * time.Millisecond}
			ctx := testwait.Context(t)
			e.addStore(t, tc.store)
			err := CheckLogin(ctx, e.deps, tc.store, false)
			st, gerr := e.deps.DB.GetStoreByName(ctx, tc.store)
			if gerr != nil {
				t.Fatal(gerr)
			}
			logins := e.sb.State().Logins[tc.store]
			if tc.ok {
				if err != nil || st.SessionState != localdb.SessionOK || logins.Succeeded != 1 {
					t.Fatalf("sign-in through one error answer: %v, session %s, logins %+v", err, st.SessionState, logins)
				}
				return
			}
			if got := automations.Classify(err); got != tc.class {
				t.Fatalf("sign-in against a step that always fails: class %q (%v), want %s", got, err, tc.class)
			}
			if st.SessionState == localdb.SessionAuthFailed || logins.TOTPRejected+logins.BadPassword != 0 {
				t.Errorf("a busy site was counted as a refusal: session %s, logins %+v", st.SessionState, logins)
			}
			if n := e.sb.State().Requests["fault."+tc.store+"."+tc.step]; n != 3 {
				t.Errorf("the failing step was tried %d times, want the policy's 3", n)
			}
		})
	}
}
