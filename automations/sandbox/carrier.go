package sandbox

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// carrierEvent is how one carrier words a carrier-neutral step.
type carrierEvent struct {
	Type       string // UPS status type; DHL statusCode; FedEx derivedStatusCode; USPS statusCategory
	Code       string // UPS status code; FedEx eventType; USPS eventCode; DHL status
	StatusCode string // UPS statusCode; FedEx exceptionCode
	Desc       string
	Derived    string // FedEx derivedStatus
}

// carrierEvents is the raw wording of every step per carrier. The README
// lists it so that status mappings can be written against it.
var carrierEvents = map[string]map[string]carrierEvent{
	"ups": {
		"label":            {"M", "MP", "003", "Shipper created a label, UPS has not received the package yet.", ""},
		"pickup":           {"P", "PU", "005", "Pickup Scan", ""},
		"depart":           {"I", "DP", "005", "Departed from Facility", ""},
		"arrive":           {"I", "AR", "005", "Arrived at Facility", ""},
		"customs":          {"X", "", "", "Held by customs: clearance delay. The package awaits release by the government agency.", ""},
		"out_for_delivery": {"I", "OT", "021", "Out For Delivery Today", ""},
		"delivered":        {"D", "FS", "011", "DELIVERED", ""},
		"delivery_failed":  {"X", "", "", "The receiver was not available for delivery. We'll make a second attempt the next business day.", ""},
		"damaged":          {"X", "", "", "The package was damaged in transit. The contents are being evaluated.", ""},
		"lost":             {"X", "", "", "We're sorry. We could not locate your package. A search has been opened.", ""},
		"return":           {"RS", "RS", "035", "Returning to sender: the package is on its way back to the shipper.", ""},
		"returned":         {"RS", "RS", "034", "Returned to Sender: the package was delivered back to the shipper.", ""},
	},
	"fedex": {
		"label":            {"IN", "OC", "", "Shipment information sent to FedEx", "Initiated"},
		"pickup":           {"PU", "PU", "", "Picked up", "Picked up"},
		"depart":           {"IT", "DP", "", "Left FedEx origin facility", "In transit"},
		"arrive":           {"IT", "AR", "", "Arrived at FedEx location", "In transit"},
		"customs":          {"SE", "CD", "A13", "Clearance delay - Import", "Shipment exception"},
		"out_for_delivery": {"OD", "OD", "", "On FedEx vehicle for delivery", "Out for delivery"},
		"delivered":        {"DL", "DL", "", "Delivered", "Delivered"},
		"delivery_failed":  {"DE", "DE", "08", "Customer not available or business closed", "Delivery exception"},
		"damaged":          {"DE", "DE", "15", "Package damaged", "Delivery exception"},
		"lost":             {"SE", "SE", "LP", "Package could not be located", "Shipment exception"},
		"return":           {"RS", "RS", "", "Returning package to shipper", "Return to shipper"},
		"returned":         {"DL", "DL", "RS", "Delivered to shipper", "Delivered"},
	},
	"usps": {
		"label":            {"Pre-Shipment", "GX", "", "Shipping Label Created, USPS Awaiting Item", ""},
		"pickup":           {"Accepted", "03", "", "USPS in possession of item", ""},
		"depart":           {"Moving Through Network", "T1", "", "Departed USPS Regional Facility", ""},
		"arrive":           {"Moving Through Network", "10", "", "Arrived at USPS Regional Facility", ""},
		"customs":          {"Alert", "H0", "", "Held in Customs", ""},
		"out_for_delivery": {"Out for Delivery", "OF", "", "Out for Delivery", ""},
		"delivered":        {"Delivered", "01", "", "Delivered, In/At Mailbox", ""},
		"delivery_failed":  {"Alert", "02", "", "Notice Left (No Authorized Recipient Available)", ""},
		// USPS publishes no event code for damage; the answer carries the
		// words only, and code 53 means a blocked mail receptacle.
		"damaged":  {"Alert", "", "", "Damaged Item", ""},
		"lost":     {"Alert", "LO", "", "Item Could Not Be Located", ""},
		"return":   {"Alert", "09", "", "Return to Sender Processed", ""},
		"returned": {"Delivered", "01", "", "Delivered, To Original Sender", ""},
	},
	"dhl": {
		"label":            {"pre-transit", "SHIPMENT INFORMATION RECEIVED", "", "Shipment information received", ""},
		"pickup":           {"transit", "PICKED UP", "", "Shipment picked up", ""},
		"depart":           {"transit", "DEPARTED", "", "Shipment has departed from a DHL facility", ""},
		"arrive":           {"transit", "ARRIVED", "", "Arrived at DHL Sort Facility", ""},
		"customs":          {"transit", "CUSTOMS", "", "Shipment on hold at customs - clearance delay", ""},
		"out_for_delivery": {"transit", "WITH DELIVERY COURIER", "", "Shipment is out with courier for delivery", ""},
		"delivered":        {"delivered", "DELIVERED", "", "Delivered", ""},
		"delivery_failed":  {"failure", "DELIVERY ATTEMPTED", "", "Delivery attempted; recipient not home", ""},
		"damaged":          {"failure", "DAMAGED", "", "Shipment damaged", ""},
		"lost":             {"failure", "NOT LOCATED", "", "Shipment could not be located", ""},
		"return":           {"transit", "RETURNED TO SHIPPER", "", "Shipment is being returned to shipper", ""},
		"returned":         {"delivered", "DELIVERED TO SHIPPER", "", "Returned shipment delivered to shipper", ""},
	},
}

