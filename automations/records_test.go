package automations

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRecordSchemasParse(t *testing.T) {
	all, err := RecordSchemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"thread", "message", "order", "attachment", "tracking_event", "claim_row"} {
		if _, ok := all[kind]; !ok {
			t.Errorf("no schema for %s", kind)
		}
	}
}

// The cases are the failure seen on a drifted UPS page (rows matched, cells
// renamed: zero times and empty text) and its neighbours, labelled by hand.
func TestCheckRecords(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	now := at.Add(24 * time.Hour)
	rec := &Recipe{Site: "ups-sandbox", Selectors: map[string]string{"track.event_time": ".trk-event-time"},
		Attrs: map[string]string{"event_time": "data-time"}}
	from := Sources{"time": "attributes.event_time|selectors.track.event_time", "description": "selectors.track.event_text"}
	good := Record{"time": at, "description": "Departed from facility", "code": "I"}
	cases := []struct {
		name     string
		rows     []Record
		keep     []int
		failed   int
		most     bool
		contains string
	}{
		{"all fit", []Record{good, {"time": at.Add(time.Hour), "description": "Arrived", "code": "I"}}, []int{0, 1}, 0, false, ""},
		{"read twice", []Record{good, good}, []int{0}, 0, false, ""},
		{"cells renamed", []Record{{"time": time.Time{}, "description": ""}, {"time": time.Time{}, "description": "  "}}, nil, 2, true,
			`time from attributes.event_time "data-time" or selectors.track.event_time ".trk-event-time": empty`},
		{"one of three", []Record{good, {"time": at, "description": ""}, {"time": at.Add(time.Hour), "description": "x"}}, []int{0, 2}, 1, false,
			"row 2: description from selectors.track.event_text: empty"},
		{"epoch time", []Record{{"time": time.Unix(0, 0), "description": "x"}}, nil, 1, true, "not a time that parsed"},
		{"far future", []Record{{"time": now.Add(72 * time.Hour), "description": "x"}}, nil, 1, true, "ahead of now"},
		{"ambiguous", []Record{{"time": at, "description": "Date:", MultiField: []string{"description"}}}, nil, 1, true, "more than one element"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keep, err := CheckRecords(RecordCheck{Kind: "tracking_event", Recipe: rec, From: from, URL: "http://x/track", Now: now}, c.rows)
			if !slices.Equal(keep, c.keep) {
				t.Errorf("kept %v, want %v", keep, c.keep)
			}
			if c.failed == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var re *RecordError
			if !errors.As(err, &re) {
				t.Fatalf("want a *RecordError, got %v", err)
			}
			if re.Failed != c.failed || re.Most() != c.most {
				t.Errorf("failed %d most %v, want %d %v", re.Failed, re.Most(), c.failed, c.most)
			}
			if !strings.Contains(err.Error(), c.contains) {
				t.Errorf("error %q does not say %q", err, c.contains)
			}
			if Classify(err) != PageChanged {
				t.Errorf("class %s, want page_changed", Classify(err))
			}
		})
	}
}

func TestCheckRecordsKeyConflictAndOr(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	rows := []Record{
		{"id": "m1", "from": "buyer", "body": "", "attachments": []string{"/a/1"}, "at": at}, // a photo alone fits
		{"id": "m2", "from": "buyer", "body": "hello", "at": at},
		{"id": "m2", "from": "seller", "body": "other", "at": at}, // same id, other values: both fail
		{"id": "m3", "from": "robot", "body": "x", "at": at},
	}
	keep, err := CheckRecords(RecordCheck{Kind: "message", Now: at}, rows)
	if !slices.Equal(keep, []int{0}) {
		t.Errorf("kept %v, want [0]", keep)
	}
	var re *RecordError
	if !errors.As(err, &re) || re.Failed != 3 {
		t.Fatalf("want 3 failed records, got %v", err)
	}
	if !strings.Contains(err.Error(), "not one of buyer, seller") || !strings.Contains(err.Error(), "same key") {
		t.Errorf("error does not name the problems: %v", err)
	}
}
