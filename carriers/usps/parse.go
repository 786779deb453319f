package usps

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/sellerops/sellerops/carriers"
)

type trackingResponse struct {
	TrackingNumber            string  `json:"trackingNumber"`
	MailClass                 string  `json:"mailClass"`
	Status                    string  `json:"status"`
	StatusCategory            string  `json:"statusCategory"`
	ExpectedDeliveryTimeStamp string  `json:"expectedDeliveryTimeStamp"`
	ExpectedDeliveryDate      string  `json:"expectedDeliveryDate"`
	MailPieceIntakeDate       string  `json:"mailPieceIntakeDate"`
	TrackingEvents            []event `json:"trackingEvents"`
	Error                     *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Errors  []struct {
			Code   string `json:"code"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"errors"`
	} `json:"error"`
}

type event struct {
	EventType      string  `json:"eventType"`
	EventTimestamp string  `json:"eventTimestamp"`
	GMTTimestamp   string  `json:"GMTTimestamp"`
	GMTOffset      string  `json:"GMTOffset"`
	EventCountry   *string `json:"eventCountry"`
	EventCity      *string `json:"eventCity"`
	EventState     *string `json:"eventState"`
	EventZIP       *string `json:"eventZIP"`
	EventCode      string  `json:"eventCode"`
}

// notFoundCodes are USPS error codes meaning "no record of this number" or
// "no status yet".
var notFoundCodes = map[string]bool{"150001": true, "-2147219283": true, "-2147219302": true}

// Parse turns a Tracking v3 answer into a Shipment. An error answer that
// means "not known (yet)" gives Found=false and no error.
func Parse(body []byte, number string) (carriers.Shipment, error) {
	var r trackingResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return carriers.Shipment{}, fmt.Errorf("usps: the tracking answer is not the Tracking v3 JSON: %w", err)
	}
	sh := carriers.Shipment{Number: number, Courier: Courier, Events: []carriers.Event{}}
	if r.Error != nil {
		sh.Tag, sh.Subtag = carriers.Pending, carriers.PendingNoInfo
		code := r.Error.Code
		for _, e := range r.Error.Errors {
			if notFoundCodes[e.Code] {
				return sh, nil
			}
			if e.Code != "" {
				code = e.Code
			}
		}
		if notFoundCodes[code] {
			return sh, nil
		}
		return sh, &carriers.APIError{Courier: Courier, Kind: carriers.ErrBadRequest, Code: code, Message: cleanText(r.Error.Message)}
	}
	if sh.Number == "" {
		sh.Number = r.TrackingNumber
	}
	sh.Found = true
	for _, e := range r.TrackingEvents {
		ev := carriers.Event{
			Time:        eventTime(e),
			Location:    carriers.JoinLocation(deref(e.EventCity), deref(e.EventState), deref(e.EventZIP), deref(e.EventCountry)),
			Description: strings.TrimSpace(e.EventType),
			RawCode:     e.EventCode,
		}
		ev.Tag, ev.Subtag, _ = MapEvent(e.EventCode, e.EventType)
		sh.Events = append(sh.Events, ev)
	}
	carriers.SortEventsNewestFirst(sh.Events)
	fbTag, fbSub, _ := MapCategory(r.StatusCategory, r.Status)
	carriers.Summarise(&sh, fbTag, fbSub)
	sh.Service = cleanText(r.MailClass)
	for _, s := range []string{r.ExpectedDeliveryTimeStamp, r.ExpectedDeliveryDate} {
		if t := parseLocal(s, ""); !t.IsZero() {
			sh.EstimatedDelivery = &t
			break
		}
	}
	sh.ShipDate = carriers.FirstEventTime(sh.Events, carriers.InTransitAccepted)
	if sh.ShipDate == nil {
		if t := parseLocal(r.MailPieceIntakeDate, ""); !t.IsZero() {
			sh.ShipDate = &t
		}
	}
	return sh, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// eventTime prefers the local timestamp with its GMT offset, then the GMT
// timestamp, then the local timestamp read as UTC.
func eventTime(e event) time.Time {
	if e.GMTOffset != "" {
		if t := parseLocal(e.EventTimestamp, e.GMTOffset); !t.IsZero() {
			return t
		}
	}
	if t, err := time.Parse(time.RFC3339, e.GMTTimestamp); err == nil {
		return t
	}
	return parseLocal(e.EventTimestamp, "")
}

func parseLocal(s, offset string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05.000000", "2006-01-02 15:04:05", "2006-01-02"} {
		if offset != "" {
			if t, err := time.Parse(layout+"-07:00", s+offset); err == nil {
				return t
			}
			continue
		}
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// cleanText drops the HTML USPS puts in mail classes and messages
// ("USPS Ground Advantage<SUP>&#153;</SUP>") and decodes entities.
func cleanText(s string) string {
	return strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(s, "")))
}