// numberFormats are loose shape checks: a number that fits another
// carrier's shape is an invalid inquiry, one that fits but is unknown is
// not found.
var numberFormats = map[string]*regexp.Regexp{
	"ups":   regexp.MustCompile(`^1Z[0-9A-Z]{16}$`),
	"fedex": regexp.MustCompile(`^([0-9]{12}|[0-9]{15}|[0-9]{20}|[0-9]{22}|[0-9]{34})$`),
	"usps":  regexp.MustCompile(`^(420[0-9]{5,9})?9[0-9]{19,33}$`),
	"dhl":   regexp.MustCompile(`^[0-9]{10,11}$|^JD[0-9]{18}$`),
}

func normNumber(n string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(n), " ", ""))
}

// track answers a tracking request for a number: it counts the lookup (see
// State.Lookups) and returns the carrier's parcel, or nil.
func (s *site) track(number string) *Parcel {
	s.sb.st.looked(normNumber(number))
	return s.lookup(number)
}

// lookup returns the carrier's parcel for a number, or nil.
func (s *site) lookup(number string) *Parcel {
	p := s.sb.world.Parcel(normNumber(number))
	if p == nil || p.Carrier != s.name {
		return nil
	}
	return p
}

// newestFirst returns the visible events, newest first.
func newestFirst(p *Parcel, now time.Time) []TrackingEvent {
	ev := p.VisibleEvents(now)
	out := make([]TrackingEvent, len(ev))
	for i, e := range ev {
		out[len(ev)-1-i] = e
	}
	return out
}

func delivered(ev []TrackingEvent) (time.Time, bool) {
	for _, e := range ev {
		if e.Step == "delivered" || e.Step == "returned" {
			return e.Time, true
		}
	}
	return time.Time{}, false
}

// ---- API auth ----

type apiToken struct {
	client  string
	expires time.Time
}

const tokenLifetime = 4 * time.Hour

func (s *site) issueToken(client string) (string, int) {
	tok := randomToken() + randomToken()
	s.mu.Lock()
	s.tokens[tok] = apiToken{client: client, expires: time.Now().Add(tokenLifetime)}
	s.mu.Unlock()
	return tok, int(tokenLifetime / time.Second)
}

// apiClient authenticates an API request and returns the client's id.
func (s *site) apiClient(r *http.Request) (string, bool) {
	acct := s.sb.accounts[s.name]
	if s.name == "dhl" {
		k := r.Header.Get("DHL-API-Key")
		return k, k != "" && k == acct.APIKey
	}
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return "", false
	}
	s.mu.Lock()
	t, ok := s.tokens[strings.TrimSpace(tok)]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return "", false
	}
	return t.client, true
}

// DefaultAPIRate is each carrier API's per-client limit in requests per
// second, unless a "rate" fault sets another.
const DefaultAPIRate = 100

// apiGuard checks credentials and the per-client rate limit.
func (s *site) apiGuard(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		client, ok := s.apiClient(r)
		if !ok {
			s.sb.st.count("api." + s.name + ".unauthorized")
			carrierError(w, s.name, http.StatusUnauthorized, "unauthorized", "Invalid or expired credentials.")
			return
		}
		rate := DefaultAPIRate
		if fc := s.sb.faultsFor(s.name); fc.RateLimit > 0 {
			rate = fc.RateLimit
		}
		if ok, wait := s.limiter.allow(client, rate); !ok {
			s.sb.st.count("api." + s.name + ".rate_limited")
			s.tooMany(w, r, kindAPI, wait)
			return
		}
		h(w, r)
	}
}

