package sandbox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The 17TRACK stand-in: the tracking API v2.2 in its public shape
// (https://asset.17track.net/api/document/v2.2_en/index.html), serving
// every parcel of the world, and the cross-border parcels (YunExpress,
// China Post and the Chinese consolidators that post with S10 numbers)
// that only it serves.

// SeventeenSite is the stand-in's site name; its API root is
// URL("17track") + SeventeenAPIPath.
const (
	SeventeenSite    = "17track"
	SeventeenAPIPath = "/track/v2.2"
	// SeventeenRate is the documented request limit, about three a second
	// per key; a "rate" fault on the site sets another.
	SeventeenRate = 3
	// SeventeenMaxNumbers is the most numbers one call takes.
	SeventeenMaxNumbers = 40
	// crossBorderParcels is how many cross-border parcels every world has.
	crossBorderParcels = 60
)

// CrossBorderCarriers are the carriers of the cross-border parcels.
var CrossBorderCarriers = []string{"yunexpress", "chinapost", "yanwen", "cainiao", "4px"}

var crossBorderNames = map[string]string{"yunexpress": "YunExpress", "chinapost": "China Post", "yanwen": "Yanwen",
	"cainiao": "Cainiao", "4px": "4PX"}

var crossBorderServices = map[string][]string{
	"yunexpress": {"YunExpress Global Direct", "YunExpress Tracked Economy"},
	"chinapost":  {"ePacket", "China Post Registered Air Mail"},
	"yanwen":     {"Yanwen Special Line Tracked", "Yanwen Economy Air Mail"},
	"cainiao":    {"Cainiao Super Economy Global", "AliExpress Standard Shipping"},
	"4px":        {"4PX Singapore Post Registered", "4PX Global Priority"},
}

var cnOrigins = []Place{{City: "SHENZHEN", Postal: "518000", Country: "CN"}, {City: "GUANGZHOU", Postal: "510000", Country: "CN"},
	{City: "YIWU", Postal: "322000", Country: "CN"}, {City: "SHANGHAI", Postal: "200000", Country: "CN"}}

var cnHubs = []Place{{City: "GUANGZHOU INTERNATIONAL MAIL CENTRE", Country: "CN"}, {City: "BEIJING EXCHANGE OFFICE", Country: "CN"},
	{City: "HONG KONG", Country: "HK"}}

// s10Services are UPU S10 service indicators seen on cross-border posts
// (R registered, L tracked packet, C parcel, U untracked-plus, E EMS).
var s10Services = []string{"RR", "RB", "LX", "LY", "CP", "UA", "UB", "EA"}

// newS10Number returns a random S10 number of the country's post.
func newS10Number(r *rand.Rand, country string) string {
	return S10Number(pick(r, s10Services), digits(r, 8), country)
}

// S10Number completes an S10 number: service(2) + serial(8) + check +
// country. The check digit follows UPU S10: weights 8 6 4 2 3 5 9 7,
// 11 - sum mod 11, with 10 written as 0 and 11 as 5.
func S10Number(service, serial, country string) string {
	weights := []int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := range serial {
		sum += int(serial[i]-'0') * weights[i]
	}
	check := 11 - sum%11
	switch check {
	case 10:
		check = 0
	case 11:
		check = 5
	}
	return fmt.Sprintf("%s%s%d%s", service, serial, check, country)
}

// newYunExpressNumber returns a YunExpress waybill: YT and 16 digits.
func newYunExpressNumber(r *rand.Rand) string { return "YT" + digits(r, 16) }

