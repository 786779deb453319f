package fedex

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sellerops/sellerops/carriers"
)

type response struct {
	Output struct {
		CompleteTrackResults []struct {
			TrackingNumber string        `json:"trackingNumber"`
			TrackResults   []trackResult `json:"trackResults"`
		} `json:"completeTrackResults"`
	} `json:"output"`
	Errors []apiErr `json:"errors"`
}

type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type location struct {
	City                string `json:"city"`
	StateOrProvinceCode string `json:"stateOrProvinceCode"`
	CountryCode         string `json:"countryCode"`
}

type window struct {
	Window struct {
		Begins string `json:"begins"`
		Ends   string `json:"ends"`
	} `json:"window"`
}

type trackResult struct {
	TrackingNumberInfo struct {
		TrackingNumber string `json:"trackingNumber"`
	} `json:"trackingNumberInfo"`
	Error              *apiErr `json:"error"`
	LatestStatusDetail *struct {
		Code        string `json:"code"`
		DerivedCode string `json:"derivedCode"`
		Description string `json:"description"`
	} `json:"latestStatusDetail"`
	DateAndTimes []struct {
		Type     string `json:"type"`
		DateTime string `json:"dateTime"`
	} `json:"dateAndTimes"`
	ScanEvents []struct {
		Date                 string   `json:"date"`
		EventType            string   `json:"eventType"`
		EventDescription     string   `json:"eventDescription"`
		ExceptionCode        string   `json:"exceptionCode"`
		ExceptionDescription string   `json:"exceptionDescription"`
		ScanLocation         location `json:"scanLocation"`
		DerivedStatusCode    string   `json:"derivedStatusCode"`
	} `json:"scanEvents"`
	ServiceDetail *struct {
		Type        string `json:"type"`
		Description string `json:"description"`
	} `json:"serviceDetail"`
	StandardTransitTimeWindow   *window `json:"standardTransitTimeWindow"`
	EstimatedDeliveryTimeWindow *window `json:"estimatedDeliveryTimeWindow"`
}

// notFoundCode is FedEx's per-number "cannot be found" error.
const notFoundCode = "TRACKING.TRACKINGNUMBER.NOTFOUND"

// Parse turns a Track API answer into one Result per tracked number, in the
// answer's order. When FedEx returns several shipments for one number (a
// reused number), the first, current one is kept. An unknown number gives
// Found=false and no error; another per-number error gives an *APIError.
func Parse(body []byte) ([]carriers.Result, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("fedex: the tracking answer is not the Track API's JSON: %w", err)
	}
	out := make([]carriers.Result, 0, len(r.Output.CompleteTrackResults))
	for _, c := range r.Output.CompleteTrackResults {
		num := carriers.Normalize(c.TrackingNumber)
		res := carriers.Result{Number: num, Shipment: carriers.Shipment{Number: num, Courier: Courier, Events: []carriers.Event{}}}
		if len(c.TrackResults) == 0 {
			res.Shipment.Tag, res.Shipment.Subtag = carriers.Pending, carriers.PendingNoInfo
			out = append(out, res)
			continue
		}
		tr := c.TrackResults[0]
		if tr.Error != nil && tr.Error.Code != "" {
			res.Shipment.Tag, res.Shipment.Subtag = carriers.Pending, carriers.PendingNoInfo
			if tr.Error.Code != notFoundCode {
				res.Err = &carriers.APIError{Courier: Courier, Kind: carriers.ErrBadRequest, Code: tr.Error.Code, Message: tr.Error.Message}
			}
			out = append(out, res)
			continue
		}
		res.Shipment = shipment(num, tr)
		out = append(out, res)
	}
	return out, nil
}

func shipment(num string, tr trackResult) carriers.Shipment {
	sh := carriers.Shipment{Number: num, Courier: Courier, Found: true, Events: []carriers.Event{}}
	for _, e := range tr.ScanEvents {
		ev := carriers.Event{
			Time:        parseTime(e.Date),
			Location:    carriers.JoinLocation(e.ScanLocation.City, e.ScanLocation.StateOrProvinceCode, e.ScanLocation.CountryCode),
			Description: strings.TrimSpace(e.EventDescription),
			RawCode:     e.EventType,
		}
		if e.ExceptionCode != "" {
			ev.RawCode += "/" + e.ExceptionCode
		}
		if d := strings.TrimSpace(e.ExceptionDescription); d != "" {
			ev.Description += ": " + d
		}
		ev.Tag, ev.Subtag, _ = MapEvent(e.EventType, e.ExceptionCode, e.DerivedStatusCode, e.EventDescription, e.ExceptionDescription)
		sh.Events = append(sh.Events, ev)
	}
	carriers.SortEventsNewestFirst(sh.Events)
	var fbTag carriers.Tag
	var fbSub carriers.Subtag
	if l := tr.LatestStatusDetail; l != nil {
		fbTag, fbSub, _ = MapEvent(l.Code, "", l.DerivedCode, l.Description, "")
	}
	carriers.Summarise(&sh, fbTag, fbSub)
	if tr.ServiceDetail != nil {
		sh.Service = strings.TrimSpace(tr.ServiceDetail.Description)
	}
	for _, d := range tr.DateAndTimes {
		t := parseTime(d.DateTime)
		if t.IsZero() {
			continue
		}
		switch d.Type {
		case "SHIP":
			sh.ShipDate = &t
		case "ESTIMATED_DELIVERY":
			sh.EstimatedDelivery = &t
		}
	}
	if sh.ShipDate == nil {
		sh.ShipDate = carriers.FirstEventTime(sh.Events, carriers.InTransitAccepted)
	}
	// With no estimate, the delivery window, then the standard-transit
	// commitment, say when the parcel was due.
	for _, w := range []*window{tr.EstimatedDeliveryTimeWindow, tr.StandardTransitTimeWindow} {
		if sh.EstimatedDelivery != nil || w == nil {
			continue
		}
		if t := parseTime(w.Window.Ends); !t.IsZero() {
			sh.EstimatedDelivery = &t
		}
	}
	return sh
}

// parseTime reads FedEx times, with or without a UTC offset (FedEx mixes
// both); one without an offset is taken as UTC.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