// carrierError writes an error in the carrier's own shape.
func carrierError(w http.ResponseWriter, carrier string, code int, short, msg string) {
	switch carrier {
	case "ups":
		c := map[int]string{401: "250002", 429: "10429", 503: "10500", 400: "TV1002"}[code]
		writeJSON(w, code, map[string]any{"response": map[string]any{"errors": []map[string]string{{"code": c, "message": msg}}}})
	case "fedex":
		c := map[int]string{401: "NOT.AUTHORIZED.ERROR", 429: "RATE.LIMIT.EXCEEDED", 503: "SERVICE.UNAVAILABLE.ERROR", 400: "BAD.REQUEST.ERROR"}[code]
		writeJSON(w, code, map[string]any{"transactionId": randomToken(), "errors": []map[string]string{{"code": c, "message": msg}}})
	case "usps":
		writeJSON(w, code, map[string]any{"apiVersion": "/tracking/v3", "error": map[string]any{"code": strconv.Itoa(code), "message": msg,
			"errors": []map[string]string{{"title": msg, "detail": short, "code": strconv.Itoa(code)}}}})
	default:
		w.Header().Set("Content-Type", "application/problem+json")
		titles := map[int]string{401: "Unauthorized", 429: "Too many requests", 503: "Service unavailable", 400: "Bad request"}
		writeProblem(w, code, map[string]any{"status": code, "title": titles[code], "detail": msg})
	}
}