// addCrossBorder adds the cross-border parcels. They come from a random
// stream of their own, after everything else is generated, so the rest of
// the world (orders, parcels, threads) is the same as without them.
func (w *World) addCrossBorder(seed int64, start time.Time) {
	r := rand.New(rand.NewPCG(uint64(seed)^0x17c0ffee17c0ffee, 0x1717))
	for range crossBorderParcels {
		carrier := pick(r, CrossBorderCarriers)
		var number string
		for number == "" || w.parcelByNum[number] != nil {
			if carrier == "yunexpress" {
				number = newYunExpressNumber(r)
			} else {
				number = newS10Number(r, "CN")
			}
		}
		lang := Languages[weighted(r, []int{40, 15, 15, 15, 15})]
		state := ParcelStates[weighted(r, stateWeights)]
		// Postal lanes out of China are slow: a week to five.
		age := hours(24 * (7 + r.Float64()*28))
		if state == ParcelInTransit || state == ParcelCustoms || state == ParcelOutForDelivery {
			age = hours(24 * (5 + r.Float64()*6))
		}
		ship := start.Add(-age).Truncate(time.Minute)
		p := &Parcel{TrackingNumber: number, Carrier: carrier, Service: pick(r, crossBorderServices[carrier]), State: state,
			DeclaredValue: int64(300 + r.IntN(6000)), Currency: "USD", ShipDate: ship,
			Origin: pick(r, cnOrigins), Destination: pick(r, langPlaces[lang])}
		p.EstimatedDelivery = ship.Add(hours(24 * float64(10+r.IntN(15)))).Truncate(24 * time.Hour)
		p.Events = storyEventsVia(r, p, start, pick(r, cnHubs))
		w.CrossBorder = append(w.CrossBorder, p)
		w.parcelByNum[number] = p
	}
}

// storyEventsVia is storyEvents with a hub of the origin's own post.
func storyEventsVia(r *rand.Rand, p *Parcel, start time.Time, hub Place) []TrackingEvent {
	ev := storyEvents(r, p, start)
	for i := range ev {
		if ev[i].Place.Country != p.Origin.Country && ev[i].Place.Country != p.Destination.Country {
			ev[i].Place = hub
		}
	}
	return ev
}

// seventeenEvent is how the stand-in words a step: its sub-status and text.
type seventeenEvent struct {
	SubStatus string
	Desc      string
}

// seventeenEvents are the stand-in's sub-status and words per step. depart
// and arrive read InTransit_Departure and InTransit_Arrival when the scan
// leaves the origin country or reaches the destination one.
var seventeenEvents = map[string]seventeenEvent{
	"label":            {"InfoReceived", "Electronic information received, item not yet handed over"},
	"pickup":           {"InTransit_PickedUp", "Item posted and collected by the carrier"},
	"depart":           {"InTransit_Other", "Departed from the transit hub"},
	"depart_origin":    {"InTransit_Departure", "Departure from outward office of exchange"},
	"arrive":           {"InTransit_Other", "Arrived at the sorting centre"},
	"arrive_dest":      {"InTransit_Arrival", "Arrival at inward office of exchange"},
	"customs":          {"InTransit_CustomsRequiringInformation", "Held by import customs: more information required for clearance"},
	"out_for_delivery": {"OutForDelivery_Other", "Out for delivery"},
	"delivered":        {"Delivered_Other", "Delivered to the addressee"},
	"delivery_failed":  {"DeliveryFailure_NoBody", "Delivery attempt failed, addressee absent"},
	"damaged":          {"Exception_Damage", "Item damaged in transit"},
	"lost":             {"Exception_Lost", "Item could not be located"},
	"return":           {"Exception_Returning", "Item on its way back to the sender"},
	"returned":         {"Exception_Returned", "Item returned and delivered to the sender"},
}

func seventeenWording(p *Parcel, e TrackingEvent) seventeenEvent {
	switch {
	case e.Step == "depart" && e.Place.Country == p.Origin.Country && p.Origin.Country != p.Destination.Country:
		return seventeenEvents["depart_origin"]
	case e.Step == "arrive" && e.Place.Country == p.Destination.Country && p.Origin.Country != p.Destination.Country:
		return seventeenEvents["arrive_dest"]
	}
	return seventeenEvents[e.Step]
}

