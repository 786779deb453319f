package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func doJSON(t *testing.T, req *http.Request) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body is not JSON: %s", req.Method, req.URL, b)
	}
	return resp.StatusCode, resp.Header, m
}

// token gets an OAuth token the way each carrier's clients do.
func token(t *testing.T, sb *Sandbox, carrier string) string {
	t.Helper()
	a := sb.Account(carrier)
	var req *http.Request
	switch carrier {
	case "ups":
		req, _ = http.NewRequest("POST", sb.URL("ups")+"/security/v1/oauth/token", strings.NewReader("grant_type=client_credentials"))
		req.SetBasicAuth(a.ClientID, a.ClientSecret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case "fedex":
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret}}
		req, _ = http.NewRequest("POST", sb.URL("fedex")+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case "usps":
		b, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": a.ClientID, "client_secret": a.ClientSecret})
		req, _ = http.NewRequest("POST", sb.URL("usps")+"/oauth2/v3/token", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	}
	code, _, m := doJSON(t, req)
	tok, _ := m["access_token"].(string)
	if code != 200 || tok == "" {
		t.Fatalf("%s token: %d %v", carrier, code, m)
	}
	return tok
}

func trackReq(sb *Sandbox, carrier, tok, number string) *http.Request {
	var req *http.Request
	switch carrier {
	case "ups":
		req, _ = http.NewRequest("GET", sb.URL("ups")+"/api/track/v1/details/"+number, nil)
	case "fedex":
		body := fmt.Sprintf(`{"includeDetailedScans":true,"trackingInfo":[{"trackingNumberInfo":{"trackingNumber":%q}}]}`, number)
		req, _ = http.NewRequest("POST", sb.URL("fedex")+"/track/v1/trackingnumbers", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	case "usps":
		req, _ = http.NewRequest("GET", sb.URL("usps")+"/tracking/v3/tracking/"+number+"?expand=DETAIL", nil)
	case "dhl":
		req, _ = http.NewRequest("GET", sb.URL("dhl")+"/track/shipments?trackingNumber="+number, nil)
		req.Header.Set("DHL-API-Key", tok)
		return req
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestCarrierAPIs(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 4})
	for _, c := range Carriers {
		t.Run(c, func(t *testing.T) {
			tok := sb.Account("dhl").APIKey
			if c != "dhl" {
				tok = token(t, sb, c)
			}
			var p *Parcel
			for _, x := range sb.World().Parcels {
				if x.Carrier == c && x.State == ParcelDelivered {
					p = x
					break
				}
			}
			evs := p.VisibleEvents(sb.Now())
			code, _, m := doJSON(t, trackReq(sb, c, tok, p.TrackingNumber))
			if code != 200 {
				t.Fatalf("track %s: %d %v", p.TrackingNumber, code, m)
			}
			var events []any
			var latest any
			switch c {
			case "ups":
				pkg := dig(m, "trackResponse", "shipment", 0, "package", 0)
				events, _ = dig(pkg, "activity").([]any)
				latest = dig(pkg, "activity", 0, "status", "code")
				if dig(pkg, "deliveryDate", 0, "type") != "DEL" {
					t.Errorf("delivered UPS parcel has deliveryDate %v", dig(pkg, "deliveryDate"))
				}
			case "fedex":
				tr := dig(m, "output", "completeTrackResults", 0, "trackResults", 0)
				events, _ = dig(tr, "scanEvents").([]any)
				latest = dig(tr, "latestStatusDetail", "code")
			case "usps":
				events, _ = m["trackingEvents"].([]any)
				latest = m["statusCategory"]
			case "dhl":
				events, _ = dig(m, "shipments", 0, "events").([]any)
				latest = dig(m, "shipments", 0, "status", "statusCode")
			}
			if len(events) != len(evs) {
				t.Errorf("%d events in the API, %d in the world", len(events), len(evs))
			}
			wantLatest := map[string]string{"ups": "FS", "fedex": "DL", "usps": "Delivered", "dhl": "delivered"}[c]
			if latest != wantLatest {
				t.Errorf("latest status %v, want %s", latest, wantLatest)
			}
			// A valid-looking number the carrier does not know.
			unknown := map[string]string{"ups": "1Z000000000000000A", "fedex": "000000000000", "usps": "9400100000000000000000", "dhl": "1000000001"}[c]
			code, _, m = doJSON(t, trackReq(sb, c, tok, unknown))
			switch c {
			case "ups":
				if code != 200 || dig(m, "trackResponse", "shipment", 0, "warnings", 0, "code") != "TW0001" {
					t.Errorf("ups not found: %d %v", code, m)
				}
			case "fedex":
				if dig(m, "output", "completeTrackResults", 0, "trackResults", 0, "error", "code") != "TRACKING.TRACKINGNUMBER.NOTFOUND" {
					t.Errorf("fedex not found: %d %v", code, m)
				}
			case "usps":
				if code != 404 || dig(m, "error", "errors", 0, "code") != "150001" {
					t.Errorf("usps not found: %d %v", code, m)
				}
			case "dhl":
				if code != 404 || m["title"] != "No result found" {
					t.Errorf("dhl not found: %d %v", code, m)
				}
			}
			// Bad credentials.
			code, _, _ = doJSON(t, trackReq(sb, c, "wrong", p.TrackingNumber))
			if code != 401 {
				t.Errorf("bad credentials: %d, want 401", code)
			}
		})
	}
}

func TestCarrierAPIErrors(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 4, Faults: "ups.rate=3"})
	a := sb.Account("ups")
	req, _ := http.NewRequest("POST", sb.URL("ups")+"/security/v1/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.SetBasicAuth(a.ClientID, "wrong")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, _, _ := doJSON(t, req); code != 401 {
		t.Fatalf("bad client secret: %d", code)
	}
	tok := token(t, sb, "ups")
	code, _, m := doJSON(t, trackReq(sb, "ups", tok, "NOT-A-NUMBER"))
	if code != 400 || dig(m, "response", "errors", 0, "code") != "TV1002" {
		t.Fatalf("invalid number: %d %v", code, m)
	}
	// Rate limit: 3 per second, burst 3; the next gets 429 with Retry-After.
	var limited *http.Header
	for range 6 {
		code, h, _ := doJSON(t, trackReq(sb, "ups", tok, "1Z000000000000000A"))
		if code == 429 {
			limited = &h
			break
		}
	}
	if limited == nil || limited.Get("Retry-After") == "" {
		t.Fatal("no 429 with Retry-After past the rate limit")
	}
	// Wait as long as Retry-After says, then ask until the bucket lets
	// the call through (the test's deadline is the only bound).
	wait, err := strconv.Atoi(limited.Get("Retry-After"))
	if err != nil || wait < 1 {
		t.Fatalf("Retry-After %q is not a number of seconds (RFC 9110, 10.2.3)", limited.Get("Retry-After"))
	}
	end := time.Now().Add(time.Duration(wait) * time.Second)
	if d, ok := t.Deadline(); ok {
		end = d.Add(-5 * time.Second)
	}
	<-time.After(time.Duration(wait) * time.Second)
	for {
		code, _, _ := doJSON(t, trackReq(sb, "ups", tok, "1Z000000000000000A"))
		if code == 200 {
			break
		}
		if code != 429 || time.Now().After(end) {
			t.Fatalf("after waiting Retry-After: %d", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if sb.State().Requests["api.ups.rate_limited"] == 0 {
		t.Fatal("rate-limited requests not counted")
	}
	// FedEx takes at most 30 numbers.
	ftok := token(t, sb, "fedex")
	var infos []string
	for i := range 31 {
		infos = append(infos, fmt.Sprintf(`{"trackingNumberInfo":{"trackingNumber":"%012d"}}`, i))
	}
	req, _ = http.NewRequest("POST", sb.URL("fedex")+"/track/v1/trackingnumbers", strings.NewReader(`{"trackingInfo":[`+strings.Join(infos, ",")+`]}`))
	req.Header.Set("Authorization", "Bearer "+ftok)
	code, _, m = doJSON(t, req)
	if code != 400 || dig(m, "errors", 0, "code") != "TRACKING.TRACKINGNUMBERS.LIMIT.EXCEEDED" {
		t.Fatalf("31 numbers: %d %v", code, m)
	}
	// 30 numbers in one request are fine, one result each.
	req, _ = http.NewRequest("POST", sb.URL("fedex")+"/track/v1/trackingnumbers", strings.NewReader(`{"trackingInfo":[`+strings.Join(infos[:30], ",")+`]}`))
	req.Header.Set("Authorization", "Bearer "+ftok)
	code, _, m = doJSON(t, req)
	if res, _ := dig(m, "output", "completeTrackResults").([]any); code != 200 || len(res) != 30 {
		t.Fatalf("30 numbers: %d, %d results", code, len(res))
	}
}
