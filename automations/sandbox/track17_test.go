package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

type s17Envelope struct {
	Code int `json:"code"`
	Data struct {
		Accepted []struct {
			Number    string `json:"number"`
			TrackInfo struct {
				LatestStatus struct {
					Status    string `json:"status"`
					SubStatus string `json:"sub_status"`
				} `json:"latest_status"`
			} `json:"track_info"`
		} `json:"accepted"`
		Rejected []struct {
			Number string `json:"number"`
			Error  struct {
				Code int `json:"code"`
			} `json:"error"`
		} `json:"rejected"`
	} `json:"data"`
}

func post17(t *testing.T, sb *Sandbox, key, endpoint string, numbers ...string) (int, s17Envelope) {
	t.Helper()
	var items []map[string]string
	for _, n := range numbers {
		items = append(items, map[string]string{"number": n})
	}
	body, _ := json.Marshal(items)
	req, _ := http.NewRequest(http.MethodPost, sb.URL(SeventeenSite)+SeventeenAPIPath+endpoint, bytes.NewReader(body))
	req.Header.Set("17token", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env s17Envelope
	_ = json.NewDecoder(resp.Body).Decode(&env)
	return resp.StatusCode, env
}

func TestSeventeenStandInSpeaksTheV22Shape(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1, Orders: 5, Faults: "17track.rate=1000"})
	key := sb.Account(SeventeenSite).APIKey
	if key == "" {
		t.Fatal("no 17TRACK key in the accounts")
	}
	w := sb.World()
	if len(w.CrossBorder) != crossBorderParcels {
		t.Fatalf("%d cross-border parcels, want %d", len(w.CrossBorder), crossBorderParcels)
	}
	cb := w.CrossBorder[0].TrackingNumber
	home := w.Parcels[0].TrackingNumber

	if code, _ := post17(t, sb, "wrong", "/register", cb); code != http.StatusUnauthorized {
		t.Fatalf("a wrong 17token got HTTP %d", code)
	}
	many := make([]string, SeventeenMaxNumbers+1)
	for i := range many {
		many[i] = cb
	}
	if _, env := post17(t, sb, key, "/register", many...); env.Code != -18010014 {
		t.Fatalf("41 numbers: code %d, want -18010014", env.Code)
	}
	if _, env := post17(t, sb, key, "/gettrackinfo", cb); len(env.Data.Rejected) != 1 || env.Data.Rejected[0].Error.Code != -18019902 {
		t.Fatalf("unregistered read: %+v", env)
	}
	_, env := post17(t, sb, key, "/register", cb, home, "NOT-A-NUMBER")
	if len(env.Data.Accepted) != 2 || len(env.Data.Rejected) != 1 || env.Data.Rejected[0].Error.Code != -18019903 {
		t.Fatalf("register: %+v", env)
	}
	if _, env := post17(t, sb, key, "/register", cb); len(env.Data.Rejected) != 1 || env.Data.Rejected[0].Error.Code != -18019901 {
		t.Fatalf("second register: %+v", env)
	}
	_, env = post17(t, sb, key, "/gettrackinfo", cb, home)
	if env.Code != 0 || len(env.Data.Accepted) != 2 {
		t.Fatalf("gettrackinfo: %+v", env)
	}
	for _, a := range env.Data.Accepted {
		ls := a.TrackInfo.LatestStatus
		if ls.Status == "" || !strings.HasPrefix(ls.SubStatus, ls.Status) {
			t.Errorf("%s: latest_status %+v is not a status with its sub-status", a.Number, ls)
		}
	}
	sb.Reset()
	if _, env := post17(t, sb, key, "/gettrackinfo", cb); len(env.Data.Rejected) != 1 {
		t.Fatalf("Reset kept the registrations: %+v", env)
	}
}

func TestSeventeenStandInKeepsThePublishedRate(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1, Orders: 5})
	key := sb.Account(SeventeenSite).APIKey
	cb := sb.World().CrossBorder[0].TrackingNumber
	// the bucket holds three calls; the fourth in the same second is a 429
	codes := []int{}
	for range SeventeenRate + 1 {
		code, _ := post17(t, sb, key, "/register", cb)
		codes = append(codes, code)
	}
	if codes[len(codes)-1] != http.StatusTooManyRequests {
		t.Fatalf("codes %v: the fourth call in a burst was not refused", codes)
	}
}

func TestCrossBorderParcelsAreTheirOwn(t *testing.T) {
	a := generateWorld(7, DefaultStart, 1, 20)
	b := generateWorld(7, DefaultStart, 1, 20)
	if len(a.CrossBorder) != len(b.CrossBorder) || a.CrossBorder[5].TrackingNumber != b.CrossBorder[5].TrackingNumber {
		t.Fatal("the cross-border parcels are not the same for the same seed")
	}
	for _, p := range a.CrossBorder {
		if p.OrderID != "" || a.Parcel(p.TrackingNumber) != p {
			t.Fatalf("%s: has an order or is not indexed", p.TrackingNumber)
		}
		for _, q := range a.Parcels {
			if q.TrackingNumber == p.TrackingNumber {
				t.Fatalf("%s is both a home and a cross-border parcel", p.TrackingNumber)
			}
		}
		if len(p.Events) == 0 {
			t.Fatalf("%s has no events", p.TrackingNumber)
		}
	}
}

func TestREADMEListsTheSeventeenSteps(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for step, ev := range seventeenEvents {
		if !strings.Contains(string(b), "| "+ev.SubStatus+" | "+ev.Desc+" |") {
			t.Errorf("README lacks the 17TRACK wording of %s (%s)", step, ev.SubStatus)
		}
	}
}