func writeProblem(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// readClientCreds reads client credentials from Basic auth, a form or JSON.
func readClientCreds(r *http.Request) (grant, id, secret string) {
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var b struct {
			GrantType    string `json:"grant_type"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&b)
		grant = b.GrantType
		if id == "" {
			id, secret = b.ClientID, b.ClientSecret
		}
		return
	}
	_ = r.ParseForm()
	grant = r.PostFormValue("grant_type")
	if id == "" {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	return
}

func (s *site) tokenHandler(w http.ResponseWriter, r *http.Request) {
	grant, id, secret := readClientCreds(r)
	acct := s.sb.accounts[s.name]
	if grant != "client_credentials" {
		s.tokenError(w, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	if id != acct.ClientID || secret != acct.ClientSecret {
		s.tokenError(w, "invalid_client", "ClientId or secret is invalid")
		return
	}
	tok, exp := s.issueToken(id)
	now := time.Now()
	switch s.name {
	case "ups":
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "issued_at": strconv.FormatInt(now.UnixMilli(), 10),
			"client_id": id, "access_token": tok, "expires_in": strconv.Itoa(exp), "refresh_count": "0", "status": "approved"})
	case "fedex":
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": exp, "scope": "CXS"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "issued_at": now.UnixMilli(),
			"expires_in": exp, "status": "approved", "scope": "tracking", "client_id": id, "application_name": "sellerops-sandbox"})
	}
}

func (s *site) tokenError(w http.ResponseWriter, short, msg string) {
	s.sb.st.count("api." + s.name + ".bad_credentials")
	switch s.name {
	case "ups":
		writeJSON(w, http.StatusUnauthorized, map[string]any{"response": map[string]any{"errors": []map[string]string{{"code": "10401", "message": msg}}}})
	case "fedex":
		writeJSON(w, http.StatusUnauthorized, map[string]any{"transactionId": randomToken(),
			"errors": []map[string]string{{"code": "NOT.AUTHORIZED.ERROR", "message": msg}}})
	default:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": short, "error_description": msg})
	}
}

// ---- track responses ----

func ymd(t time.Time) string { return t.UTC().Format("20060102") }
func hms(t time.Time) string { return t.UTC().Format("150405") }

func upsAddress(p Place) map[string]any {
	return map[string]any{"city": p.City, "stateProvince": p.State, "postalCode": p.Postal, "countryCode": p.Country, "country": p.Country}
}

func slic(p Place) string {
	h := fnv.New32a()
	h.Write([]byte(p.City))
	return fmt.Sprintf("%04d", h.Sum32()%10000)
}

func (s *site) upsTrack(w http.ResponseWriter, r *http.Request) {
	n := normNumber(r.PathValue("n"))
	if !numberFormats["ups"].MatchString(n) {
		carrierError(w, "ups", http.StatusBadRequest, "invalid", "Invalid inquiry number")
		return
	}
	p := s.track(n)
	if p == nil {
		writeJSON(w, http.StatusOK, map[string]any{"trackResponse": map[string]any{"shipment": []any{map[string]any{
			"inquiryNumber": n, "warnings": []map[string]string{{"code": "TW0001", "message": "Tracking Information Not Found"}}}}}})
		return
	}
	now := s.sb.Now()
	evs := newestFirst(p, now)
	var acts []any
	for _, e := range evs {
		ce := carrierEvents["ups"][e.Step]
		acts = append(acts, map[string]any{
			"location": map[string]any{"address": upsAddress(e.Place), "slic": slic(e.Place)},
			"status":   map[string]any{"type": ce.Type, "description": ce.Desc, "code": ce.Code, "statusCode": ce.StatusCode},
			"date":     ymd(e.Time), "time": hms(e.Time), "gmtDate": ymd(e.Time), "gmtOffset": "+00:00", "gmtTime": e.Time.UTC().Format("15:04:05"),
		})
	}
	pkg := map[string]any{"trackingNumber": n, "activity": acts, "packageCount": 1,
		"packageAddress": []any{map[string]any{"type": "ORIGIN", "address": upsAddress(p.Origin)},
			map[string]any{"type": "DESTINATION", "address": upsAddress(p.Destination)}},
		"weight":          map[string]any{"unitOfMeasurement": "KGS", "weight": "1.20"},
		"service":         map[string]any{"code": "003", "levelCode": "003", "description": p.Service},
		"referenceNumber": []any{map[string]any{"type": "SHIPMENT", "number": p.OrderID}},
	}
	if len(evs) > 0 {
		ce := carrierEvents["ups"][evs[0].Step]
		pkg["currentStatus"] = map[string]any{"description": ce.Desc, "code": ce.StatusCode, "simplifiedTextDescription": ce.Desc}
	}
	if t, ok := delivered(evs); ok {
		pkg["deliveryDate"] = []any{map[string]any{"type": "DEL", "date": ymd(t)}}
		pkg["deliveryTime"] = map[string]any{"type": "DEL", "endTime": hms(t)}
	} else {
		pkg["deliveryDate"] = []any{map[string]any{"type": "SDD", "date": ymd(p.EstimatedDelivery)}}
	}
	writeJSON(w, http.StatusOK, map[string]any{"trackResponse": map[string]any{"shipment": []any{map[string]any{
		"inquiryNumber": n, "package": []any{pkg}}}}})
}

func fedexAddress(p Place) map[string]any {
	return map[string]any{"city": p.City, "stateOrProvinceCode": p.State, "postalCode": p.Postal, "countryCode": p.Country, "residential": false}
}

// FedExMaxNumbers is the most numbers one FedEx track request may carry.
const FedExMaxNumbers = 30

func (s *site) fedexTrack(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IncludeDetailedScans bool `json:"includeDetailedScans"`
		TrackingInfo         []struct {
			TrackingNumberInfo struct {
				TrackingNumber string `json:"trackingNumber"`
			} `json:"trackingNumberInfo"`
		} `json:"trackingInfo"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		carrierError(w, "fedex", http.StatusBadRequest, "bad", "The request body is not valid JSON: "+err.Error())
		return
	}
	if len(req.TrackingInfo) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"transactionId": randomToken(),
			"errors": []map[string]string{{"code": "TRACKING.TRACKINGNUMBER.EMPTY", "message": "Please provide tracking number."}}})
		return
	}
	if len(req.TrackingInfo) > FedExMaxNumbers {
		writeJSON(w, http.StatusBadRequest, map[string]any{"transactionId": randomToken(),
			"errors": []map[string]string{{"code": "TRACKING.TRACKINGNUMBERS.LIMIT.EXCEEDED", "message": "Please limit your request to 30 tracking numbers."}}})
		return
	}
	now := s.sb.Now()
	var results []any
	for _, ti := range req.TrackingInfo {
		n := normNumber(ti.TrackingNumberInfo.TrackingNumber)
		p := s.track(n)
		if p == nil {
			results = append(results, map[string]any{"trackingNumber": n, "trackResults": []any{map[string]any{
				"trackingNumberInfo": map[string]any{"trackingNumber": n, "trackingNumberUniqueId": "", "carrierCode": ""},
				"error": map[string]any{"code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
					"message": "Tracking number cannot be found. Please correct the tracking number and try again."}}}})
			continue
		}
		evs := newestFirst(p, now)
		var scans []any
		for _, e := range evs {
			ce := carrierEvents["fedex"][e.Step]
			ev := map[string]any{"date": e.Time.UTC().Format(time.RFC3339), "eventType": ce.Code, "eventDescription": ce.Desc,
				"exceptionCode": "", "exceptionDescription": "", "scanLocation": fedexAddress(e.Place),
				"derivedStatusCode": ce.Type, "derivedStatus": ce.Derived}
			if ce.StatusCode != "" {
				ev["exceptionCode"], ev["exceptionDescription"] = ce.StatusCode, ce.Desc
			}
			scans = append(scans, ev)
		}
		tr := map[string]any{
			"trackingNumberInfo":   map[string]any{"trackingNumber": n, "trackingNumberUniqueId": "12028~" + n + "~FX", "carrierCode": "FDXE"},
			"shipperInformation":   map[string]any{"contact": map[string]any{}, "address": fedexAddress(p.Origin)},
			"recipientInformation": map[string]any{"contact": map[string]any{}, "address": fedexAddress(p.Destination)},
			"serviceDetail":        map[string]any{"type": strings.ToUpper(strings.ReplaceAll(p.Service, " ", "_")), "description": p.Service},
			"packageDetails":       map[string]any{"count": "1", "sequenceNumber": "1", "declaredValue": map[string]any{"amount": money.FormatDecimal(p.DeclaredValue, p.Currency), "currency": p.Currency}},
			"dateAndTimes":         []any{map[string]any{"type": "SHIP", "dateTime": p.ShipDate.UTC().Format(time.RFC3339)}},
		}
		if req.IncludeDetailedScans {
			tr["scanEvents"] = scans
		} else {
			tr["scanEvents"] = []any{}
		}
		if len(evs) > 0 {
			ce := carrierEvents["fedex"][evs[0].Step]
			lsd := map[string]any{"code": ce.Code, "derivedCode": ce.Type, "statusByLocale": ce.Derived, "description": ce.Desc,
				"scanLocation": fedexAddress(evs[0].Place)}
			if ce.StatusCode != "" {
				lsd["ancillaryDetails"] = []any{map[string]any{"reason": ce.StatusCode, "reasonDescription": ce.Desc}}
			}
			tr["latestStatusDetail"] = lsd
		}
		if t, ok := delivered(evs); ok {
			tr["dateAndTimes"] = append(tr["dateAndTimes"].([]any), map[string]any{"type": "ACTUAL_DELIVERY", "dateTime": t.UTC().Format(time.RFC3339)})
		} else {
			tr["estimatedDeliveryTimeWindow"] = map[string]any{"window": map[string]any{"ends": p.EstimatedDelivery.UTC().Format(time.RFC3339)}}
			tr["dateAndTimes"] = append(tr["dateAndTimes"].([]any), map[string]any{"type": "ESTIMATED_DELIVERY", "dateTime": p.EstimatedDelivery.UTC().Format(time.RFC3339)})
		}
		results = append(results, map[string]any{"trackingNumber": n, "trackResults": []any{tr}})
	}
	out := map[string]any{"transactionId": randomToken(), "output": map[string]any{"completeTrackResults": results}}
	if ct := r.Header.Get("x-customer-transaction-id"); ct != "" {
		out["customerTransactionId"] = ct
	}
	writeJSON(w, http.StatusOK, out)
}