// seventeenShapes are the number shapes the stand-in accepts without a
// parcel behind them (they are then NotFound, as a fresh number is).
var seventeenShapes = regexp.MustCompile(`^(YT\d{16}|[A-Z]{2}\d{9}[A-Z]{2}|1Z[0-9A-Z]{16}|\d{10,34})$`)

// seventeenState is the stand-in's memory: the numbers each key registered.
type seventeenState struct {
	mu         sync.Mutex
	registered map[string]bool
}

var seventeenStates sync.Map // *Sandbox -> *seventeenState

func (sb *Sandbox) seventeen() *seventeenState {
	v, _ := seventeenStates.LoadOrStore(sb, &seventeenState{registered: map[string]bool{}})
	return v.(*seventeenState)
}

// resetSeventeen forgets every registration (Reset).
func (sb *Sandbox) resetSeventeen() {
	st := sb.seventeen()
	st.mu.Lock()
	clear(st.registered)
	st.mu.Unlock()
}

func mountSeventeen(s *site) {
	s.handle("POST "+SeventeenAPIPath+"/register", kindAPI, s.seventeenGuard(s.seventeenRegister))
	s.handle("POST "+SeventeenAPIPath+"/gettrackinfo", kindAPI, s.seventeenGuard(s.seventeenTrackInfo))
}

