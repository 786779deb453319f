package ups

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sellerops/sellerops/carriers"
)

type trackResponse struct {
	TrackResponse struct {
		Shipment []struct {
			InquiryNumber string    `json:"inquiryNumber"`
			Package       []pkg     `json:"package"`
			Warnings      []warning `json:"warnings"`
		} `json:"shipment"`
	} `json:"trackResponse"`
	Response struct {
		Errors []warning `json:"errors"`
	} `json:"response"`
}

type warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type address struct {
	City          string `json:"city"`
	StateProvince string `json:"stateProvince"`
	CountryCode   string `json:"countryCode"`
	Country       string `json:"country"`
}

type pkg struct {
	TrackingNumber string `json:"trackingNumber"`
	DeliveryDate   []struct {
		Type string `json:"type"`
		Date string `json:"date"`
	} `json:"deliveryDate"`
	DeliveryTime *struct {
		Type      string `json:"type"`
		StartTime string `json:"startTime"`
		EndTime   string `json:"endTime"`
	} `json:"deliveryTime"`
	CurrentStatus *struct {
		Description string `json:"description"`
		Code        string `json:"code"`
	} `json:"currentStatus"`
	Service *struct {
		Code        string `json:"code"`
		Description string `json:"description"`
	} `json:"service"`
	Activity []struct {
		Location struct {
			Address address `json:"address"`
		} `json:"location"`
		Status struct {
			Type        string `json:"type"`
			Description string `json:"description"`
			Code        string `json:"code"`
			StatusCode  string `json:"statusCode"`
		} `json:"status"`
		Date      string `json:"date"`
		Time      string `json:"time"`
		GMTOffset string `json:"gmtOffset"`
	} `json:"activity"`
}

// notFoundCodes are UPS warning and error codes meaning the number is unknown.
var notFoundCodes = map[string]bool{"TW0001": true, "TW0003": true, "151044": true, "151018": true}

// Parse turns a Track API answer into a Shipment for number (the inquiry
// number of the first shipment when number is empty). A "tracking
// information not found" answer gives Found=false and no error.
func Parse(body []byte, number string) (carriers.Shipment, error) {
	var r trackResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return carriers.Shipment{}, fmt.Errorf("ups: the tracking answer is not the Track API's JSON: %w", err)
	}
	sh := carriers.Shipment{Number: number, Courier: Courier, Events: []carriers.Event{}}
	for _, e := range r.Response.Errors {
		if notFoundCodes[e.Code] {
			sh.Tag, sh.Subtag = carriers.Pending, carriers.PendingNoInfo
			return sh, nil
		}
	}
	if len(r.TrackResponse.Shipment) == 0 {
		if len(r.Response.Errors) > 0 {
			e := r.Response.Errors[0]
			return sh, &carriers.APIError{Courier: Courier, Kind: carriers.ErrBadRequest, Code: e.Code, Message: e.Message}
		}
		return sh, fmt.Errorf("ups: the tracking answer for %q has no shipment", number)
	}
	s := r.TrackResponse.Shipment[0]
	if sh.Number == "" {
		sh.Number = s.InquiryNumber
	}
	if len(s.Package) == 0 {
		// warnings only: UPS does not know the number (yet)
		sh.Tag, sh.Subtag = carriers.Pending, carriers.PendingNoInfo
		return sh, nil
	}
	p := s.Package[0]
	for _, q := range s.Package {
		if strings.EqualFold(q.TrackingNumber, number) {
			p = q
		}
	}
	if sh.Number == "" {
		sh.Number = p.TrackingNumber
	}
	sh.Found = true
	for _, a := range p.Activity {
		ev := carriers.Event{
			Time:        activityTime(a.Date, a.Time, a.GMTOffset),
			Location:    carriers.JoinLocation(a.Location.Address.City, a.Location.Address.StateProvince, a.Location.Address.CountryCode),
			Description: strings.TrimSpace(a.Status.Description),
			RawCode:     a.Status.Type + "/" + a.Status.Code + "/" + a.Status.StatusCode,
		}
		ev.Tag, ev.Subtag, _ = MapActivity(a.Status.Type, a.Status.Code, a.Status.StatusCode, a.Status.Description)
		sh.Events = append(sh.Events, ev)
	}
	carriers.SortEventsNewestFirst(sh.Events)
	var fbTag carriers.Tag
	var fbSub carriers.Subtag
	if cs := p.CurrentStatus; cs != nil {
		fbTag, fbSub, _ = MapActivity("", "", cs.Code, cs.Description)
	}
	carriers.Summarise(&sh, fbTag, fbSub)
	if p.Service != nil {
		sh.Service = strings.TrimSpace(p.Service.Description)
	}
	sh.EstimatedDelivery = estimated(p)
	sh.ShipDate = carriers.FirstEventTime(sh.Events, carriers.InTransitAccepted)
	return sh, nil
}

// estimated takes the rescheduled delivery date over the scheduled one; the
// DEL date is the actual delivery, not an estimate.
func estimated(p pkg) *time.Time {
	var best *time.Time
	rank := map[string]int{"SDD": 1, "EDD": 1, "RDD": 2}
	bestRank := 0
	for _, d := range p.DeliveryDate {
		r := rank[d.Type]
		if r == 0 || r < bestRank {
			continue
		}
		end := ""
		if p.DeliveryTime != nil && p.DeliveryTime.Type != "DEL" {
			end = p.DeliveryTime.EndTime
		}
		t := activityTime(d.Date, end, "")
		if t.IsZero() {
			continue
		}
		best, bestRank = &t, r
	}
	return best
}

// activityTime reads UPS's "20240320" + "190838" local date and time with an
// optional "+08:00" offset; without one the time is taken as UTC.
func activityTime(date, clock, offset string) time.Time {
	if len(date) != 8 {
		return time.Time{}
	}
	if len(clock) != 6 {
		clock = "000000"
	}
	layout, value := "20060102150405", date+clock
	if offset != "" {
		layout, value = layout+"-07:00", value+offset
	}
	t, err := time.Parse(layout, value)
	if err != nil {
		return time.Time{}
	}
	return t
}
