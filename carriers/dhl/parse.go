package dhl

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sellerops/sellerops/carriers"
)

type address struct {
	CountryCode     string `json:"countryCode"`
	PostalCode      string `json:"postalCode"`
	AddressLocality string `json:"addressLocality"`
}

type status struct {
	Timestamp string `json:"timestamp"`
	Location  *struct {
		Address address `json:"address"`
	} `json:"location"`
	StatusCode  string `json:"statusCode"`
	Status      string `json:"status"`
	Description string `json:"description"`
	Remark      string `json:"remark"`
}

type response struct {
	Shipments []struct {
		ID                      json.RawMessage `json:"id"`
		Service                 string          `json:"service"`
		Status                  *status         `json:"status"`
		EstimatedTimeOfDelivery string          `json:"estimatedTimeOfDelivery"`
		Details                 *struct {
			Product *struct {
				ProductName string `json:"productName"`
			} `json:"product"`
		} `json:"details"`
		Events []status `json:"events"`
	} `json:"shipments"`
	// RFC 7807 problem fields, sent with 4xx answers
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Status int    `json:"status"`
}

// Parse turns a unified tracking answer into a Shipment. A problem answer
// with status 404 gives Found=false and no error.
func Parse(body []byte, number string) (carriers.Shipment, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return carriers.Shipment{}, fmt.Errorf("dhl: the tracking answer is not the unified API's JSON: %w", err)
	}
	sh := carriers.Shipment{Number: number, Courier: Courier, Events: []carriers.Event{}}
	if len(r.Shipments) == 0 {
		sh.Tag, sh.Subtag = carriers.Pending, carriers.PendingNoInfo
		if r.Status == 0 || r.Status == 404 {
			return sh, nil
		}
		return sh, &carriers.APIError{Courier: Courier, Kind: carriers.ErrBadRequest, Status: r.Status, Message: strings.TrimSpace(r.Title + ": " + r.Detail)}
	}
	s := r.Shipments[0]
	if sh.Number == "" {
		sh.Number = strings.Trim(string(s.ID), `"`)
	}
	sh.Found = true
	for _, e := range s.Events {
		sh.Events = append(sh.Events, toEvent(e))
	}
	carriers.SortEventsNewestFirst(sh.Events)
	var fbTag carriers.Tag
	var fbSub carriers.Subtag
	if s.Status != nil {
		fbTag, fbSub, _ = MapStatus(s.Status.StatusCode, s.Status.Description)
		if len(sh.Events) == 0 && s.Status.Timestamp != "" {
			sh.Events = append(sh.Events, toEvent(*s.Status))
		}
	}
	carriers.Summarise(&sh, fbTag, fbSub)
	if s.Details != nil && s.Details.Product != nil {
		sh.Service = strings.TrimSpace(s.Details.Product.ProductName)
	}
	if sh.Service == "" {
		sh.Service = s.Service
	}
	if t := parseTime(s.EstimatedTimeOfDelivery); !t.IsZero() {
		sh.EstimatedDelivery = &t
	}
	sh.ShipDate = carriers.FirstEventTime(sh.Events, carriers.InTransitAccepted)
	return sh, nil
}

func toEvent(e status) carriers.Event {
	ev := carriers.Event{
		Time:        parseTime(e.Timestamp),
		Description: strings.TrimSpace(e.Description),
		RawCode:     e.StatusCode,
	}
	if ev.Description == "" {
		ev.Description = strings.TrimSpace(e.Status)
	}
	if e.Location != nil {
		a := e.Location.Address
		ev.Location = carriers.JoinLocation(a.AddressLocality, a.PostalCode, a.CountryCode)
	}
	ev.Tag, ev.Subtag, _ = MapStatus(e.StatusCode, ev.Description)
	return ev
}

// parseTime reads DHL timestamps, with or without an offset (UTC if none).
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