var uspsNotFound = "12: A status update is not yet available on your package. It will be available when the shipper provides an update or the package is given to USPS. Check back soon."

func (s *site) uspsTrack(w http.ResponseWriter, r *http.Request) {
	n := normNumber(r.PathValue("n"))
	if !numberFormats["usps"].MatchString(n) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"apiVersion": "/tracking/v3", "error": map[string]any{"code": "400",
			"message": "Invalid tracking number: " + n, "errors": []map[string]string{{"title": "Invalid tracking number", "detail": n, "code": "150002"}}}})
		return
	}
	p := s.track(n)
	if p == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"apiVersion": "/tracking/v3", "error": map[string]any{"code": "404",
			"message": uspsNotFound, "errors": []map[string]string{{"title": uspsNotFound, "detail": "", "code": "150001"}}}})
		return
	}
	now := s.sb.Now()
	evs := newestFirst(p, now)
	detail := r.URL.Query().Get("expand") != "SUMMARY"
	var tev []any
	for _, e := range evs {
		ce := carrierEvents["usps"][e.Step]
		tev = append(tev, map[string]any{"eventType": ce.Desc, "eventTimestamp": e.Time.UTC().Format("2006-01-02T15:04:05"),
			"GMTTimestamp": e.Time.UTC().Format(time.RFC3339), "GMTOffset": "+00:00", "eventCountry": nilIf(e.Place.Country == "US", e.Place.Country),
			"eventCity": e.Place.City, "eventState": nilIf(e.Place.State == "", e.Place.State), "eventZIP": nilIf(e.Place.Postal == "", e.Place.Postal),
			"firm": nil, "name": nil, "authorizedAgent": "false", "eventCode": ce.Code, "additionalProp": nil})
	}
	out := map[string]any{"trackingNumber": n, "mailClass": p.Service, "mailType": "DM",
		"originCity": p.Origin.City, "originState": p.Origin.State, "originZIP": p.Origin.Postal,
		"destinationCity": p.Destination.City, "destinationState": p.Destination.State, "destinationZIP": p.Destination.Postal,
		"emailEnabled": "true", "proofOfDeliveryEnabled": "false", "restoreEnabled": "false", "RRAMEnabled": "false", "RREEnabled": "false",
		"services": []string{"USPS Tracking"}, "serviceTypeCode": n[2:5], "tableCode": "T", "uniqueMailPieceID": n[len(n)-9:],
		"mailPieceIntakeDate": p.ShipDate.UTC().Format("2006-01-02 15:04:05.000000")}
	if len(evs) > 0 {
		ce := carrierEvents["usps"][evs[0].Step]
		out["status"], out["statusCategory"] = ce.Desc, ce.Type
		out["statusSummary"] = fmt.Sprintf("Your item status is %q as of %s in %s.", ce.Desc, evs[0].Time.UTC().Format("January 2, 2006 at 3:04 pm"), evs[0].Place.City)
	}
	if _, ok := delivered(evs); !ok {
		out["expectedDeliveryTimeStamp"] = p.EstimatedDelivery.UTC().Format("2006-01-02T15:04:05")
	}
	if detail {
		out["trackingEvents"] = tev
	}
	writeJSON(w, http.StatusOK, out)
}