// seventeenAnswer writes the v2.2 envelope.
func seventeenAnswer(w http.ResponseWriter, code int, accepted, rejected []any) {
	if accepted == nil {
		accepted = []any{}
	}
	if rejected == nil {
		rejected = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": code, "data": map[string]any{"accepted": accepted, "rejected": rejected}})
}

func seventeenRejected(number string, code int, msg string) any {
	return map[string]any{"number": number, "error": map[string]any{"code": code, "message": msg}}
}

// seventeenGuard checks the 17token key and the per-key rate, and reads the
// request's numbers; a body that is not a JSON array of numbers, or one of
// more than 40, is refused with the documented codes.
func (s *site) seventeenGuard(h func(http.ResponseWriter, []string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("17token")
		if key == "" || key != s.sb.accounts[SeventeenSite].APIKey {
			s.sb.st.count("api.17track.unauthorized")
			writeJSON(w, http.StatusUnauthorized, map[string]any{"code": -18010002, "data": map[string]any{
				"errors": []any{map[string]any{"code": -18010002, "message": "Invalid security key."}}}})
			return
		}
		rate := SeventeenRate
		if fc := s.sb.faultsFor(s.name); fc.RateLimit > 0 {
			rate = fc.RateLimit
		}
		if ok, wait := s.limiter.allow(key, rate); !ok {
			s.sb.st.count("api.17track.rate_limited")
			s.tooMany(w, r, kindAPI, wait)
			return
		}
		var items []struct {
			Number string `json:"number"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&items); err != nil || len(items) == 0 {
			writeJSON(w, http.StatusOK, map[string]any{"code": -18010013, "data": map[string]any{
				"errors": []any{map[string]any{"code": -18010013, "message": "Invalid submitted data."}}}})
			return
		}
		if len(items) > SeventeenMaxNumbers {
			s.sb.st.count("api.17track.over_limit")
			writeJSON(w, http.StatusOK, map[string]any{"code": -18010014, "data": map[string]any{
				"errors": []any{map[string]any{"code": -18010014, "message": "Tracking numbers exceed the 40 limit."}}}})
			return
		}
		nums := make([]string, len(items))
		for i, it := range items {
			nums[i] = normNumber(it.Number)
		}
		h(w, nums)
	}
}

func (s *site) seventeenRegister(w http.ResponseWriter, nums []string) {
	s.sb.st.count("api.17track.register")
	st := s.sb.seventeen()
	var acc, rej []any
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, n := range nums {
		switch {
		case st.registered[n]:
			rej = append(rej, seventeenRejected(n, -18019901, "Tracking number "+n+" is already registered."))
		case s.sb.world.Parcel(n) != nil || seventeenShapes.MatchString(n):
			st.registered[n] = true
			acc = append(acc, map[string]any{"origin": 1, "number": n})
		default:
			rej = append(rej, seventeenRejected(n, -18019903, "Carrier cannot be detected."))
		}
	}
	seventeenAnswer(w, 0, acc, rej)
}

func (s *site) seventeenTrackInfo(w http.ResponseWriter, nums []string) {
	s.sb.st.count("api.17track.gettrackinfo")
	st := s.sb.seventeen()
	now := s.sb.Now()
	var acc, rej []any
	for _, n := range nums {
		st.mu.Lock()
		ok := st.registered[n]
		st.mu.Unlock()
		if !ok {
			rej = append(rej, seventeenRejected(n, -18019902, "Tracking number "+n+" is not registered yet. Register first."))
			continue
		}
		s.sb.st.looked(n)
		acc = append(acc, map[string]any{"number": n, "carrier": 0, "param": nil, "tag": nil,
			"track_info": seventeenTrackInfo(s.sb.world.Parcel(n), now)})
	}
	seventeenAnswer(w, 0, acc, rej)
}

func seventeenPlace(p Place) string { return strings.Join(nonEmpty(p.City, p.State, p.Country), ", ") }

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// seventeenTrackInfo is a parcel's track_info; nil (a fresh or unknown
// number) is NotFound with no events.
func seventeenTrackInfo(p *Parcel, now time.Time) map[string]any {
	notFound := map[string]any{"latest_status": map[string]any{"status": "NotFound", "sub_status": "NotFound_Other", "sub_status_descr": nil},
		"latest_event": nil, "tracking": map[string]any{"providers": []any{}}}
	if p == nil {
		return notFound
	}
	evs := newestFirst(p, now)
	if len(evs) == 0 {
		return notFound
	}
	events := make([]any, 0, len(evs))
	for _, e := range evs {
		wd := seventeenWording(p, e)
		stage, _, _ := strings.Cut(wd.SubStatus, "_")
		events = append(events, map[string]any{"time_iso": e.Time.UTC().Format(time.RFC3339), "time_utc": e.Time.UTC().Format(time.RFC3339),
			"description": wd.Desc, "location": seventeenPlace(e.Place), "stage": stage, "sub_status": wd.SubStatus,
			"address": map[string]any{"country": e.Place.Country, "city": e.Place.City, "postal_code": e.Place.Postal}})
	}
	latest := seventeenWording(p, evs[0])
	status, _, _ := strings.Cut(latest.SubStatus, "_")
	name := crossBorderNames[p.Carrier]
	if name == "" {
		name = carrierTitles[p.Carrier]
	}
	info := map[string]any{
		"shipping_info": map[string]any{"shipper_address": map[string]any{"country": p.Origin.Country, "city": p.Origin.City},
			"recipient_address": map[string]any{"country": p.Destination.Country, "city": p.Destination.City, "postal_code": p.Destination.Postal}},
		"latest_status": map[string]any{"status": status, "sub_status": latest.SubStatus, "sub_status_descr": nil},
		"latest_event":  events[0],
		"misc_info":     map[string]any{"service_type": p.Service},
		"tracking": map[string]any{"providers": []any{map[string]any{
			"provider": map[string]any{"key": 0, "name": name, "country": p.Origin.Country}, "service_type": p.Service,
			"latest_sync_status": "Success", "events": events}}},
	}
	if _, done := delivered(evs); !done {
		eta := p.EstimatedDelivery.UTC().Format("2006-01-02")
		info["time_metrics"] = map[string]any{"estimated_delivery_date": map[string]any{"source": "Official", "from": eta, "to": eta}}
	}
	return info
}

// SeventeenAccount is the stand-in's API key, from a stream of its own so
// that the other accounts stay as they were.
func seventeenAccount(seed int64) Account {
	r := rand.New(rand.NewPCG(uint64(seed)^0x17a11, 0xacc17))
	const chars = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 32)
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return Account{Name: SeventeenSite, Site: SeventeenSite, APIKey: string(b)}
}
