package seventeen

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sellerops/sellerops/carriers"
)

// event is one checkpoint of a provider (v2.2 tracking.providers[].events[]).
type event struct {
	TimeISO     string `json:"time_iso"`
	TimeUTC     string `json:"time_utc"`
	Description string `json:"description"`
	Location    string `json:"location"`
	Stage       string `json:"stage"`
	SubStatus   string `json:"sub_status"`
}

// trackInfo is an accepted gettrackinfo entry.
type trackInfo struct {
	Number    string `json:"number"`
	Carrier   int    `json:"carrier"`
	TrackInfo *struct {
		LatestStatus *struct {
			Status    string `json:"status"`
			SubStatus string `json:"sub_status"`
		} `json:"latest_status"`
		TimeMetrics *struct {
			EstimatedDeliveryDate *struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"estimated_delivery_date"`
		} `json:"time_metrics"`
		MiscInfo *struct {
			ServiceType string `json:"service_type"`
		} `json:"misc_info"`
		Tracking *struct {
			Providers []struct {
				Provider struct {
					Key  int    `json:"key"`
					Name string `json:"name"`
				} `json:"provider"`
				ServiceType string  `json:"service_type"`
				Events      []event `json:"events"`
			} `json:"providers"`
		} `json:"tracking"`
	} `json:"track_info"`
}

// Parse turns one accepted gettrackinfo entry into a Shipment. The
// shipment's status is 17TRACK's latest_status (its own reading of all the
// providers); each event is mapped by its sub_status, else by its words. An
// entry without a number or without track_info does not fit and is an
// error (with the number, when there is one).
func Parse(raw []byte) (carriers.Shipment, error) {
	var ti trackInfo
	if err := json.Unmarshal(raw, &ti); err != nil {
		return carriers.Shipment{Courier: Courier}, &carriers.APIError{Courier: Courier, Kind: carriers.ErrServer,
			Message: fmt.Sprintf("a gettrackinfo entry is not 17TRACK's shape: %v", err)}
	}
	n := carriers.Normalize(ti.Number)
	sh := carriers.Shipment{Number: n, Courier: Courier, Events: []carriers.Event{}}
	if n == "" || ti.TrackInfo == nil || ti.TrackInfo.LatestStatus == nil || ti.TrackInfo.LatestStatus.Status == "" {
		return sh, &carriers.APIError{Courier: Courier, Number: n, Kind: carriers.ErrServer,
			Message: "a gettrackinfo entry has no number, track_info or latest_status"}
	}
	info := ti.TrackInfo
	if info.Tracking != nil {
		for _, p := range info.Tracking.Providers {
			if sh.Service == "" {
				sh.Service = p.ServiceType
			}
			for _, e := range p.Events {
				sh.Events = append(sh.Events, toEvent(e))
			}
		}
	}
	if sh.Service == "" && info.MiscInfo != nil {
		sh.Service = info.MiscInfo.ServiceType
	}
	carriers.SortEventsNewestFirst(sh.Events)
	carriers.MarkUnmapped(&sh)

	ls := info.LatestStatus
	tag, sub, ok := statusTable.Lookup(ls.SubStatus)
	if !ok {
		tag, sub, ok = statusTable.Lookup(ls.Status)
	}
	if !ok {
		// a status the table does not know: the events decide, and the
		// shipment says so through Unmapped
		carriers.Summarise(&sh, "", "")
		sh.Unmapped++
	} else {
		sh.Tag, sh.Subtag = tag, sub
	}
	sh.Found = !strings.EqualFold(ls.Status, "NotFound")
	if m := info.TimeMetrics; m != nil && m.EstimatedDeliveryDate != nil {
		for _, v := range []string{m.EstimatedDeliveryDate.To, m.EstimatedDeliveryDate.From} {
			if t, ok := parseTime(v); ok {
				sh.EstimatedDelivery = &t
				break
			}
		}
	}
	sh.ShipDate = carriers.FirstEventTime(sh.Events, carriers.InTransitAccepted)
	return sh, nil
}

func toEvent(e event) carriers.Event {
	ev := carriers.Event{Description: e.Description, Location: e.Location, RawCode: e.SubStatus}
	if t, ok := parseTime(e.TimeUTC); ok {
		ev.Time = t
	} else if t, ok := parseTime(e.TimeISO); ok {
		ev.Time = t
	}
	if tag, sub, ok := MapStatus(e.SubStatus, e.Description); ok {
		ev.Tag, ev.Subtag = tag, sub
	}
	return ev
}

// parseTime reads the API's times: RFC 3339 (time_iso, time_utc), or a
// bare date or date-time.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