func nilIf(cond bool, v string) any {
	if cond {
		return nil
	}
	return v
}

func dhlAddress(p Place) map[string]any {
	return map[string]any{"address": map[string]any{"countryCode": p.Country, "postalCode": p.Postal, "addressLocality": p.City}}
}

func (s *site) dhlTrack(w http.ResponseWriter, r *http.Request) {
	n := normNumber(r.URL.Query().Get("trackingNumber"))
	if n == "" {
		writeProblem(w, http.StatusBadRequest, map[string]any{"title": "Bad request", "status": 400,
			"detail": "The trackingNumber query parameter is required."})
		return
	}
	p := s.track(n)
	if p == nil {
		writeProblem(w, http.StatusNotFound, map[string]any{"title": "No result found", "status": 404,
			"detail": "No shipment with given tracking number found.", "instance": "/shipment/" + n})
		return
	}
	now := s.sb.Now()
	evs := newestFirst(p, now)
	var events []any
	for _, e := range evs {
		ce := carrierEvents["dhl"][e.Step]
		events = append(events, map[string]any{"timestamp": e.Time.UTC().Format("2006-01-02T15:04:05"), "location": dhlAddress(e.Place),
			"statusCode": ce.Type, "status": ce.Code, "description": ce.Desc})
	}
	sh := map[string]any{"id": n, "service": "express", "origin": dhlAddress(p.Origin), "destination": dhlAddress(p.Destination),
		"details": map[string]any{"product": map[string]any{"productName": p.Service}, "totalNumberOfPieces": 1,
			"pieceIds": []string{"JD0177" + n + "01"}, "references": map[string]any{"number": p.OrderID, "type": "customer-reference"}},
		"events": events}
	if len(evs) > 0 {
		sh["status"] = events[0]
	}
	if _, ok := delivered(evs); !ok {
		sh["estimatedTimeOfDelivery"] = p.EstimatedDelivery.UTC().Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, map[string]any{"url": "/shipments?trackingNumber=" + n + "&offset=0&limit=5", "shipments": []any{sh}})
}

