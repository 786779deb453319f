package apiclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/sellerops/sellerops/carriers"
)

func TestTrackBatchesInOrder(t *testing.T) {
	c := New(Config{Courier: "test"})
	nums := make([]string, 7)
	for i := range nums {
		nums[i] = fmt.Sprintf("n%d", i)
	}
	var mu sync.Mutex
	var sizes []int
	res, err := c.Track(context.Background(), nums, 3, 2, func(ctx context.Context, batch []string, out []carriers.Result) {
		mu.Lock()
		sizes = append(sizes, len(batch))
		mu.Unlock()
		if len(batch) != len(out) {
			t.Errorf("batch of %d numbers with %d result slots", len(batch), len(out))
		}
		for i, n := range batch {
			out[i] = carriers.Result{Number: n, Shipment: carriers.Shipment{Number: n, Found: true}}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 3 || sizes[0]+sizes[1]+sizes[2] != 7 {
		t.Fatalf("batch sizes %v, want 3, 3 and 1", sizes)
	}
	for i, r := range res {
		if r.Number != nums[i] || !r.Shipment.Found {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
}

func TestTrackEachNormalisesAndNamesTheNumber(t *testing.T) {
	c := New(Config{Courier: "test"})
	bad := &carriers.APIError{Courier: "test", Kind: carriers.ErrBadRequest}
	res, err := c.TrackEach(context.Background(), []string{"ab 12", "cd 34"}, 4, func(ctx context.Context, n string) (carriers.Shipment, error) {
		if n == "CD34" {
			return carriers.Shipment{Number: n, Courier: "test"}, bad
		}
		return carriers.Shipment{Number: n, Courier: "test", Found: true}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Number != "AB12" || !res[0].Shipment.Found || res[0].Err != nil {
		t.Fatalf("result 0: %+v", res[0])
	}
	var ae *carriers.APIError
	if res[1].Number != "CD34" || !errors.As(res[1].Err, &ae) || ae.Number != "CD34" {
		t.Fatalf("result 1: %+v", res[1])
	}
	if bad.Number != "" {
		t.Fatal("the shared error was changed")
	}
}

func TestTrackAuthFailureEndsTheCall(t *testing.T) {
	c := New(Config{Courier: "test"})
	denied := &carriers.APIError{Courier: "test", Kind: carriers.ErrAuth, Status: 403}
	res, err := c.TrackEach(context.Background(), []string{"A1", "B2", "C3"}, 1, func(ctx context.Context, n string) (carriers.Shipment, error) {
		if n == "B2" {
			return carriers.Shipment{Number: n, Courier: "test"}, denied
		}
		return carriers.Shipment{Number: n, Courier: "test", Found: true}, nil
	})
	if !errors.Is(err, carriers.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if len(res) != 3 || !res[0].Shipment.Found || !errors.Is(res[1].Err, carriers.ErrAuth) {
		t.Fatalf("results %+v", res)
	}
}

func TestTrackCancelledFillsEveryResult(t *testing.T) {
	c := New(Config{Courier: "test"})
	ctx, cancel := context.WithCancel(context.Background())
	nums := []string{"a1", "a2", "a3", "a4", "a5"}
	res, err := c.TrackEach(ctx, nums, 1, func(ctx context.Context, n string) (carriers.Shipment, error) {
		cancel() // the first lookup ends the context; the rest are never handed out
		return carriers.Shipment{Number: n, Courier: "test", Found: true}, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	for i, r := range res {
		if r.Number != carriers.Normalize(nums[i]) {
			t.Fatalf("result %d has number %q", i, r.Number)
		}
		if !r.Shipment.Found && !errors.Is(r.Err, context.Canceled) {
			t.Fatalf("result %d is neither found nor failed: %+v", i, r)
		}
		if !r.Shipment.Found && r.Shipment.Courier != "test" {
			t.Fatalf("result %d names courier %q", i, r.Shipment.Courier)
		}
	}
}

func TestRejectedAndNotFound(t *testing.T) {
	c := New(Config{Courier: "test"})
	body := []byte(`{"errors":[{"code":"E1","message":"no"}]}`)
	for status, want := range map[int]error{403: carriers.ErrAuth, 400: carriers.ErrBadRequest, 422: carriers.ErrBadRequest} {
		e := c.Rejected(&Response{Status: status, Body: body})
		if !errors.Is(e, want) || e.Status != status || e.Code != "E1" || e.Message != "no" || e.Courier != "test" {
			t.Errorf("HTTP %d: %#v", status, e)
		}
	}
	sh := c.NotFound("X1")
	if sh.Number != "X1" || sh.Courier != "test" || sh.Found || sh.Tag != carriers.Pending ||
		sh.Subtag != carriers.PendingNoInfo || sh.Events == nil || len(sh.Events) != 0 {
		t.Fatalf("not found: %+v", sh)
	}
}