// ---- tracking page data (what the page's own script fetches) ----

type pageEvent struct {
	Time     time.Time `json:"time"`
	Code     string    `json:"code"`
	Desc     string    `json:"desc"`
	Location string    `json:"location"`
}

func placeText(p Place) string {
	parts := []string{p.City}
	if p.State != "" {
		parts = append(parts, p.State)
	}
	return strings.Join(parts, ", ") + " " + p.Country
}

func (s *site) trackData(w http.ResponseWriter, r *http.Request) {
	n := normNumber(r.URL.Query().Get("n"))
	p := s.track(n)
	if p == nil {
		writeJSON(w, http.StatusOK, map[string]any{"number": n, "found": false})
		return
	}
	evs := newestFirst(p, s.sb.Now())
	out := map[string]any{"number": n, "found": true, "service": p.Service}
	var list []pageEvent
	for _, e := range evs {
		ce := carrierEvents[s.name][e.Step]
		code := ce.Code
		switch s.name {
		case "dhl", "fedex":
			code = ce.Type
		case "ups":
			code = ce.StatusCode
		}
		list = append(list, pageEvent{Time: e.Time, Code: code, Desc: ce.Desc, Location: placeText(e.Place)})
	}
	out["events"] = list
	if len(list) > 0 {
		out["status"] = list[0].Desc
	}
	if t, ok := delivered(evs); ok {
		out["delivered"] = t
	} else {
		out["eta"] = p.EstimatedDelivery
	}
	writeJSON(w, http.StatusOK, out)
}

// trackPaths are each carrier's public tracking URL idioms; /track?n= works on all.
var trackPaths = map[string]struct{ path, param string }{
	"ups":   {"/track", "tracknum"},
	"fedex": {"/fedextrack/", "trknbr"},
	"usps":  {"/go/TrackConfirmAction", "tLabels"},
	"dhl":   {"/en/home/tracking.html", "tracking-id"},
}

var carrierTitles = map[string]string{"ups": "UPS", "fedex": "FedEx", "usps": "USPS", "dhl": "DHL"}

// trackDelay is how long each tracking page's script waits before it
// fetches and renders the timeline, in milliseconds.
var trackDelay = map[string]int{"ups": 600, "fedex": 900, "usps": 500, "dhl": 750}

func (s *site) trackPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n := q.Get("n")
	if n == "" {
		n = q.Get(trackPaths[s.name].param)
	}
	n = normNumber(n)
	cfg := map[string]any{"number": n, "carrier": s.name, "delay": trackDelay[s.name], "data": "/track/data?n=" + n,
		"classes": json.RawMessage(classTable(s.variant())), "variant": s.variant()}
	s.render(w, r, http.StatusOK, "carrier/track", map[string]any{"Title": carrierTitles[s.name] + " Tracking", "Number": n,
		"Carrier": carrierTitles[s.name], "Config": cfg})
}

func mountCarrier(s *site) {
	s.handle("GET /{$}", kindPage, func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "carrier/home", map[string]any{"Title": carrierTitles[s.name], "Carrier": carrierTitles[s.name]})
	})
	s.handle("GET /track/data", kindXHR, s.trackData)
	if tp := trackPaths[s.name]; tp.path != "/track" {
		s.handle("GET "+tp.path, kindPage, s.trackPage)
	}
	s.handle("GET /track", kindPage, s.trackPage)
	switch s.name {
	case "ups":
		s.handle("POST /security/v1/oauth/token", kindAPI, s.tokenHandler)
		s.handle("GET /api/track/v1/details/{n}", kindAPI, s.apiGuard(s.upsTrack))
	case "fedex":
		s.handle("POST /oauth/token", kindAPI, s.tokenHandler)
		s.handle("POST /track/v1/trackingnumbers", kindAPI, s.apiGuard(s.fedexTrack))
	case "usps":
		s.handle("POST /oauth2/v3/token", kindAPI, s.tokenHandler)
		s.handle("GET /tracking/v3/tracking/{n}", kindAPI, s.apiGuard(s.uspsTrack))
	case "dhl":
		s.handle("GET /track/shipments", kindAPI, s.apiGuard(s.dhlTrack))
	}
	mountClaims(s)
}
