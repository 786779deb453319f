package sandbox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// DefaultStart is the sandbox clock's start when Options.Start is zero: a
// fixed Wednesday morning, so that worlds are reproducible.
var DefaultStart = time.Date(2026, time.March, 4, 9, 0, 0, 0, time.UTC)

// Parcel states present in every world.
const (
	ParcelDelivered      = "delivered"
	ParcelInTransit      = "in_transit"
	ParcelOutForDelivery = "out_for_delivery"
	ParcelStalled        = "stalled"
	ParcelLost           = "lost"
	ParcelDamaged        = "damaged"
	ParcelReturned       = "returned"
	ParcelCustoms        = "customs"
)

// ParcelStates lists every parcel state the world generator uses.
var ParcelStates = []string{ParcelDelivered, ParcelInTransit, ParcelOutForDelivery, ParcelStalled,
	ParcelLost, ParcelDamaged, ParcelReturned, ParcelCustoms}

// Marketplaces and carriers served by the sandbox.
var (
	Marketplaces = []string{"amazon", "ebay", "tiktok"}
	Carriers     = []string{"ups", "fedex", "usps", "dhl"}
	Languages    = []string{"en", "de", "fr", "es", "ja"}
)

// World is the seeded data behind every site. Treat it as read-only.
type World struct {
	Seed    int64     `json:"seed"`
	Start   time.Time `json:"start"`
	Stores  []Store   `json:"stores"`
	Orders  []*Order  `json:"orders"`
	Parcels []*Parcel `json:"parcels"`
	Threads []*Thread `json:"threads"`
	// CrossBorder are the parcels of the cross-border carriers (see
	// CrossBorderCarriers), served by the 17TRACK stand-in only. They belong
	// to no order.
	CrossBorder []*Parcel `json:"cross_border"`

	orderByID    map[string]*Order
	parcelByNum  map[string]*Parcel
	threadByID   map[string]*Thread
	attachByID   map[string]*Attachment
	threadsBySt  map[string][]*Thread
	ordersBySt   map[string][]*Order
	attachThread map[string]*Thread
}

// Store is one seller account on a marketplace.
type Store struct {
	ID          string `json:"id"` // also the Account name: "amazon", "amazon-2", ...
	Marketplace string `json:"marketplace"`
	Name        string `json:"name"`
}

// Order is one buyer order.
type Order struct {
	ID             string    `json:"id"`
	Marketplace    string    `json:"marketplace"`
	StoreID        string    `json:"store_id"`
	Buyer          string    `json:"buyer"`
	Lang           string    `json:"lang"`
	Item           string    `json:"item"`
	Value          int64     `json:"-"` // minor units of Currency (ISO 4217)
	Currency       string    `json:"currency"`
	Placed         time.Time `json:"placed"`
	Shipped        bool      `json:"shipped"`
	ShipDate       time.Time `json:"ship_date,omitzero"`
	Carrier        string    `json:"carrier,omitempty"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	// ShipFromCountry and ShipToCountry are the ISO 3166-1 alpha-2 codes of
	// the address the parcel left from and the buyer's address, as order
	// pages show them (Amazon's ship-from and ship-to, TikTok Shop's
	// warehouse and recipient_address.region_code).
	ShipFromCountry string `json:"ship_from_country,omitempty"`
	ShipToCountry   string `json:"ship_to_country,omitempty"`
}

// Parcel is one shipped package and its full event history, including
// events dated after the clock's start that become visible as it advances.
type Parcel struct {
	TrackingNumber    string          `json:"tracking_number"`
	Carrier           string          `json:"carrier"`
	Service           string          `json:"service"`
	OrderID           string          `json:"order_id"`
	Marketplace       string          `json:"marketplace"`
	State             string          `json:"state"` // final state of the seeded story, one of ParcelStates
	DeclaredValue     int64           `json:"-"`     // minor units of Currency (ISO 4217)
	Currency          string          `json:"currency"`
	ShipDate          time.Time       `json:"ship_date"`
	EstimatedDelivery time.Time       `json:"estimated_delivery"`
	Origin            Place           `json:"origin"`
	Destination       Place           `json:"destination"`
	Events            []TrackingEvent `json:"events"` // oldest first
}

// Place is a city and country.
type Place struct {
	City    string `json:"city"`
	State   string `json:"state,omitempty"`
	Postal  string `json:"postal,omitempty"`
	Country string `json:"country"`
}

// TrackingEvent is one scan. Step is the carrier-neutral kind of the event
// (label, pickup, depart, arrive, customs, out_for_delivery, delivered,
// damaged, lost, return, returned); each carrier renders it with its own codes.
type TrackingEvent struct {
	Time  time.Time `json:"time"`
	Step  string    `json:"step"`
	Place Place     `json:"place"`
}

// Thread is one buyer conversation.
type Thread struct {
	ID          string     `json:"id"`
	Marketplace string     `json:"marketplace"`
	StoreID     string     `json:"store_id"`
	OrderID     string     `json:"order_id"`
	Buyer       string     `json:"buyer"`
	Lang        string     `json:"lang"`
	Kind        string     `json:"kind"` // where, damage, question, return, case, cancel
	Subject     string     `json:"subject"`
	Messages    []*Message `json:"messages"` // oldest first
}

// Message is one message of a thread in the seeded world.
type Message struct {
	ID          string        `json:"id"`
	From        string        `json:"from"` // "buyer" or "seller"
	Body        string        `json:"body"`
	Time        time.Time     `json:"time"`
	Attachments []*Attachment `json:"attachments,omitempty"`
}

// Attachment is a photo a buyer sent, served as a small generated PNG.
type Attachment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
}

// Order returns the order with the given id, or nil.
func (w *World) Order(id string) *Order { return w.orderByID[id] }

// Parcel returns the parcel with the given tracking number, or nil.
func (w *World) Parcel(number string) *Parcel { return w.parcelByNum[number] }

// Thread returns the thread with the given id, or nil.
func (w *World) Thread(id string) *Thread { return w.threadByID[id] }

// StoreThreads returns a store's threads, all of them, newest first message first.
func (w *World) StoreThreads(storeID string) []*Thread { return w.threadsBySt[storeID] }

// StoreOrders returns a store's orders, newest first.
func (w *World) StoreOrders(storeID string) []*Order { return w.ordersBySt[storeID] }

// VisibleEvents returns the events of p dated at or before now.
func (p *Parcel) VisibleEvents(now time.Time) []TrackingEvent {
	n := 0
	for n < len(p.Events) && !p.Events[n].Time.After(now) {
		n++
	}
	return p.Events[:n]
}

// VisibleMessages returns the messages of t dated at or before now.
func (t *Thread) VisibleMessages(now time.Time) []*Message {
	n := 0
	for n < len(t.Messages) && !t.Messages[n].Time.After(now) {
		n++
	}
	return t.Messages[:n]
}

// Visible reports whether the thread's first message has arrived by now.
func (t *Thread) Visible(now time.Time) bool {
	return len(t.Messages) > 0 && !t.Messages[0].Time.After(now)
}

// LastBuyerMessage returns the time of the newest buyer message visible at now.
func (t *Thread) LastBuyerMessage(now time.Time) time.Time {
	var last time.Time
	for _, m := range t.VisibleMessages(now) {
		if m.From == "buyer" {
			last = m.Time
		}
	}
	return last
}

var (
	storeNames = []string{"Kinoko Goods", "Northwind Crafts", "Blue Heron Supply", "Atelier Moreau",
		"Sakura Trading", "Fjord & Pine", "Casa Lumen", "Tiny Forge", "Alder Lane", "Mondo Vinyl"}
	items = []string{"Ceramic pour-over set", "Merino wool scarf", "Brass desk lamp", "Cast iron skillet",
		"Linen tablecloth", "Mechanical keyboard", "Vintage film camera", "Bamboo cutting board",
		"Leather card wallet", "Handmade tea bowl", "Wireless earbuds", "Hiking daypack", "Silk pillowcase",
		"Glass terrarium", "Walnut phone stand", "Espresso grinder"}
	buyerNames = map[string][]string{
		"en": {"Emily Carter", "James Walker", "Olivia Bennett", "Noah Turner", "Ava Mitchell", "Liam Brooks"},
		"de": {"Lukas Schneider", "Anna Fischer", "Jonas Weber", "Lea Hoffmann", "Felix Wagner", "Mia Becker"},
		"fr": {"Camille Dubois", "Lucas Moreau", "Chloé Laurent", "Hugo Lefèvre", "Léa Girard", "Louis Roux"},
		"es": {"Lucía García", "Mateo Fernández", "Sofía Martínez", "Diego López", "Valentina Ruiz", "Pablo Romero"},
		"ja": {"佐藤 陽菜", "鈴木 蓮", "高橋 結衣", "田中 悠真", "伊藤 さくら", "渡辺 大翔"},
	}
	langCurrency = map[string][]string{"en": {"USD", "GBP"}, "de": {"EUR"}, "fr": {"EUR"}, "es": {"EUR"}, "ja": {"JPY"}}
	langPlaces   = map[string][]Place{
		"en": {{City: "PORTLAND", State: "OR", Postal: "97205", Country: "US"}, {City: "AUSTIN", State: "TX", Postal: "78701", Country: "US"}, {City: "LEEDS", Postal: "LS1 4AP", Country: "GB"}},
		"de": {{City: "MUENCHEN", Postal: "80331", Country: "DE"}, {City: "HAMBURG", Postal: "20095", Country: "DE"}},
		"fr": {{City: "LYON", Postal: "69002", Country: "FR"}, {City: "NANTES", Postal: "44000", Country: "FR"}},
		"es": {{City: "MADRID", Postal: "28013", Country: "ES"}, {City: "VALENCIA", Postal: "46001", Country: "ES"}},
		"ja": {{City: "OSAKA", Postal: "530-0001", Country: "JP"}, {City: "SAPPORO", Postal: "060-0001", Country: "JP"}},
	}
	origins = []Place{{City: "SHENZHEN", Postal: "518000", Country: "CN"}, {City: "NEWARK", State: "NJ", Postal: "07102", Country: "US"},
		{City: "LOUISVILLE", State: "KY", Postal: "40209", Country: "US"}, {City: "LEIPZIG", Postal: "04435", Country: "DE"}}
	hubs = []Place{{City: "HONG KONG", Country: "HK"}, {City: "ANCHORAGE", State: "AK", Country: "US"}, {City: "KOELN", Country: "DE"},
		{City: "MEMPHIS", State: "TN", Country: "US"}, {City: "EAST MIDLANDS", Country: "GB"}, {City: "CINCINNATI", State: "OH", Country: "US"}}
	services = map[string][]string{
		"ups":   {"UPS Ground", "UPS Worldwide Saver", "UPS 2nd Day Air"},
		"fedex": {"FedEx International Priority", "FedEx Ground", "FedEx 2Day"},
		"usps":  {"USPS Ground Advantage", "Priority Mail", "Priority Mail Express"},
		"dhl":   {"DHL Express Worldwide", "DHL Express 12:00"},
	}
)

// stateWeights are the parcel-state odds, in ParcelStates order.
var stateWeights = []int{40, 14, 6, 10, 7, 8, 5, 10}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// takenSet holds the ids and tracking numbers a world has given out.
type takenSet map[string]bool

// fresh calls gen until it gives a value not taken yet, takes it and
// returns it.
func (u takenSet) fresh(gen func() string) string {
	for {
		s := gen()
		if !u[s] {
			u[s] = true
			return s
		}
	}
}

// generateWorld builds the world for a seed. The same inputs always give
// the same world.
func generateWorld(seed int64, start time.Time, storesPerMarket, ordersPerStore int) *World {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	w := &World{Seed: seed, Start: start,
		orderByID: map[string]*Order{}, parcelByNum: map[string]*Parcel{}, threadByID: map[string]*Thread{},
		attachByID: map[string]*Attachment{}, threadsBySt: map[string][]*Thread{}, ordersBySt: map[string][]*Order{},
		attachThread: map[string]*Thread{}}
	used := takenSet{}
	unique := used.fresh
	for _, m := range Marketplaces {
		for i := 1; i <= storesPerMarket; i++ {
			id := m
			if i > 1 {
				id = fmt.Sprintf("%s-%d", m, i)
			}
			st := Store{ID: id, Marketplace: m, Name: pick(r, storeNames)}
			w.Stores = append(w.Stores, st)
			var orders []*Order
			for range ordersPerStore {
				o := w.newOrder(r, st, start, unique)
				orders = append(orders, o)
			}
			sort.SliceStable(orders, func(a, b int) bool { return orders[a].Placed.After(orders[b].Placed) })
			w.ordersBySt[id] = orders
			w.Orders = append(w.Orders, orders...)
			var threads []*Thread
			for range ordersPerStore {
				o := orders[r.IntN(len(orders))]
				threads = append(threads, w.newThread(r, st, o, start, unique))
			}
			sort.SliceStable(threads, func(a, b int) bool {
				return threads[a].Messages[0].Time.After(threads[b].Messages[0].Time)
			})
			w.threadsBySt[id] = threads
			w.Threads = append(w.Threads, threads...)
		}
	}
	for _, o := range w.Orders {
		w.orderByID[o.ID] = o
	}
	for _, p := range w.Parcels {
		w.parcelByNum[p.TrackingNumber] = p
	}
	for _, t := range w.Threads {
		w.threadByID[t.ID] = t
		for _, m := range t.Messages {
			for _, a := range m.Attachments {
				w.attachByID[a.ID] = a
				w.attachThread[a.ID] = t
			}
		}
	}
	w.addCrossBorder(seed, start)
	return w
}

func (w *World) newOrder(r *rand.Rand, st Store, start time.Time, unique func(func() string) string) *Order {
	o := orderBasics(r, st, unique)
	state := ParcelStates[weighted(r, stateWeights)]
	// Ship age depends on the story the parcel tells.
	var age time.Duration
	switch state {
	case ParcelInTransit, ParcelCustoms:
		age = hours(24 + r.Float64()*96)
	case ParcelOutForDelivery:
		age = hours(48 + r.Float64()*72)
	case ParcelStalled:
		age = hours(24 * (9 + r.Float64()*18))
	case ParcelLost:
		age = hours(24 * (18 + r.Float64()*30))
	default:
		age = hours(24 * (4 + r.Float64()*40))
	}
	o.ShipDate = start.Add(-age).Truncate(time.Minute)
	o.Placed = o.ShipDate.Add(-hours(2 + r.Float64()*40)).Truncate(time.Minute)
	if r.IntN(100) < 8 { // not shipped yet
		o.Placed = start.Add(-hours(1 + r.Float64()*60)).Truncate(time.Minute)
		o.ShipDate = time.Time{}
		return o
	}
	w.ship(r, o, state, start, unique)
	return o
}

// orderBasics draws an order's buyer, item, id and value.
func orderBasics(r *rand.Rand, st Store, unique func(func() string) string) *Order {
	lang := Languages[weighted(r, []int{40, 15, 15, 15, 15})]
	o := &Order{Marketplace: st.Marketplace, StoreID: st.ID, Lang: lang, Buyer: pick(r, buyerNames[lang]),
		Item: pick(r, items), Currency: pick(r, langCurrency[lang])}
	switch st.Marketplace {
	case "amazon":
		o.ID = unique(func() string { return fmt.Sprintf("11%d-%s-%s", r.IntN(10), digits(r, 7), digits(r, 7)) })
	case "ebay":
		o.ID = unique(func() string { return fmt.Sprintf("%s-%s-%s", digits(r, 2), digits(r, 5), digits(r, 5)) })
	default:
		o.ID = unique(func() string { return "57" + digits(r, 16) })
	}
	// Some English-speaking buyers pay in Kuwaiti dinars (three decimals per
	// ISO 4217): half of the GBP orders by the parity of their id, which
	// draws nothing from r, so the rest of the world stays as it was.
	if o.Currency == "GBP" && o.ID[len(o.ID)-1]%2 == 0 {
		o.Currency = "KWD"
	}
	// Minor units: 8.00 to 399.99 in two-decimal currencies, 0.800 to
	// 39.999 KWD, 1,000 to 60,900 JPY.
	o.Value = int64(800 + r.IntN(39200))
	if o.Currency == "JPY" {
		o.Value = int64(1000 + 100*r.IntN(600))
	}
	return o
}

// ship hands the order to a carrier on its ship date: its parcel, with the
// scan history of the story state tells.
func (w *World) ship(r *rand.Rand, o *Order, state string, start time.Time, unique func(func() string) string) {
	o.Shipped = true
	o.Carrier = pick(r, Carriers)
	o.TrackingNumber = unique(func() string { return newTrackingNumber(r, o.Carrier) })
	p := &Parcel{TrackingNumber: o.TrackingNumber, Carrier: o.Carrier, Service: pick(r, services[o.Carrier]),
		OrderID: o.ID, Marketplace: o.Marketplace, State: state, DeclaredValue: o.Value, Currency: o.Currency,
		ShipDate: o.ShipDate, Origin: pick(r, origins), Destination: pick(r, langPlaces[o.Lang])}
	o.ShipFromCountry, o.ShipToCountry = p.Origin.Country, p.Destination.Country
	p.EstimatedDelivery = o.ShipDate.Add(hours(24 * float64(3+r.IntN(5)))).Truncate(24 * time.Hour)
	p.Events = storyEvents(r, p, start)
	w.Parcels = append(w.Parcels, p)
}

// laterOrderEvery is how far apart a store's orders placed after the start
// are: the k-th comes about k times this after the start.
const laterOrderEvery = 6 * time.Hour

// addLaterOrders gives every store n orders placed after the start, one
// about every laterOrderEvery, each shipped 8 to 24 hours after it was
// placed: they show on the sites as the clock reaches them, first without
// and then with their parcel. They come from a random source of their own,
// so that the rest of the world is the same with them or without.
func (w *World) addLaterOrders(seed int64, start time.Time, n int) {
	if n <= 0 {
		return
	}
	r := rand.New(rand.NewPCG(uint64(seed)^0x1a7e0d, 0x0dde45))
	used := takenSet{}
	for _, o := range w.Orders {
		used[o.ID] = true
	}
	for _, p := range w.Parcels {
		used[p.TrackingNumber] = true
	}
	for _, p := range w.CrossBorder {
		used[p.TrackingNumber] = true
	}
	unique := used.fresh
	for _, st := range w.Stores {
		var later []*Order
		for k := n; k >= 1; k-- { // newest first, as StoreOrders lists them
			o := orderBasics(r, st, unique)
			o.Placed = start.Add(time.Duration(k)*laterOrderEvery - hours(r.Float64()*2)).Truncate(time.Minute)
			o.ShipDate = o.Placed.Add(hours(8 + r.Float64()*16)).Truncate(time.Minute)
			w.ship(r, o, pick(r, []string{ParcelDelivered, ParcelInTransit}), start, unique)
			later = append(later, o)
		}
		w.ordersBySt[st.ID] = append(later, w.ordersBySt[st.ID]...)
		w.Orders = append(w.Orders, later...)
		for _, o := range later {
			w.orderByID[o.ID] = o
		}
	}
	for _, p := range w.Parcels {
		w.parcelByNum[p.TrackingNumber] = p
	}
}

// PlacedBy reports whether the buyer had placed the order by now: an order
// placed later is on no site yet.
func (o *Order) PlacedBy(now time.Time) bool { return !o.Placed.After(now) }

// At is the order as the sites show it at now: before its ship date it has
// no carrier, tracking number or ship date yet.
func (o *Order) At(now time.Time) *Order {
	if !o.Shipped || !o.ShipDate.After(now) {
		return o
	}
	c := *o
	c.Shipped, c.ShipDate, c.Carrier, c.TrackingNumber = false, time.Time{}, "", ""
	c.ShipFromCountry, c.ShipToCountry = "", ""
	return &c
}

// storyEvents writes the scan history of a parcel. Events after start are
// the future: they appear as the clock advances.
func storyEvents(r *rand.Rand, p *Parcel, start time.Time) []TrackingEvent {
	t := p.ShipDate.Add(-hours(2 + r.Float64()*6))
	var ev []TrackingEvent
	add := func(step string, place Place, gap float64) {
		t = t.Add(hours(gap)).Truncate(time.Minute)
		ev = append(ev, TrackingEvent{Time: t, Step: step, Place: place})
	}
	hub := pick(r, hubs)
	add("label", p.Origin, 0)
	add("pickup", p.Origin, 2+r.Float64()*4)
	add("depart", p.Origin, 3+r.Float64()*5)
	add("arrive", hub, 6+r.Float64()*14)
	switch p.State {
	case ParcelDelivered, ParcelDamaged, ParcelInTransit, ParcelOutForDelivery, ParcelReturned, ParcelCustoms:
		if p.State == ParcelCustoms {
			add("customs", hub, 2+r.Float64()*6)
			// Released later, after the start for most worlds.
			t = maxTime(t, start).Add(hours(24 + r.Float64()*48))
			add("depart", hub, 0)
		} else {
			add("depart", hub, 3+r.Float64()*6)
		}
		add("arrive", p.Destination, 8+r.Float64()*20)
		if p.State == ParcelReturned {
			add("delivery_failed", p.Destination, 10+r.Float64()*10)
			add("return", p.Destination, 24+r.Float64()*48)
			add("returned", p.Origin, 48+r.Float64()*72)
			break
		}
		if p.State == ParcelDamaged && r.IntN(2) == 0 {
			add("damaged", p.Destination, 4+r.Float64()*8)
		}
		if p.State == ParcelOutForDelivery {
			t = maxTime(t, start.Add(-hours(3+r.Float64()*3)))
			add("out_for_delivery", p.Destination, 0)
			t = start
			add("delivered", p.Destination, 2+r.Float64()*5)
			break
		}
		if p.State == ParcelInTransit {
			t = maxTime(t, start.Add(-hours(10)))
			add("arrive", p.Destination, 6+r.Float64()*20)
		}
		add("out_for_delivery", p.Destination, 8+r.Float64()*10)
		add("delivered", p.Destination, 2+r.Float64()*6)
		if p.State == ParcelDamaged && ev[len(ev)-3].Step != "damaged" {
			add("damaged", p.Destination, 20+r.Float64()*30)
		}
	case ParcelStalled:
		// No scan since; the last one is days old.
	case ParcelLost:
		if r.IntN(2) == 0 {
			add("lost", hub, 24*(6+r.Float64()*8))
		}
	}
	return ev
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (w *World) newThread(r *rand.Rand, st Store, o *Order, start time.Time, unique func(func() string) string) *Thread {
	th := &Thread{Marketplace: st.Marketplace, StoreID: st.ID, OrderID: o.ID, Buyer: o.Buyer, Lang: o.Lang}
	switch st.Marketplace {
	case "amazon":
		th.ID = unique(func() string { return "A" + digits(r, 12) })
	case "ebay":
		th.ID = unique(func() string { return "2" + digits(r, 11) })
	default:
		th.ID = unique(func() string { return "7" + digits(r, 18) })
	}
	state := ""
	if o.Shipped {
		state = w.parcelState(o.TrackingNumber)
	}
	switch {
	case !o.Shipped:
		th.Kind = pick(r, []string{"where", "cancel"})
	case state == ParcelDamaged:
		th.Kind = "damage"
	case state == ParcelDelivered || state == ParcelReturned:
		th.Kind = pick(r, []string{"question", "return", "damage", "question"})
	default:
		th.Kind = "where"
	}
	if st.Marketplace == "ebay" && th.Kind == "where" && r.IntN(3) == 0 {
		th.Kind = "case" // an item-not-received case
	}
	tx := texts[th.Lang][th.Kind]
	th.Subject = fmt.Sprintf(tx.subject, o.ID)
	// When the buyer writes: after the order (after shipping for parcel
	// questions), mostly before the clock's start, a few still to come.
	from := o.Placed.Add(time.Hour)
	if o.Shipped {
		from = o.ShipDate.Add(hours(12))
	}
	if from.After(start) {
		from = start.Add(-time.Hour)
	}
	var first time.Time
	if r.IntN(100) < 12 {
		f := r.Float64()
		first = start.Add(hours(0.25 + 70*f*f)) // denser soon after the start
	} else {
		span := start.Sub(from)
		if span > 72*time.Hour {
			from = start.Add(-72 * time.Hour)
			span = 72 * time.Hour
		}
		first = from.Add(time.Duration(r.Float64() * float64(span)))
	}
	first = first.Truncate(time.Second)
	n := 0
	msg := func(from, body string, at time.Time) *Message {
		n++
		m := &Message{ID: fmt.Sprintf("%s-m%d", th.ID, n), From: from, Body: body, Time: at}
		th.Messages = append(th.Messages, m)
		return m
	}
	m := msg("buyer", fmt.Sprintf(pick(r, tx.bodies), o.Buyer, o.ID), first)
	if th.Kind == "damage" && r.IntN(100) < 75 {
		for k := range 1 + r.IntN(2) {
			m.Attachments = append(m.Attachments, &Attachment{ID: fmt.Sprintf("%s-p%d", m.ID, k+1),
				Name: fmt.Sprintf("photo_%d.png", k+1), ContentType: "image/png"})
		}
	}
	at := first
	if r.IntN(100) < 20 {
		at = at.Add(hours(1 + r.Float64()*8)).Truncate(time.Second)
		msg("seller", sellerTexts[th.Lang], at)
	}
	if r.IntN(100) < 40 {
		at = at.Add(hours(4 + r.Float64()*30)).Truncate(time.Second)
		msg("buyer", pick(r, followUps[th.Lang]), at)
	}
	return th
}

func (w *World) parcelState(number string) string {
	for i := len(w.Parcels) - 1; i >= 0; i-- {
		if w.Parcels[i].TrackingNumber == number {
			return w.Parcels[i].State
		}
	}
	return ""
}

type threadText struct {
	subject string
	bodies  []string
}

// texts holds the buyer messages per language and kind; %[1]s is the buyer,
// %[2]s the order id.
var texts = map[string]map[string]threadText{
	"en": {
		"where":    {"Where is my order %s?", []string{"Hi, this is %s. My order %s has not arrived yet and the tracking has not moved for days. Where is my parcel?", "Hello, could you tell me where my package is? Order %[2]s. Thanks, %[1]s"}},
		"damage":   {"Item arrived damaged - order %s", []string{"Hi, %s here. The parcel for order %s arrived today but the box was crushed and the item is broken. Photos attached.", "Hello, my order %[2]s arrived damaged. I attached photos of the damage. Regards, %[1]s"}},
		"question": {"Question about order %s", []string{"Hi, I'm %s. Does the item from order %s come with a warranty?", "Hello, quick question on order %[2]s: is there a care guide? - %[1]s"}},
		"return":   {"Return request for order %s", []string{"Hi, %s here. I would like to return the item from order %s, it is not what I expected.", "Hello, I want to send back order %[2]s. How do I start the return? %[1]s"}},
		"case":     {"Item not received - order %s", []string{"I am %s and I opened a case: order %s never arrived.", "Order %[2]s has not been delivered. I opened an item-not-received request. %[1]s"}},
		"cancel":   {"Cancel order %s", []string{"Hi, %s here. Please cancel order %s before it ships.", "Please cancel my order %[2]s, I ordered by mistake. %[1]s"}},
	},
	"de": {
		"where":    {"Wo ist meine Bestellung %s?", []string{"Hallo, hier ist %s. Meine Bestellung %s ist noch nicht angekommen und die Sendungsverfolgung bewegt sich seit Tagen nicht. Wo ist mein Paket?", "Guten Tag, können Sie mir sagen, wo mein Paket ist? Bestellung %[2]s. Danke, %[1]s"}},
		"damage":   {"Artikel beschädigt angekommen - Bestellung %s", []string{"Hallo, hier %s. Das Paket zur Bestellung %s kam heute an, aber der Karton war eingedrückt und der Artikel ist kaputt. Fotos anbei.", "Guten Tag, meine Bestellung %[2]s ist beschädigt angekommen. Ich habe Fotos vom Schaden angehängt. Grüße, %[1]s"}},
		"question": {"Frage zur Bestellung %s", []string{"Hallo, ich bin %s. Hat der Artikel aus Bestellung %s eine Garantie?", "Guten Tag, eine kurze Frage zu Bestellung %[2]s: gibt es eine Pflegeanleitung? - %[1]s"}},
		"return":   {"Rücksendung für Bestellung %s", []string{"Hallo, hier %s. Ich möchte den Artikel aus Bestellung %s zurückschicken, er entspricht nicht meinen Erwartungen.", "Guten Tag, ich möchte die Bestellung %[2]s zurücksenden. Wie starte ich die Rücksendung? %[1]s"}},
		"case":     {"Artikel nicht erhalten - Bestellung %s", []string{"Ich bin %s und habe einen Fall eröffnet: Bestellung %s ist nie angekommen.", "Bestellung %[2]s wurde nicht zugestellt. Ich habe einen Antrag gestellt. %[1]s"}},
		"cancel":   {"Bestellung %s stornieren", []string{"Hallo, hier %s. Bitte stornieren Sie die Bestellung %s vor dem Versand.", "Bitte stornieren Sie meine Bestellung %[2]s, ich habe mich vertan. %[1]s"}},
	},
	"fr": {
		"where":    {"Où est ma commande %s ?", []string{"Bonjour, c'est %s. Ma commande %s n'est toujours pas arrivée et le suivi ne bouge plus depuis des jours. Où est mon colis ?", "Bonjour, pouvez-vous me dire où se trouve mon colis ? Commande %[2]s. Merci, %[1]s"}},
		"damage":   {"Article arrivé endommagé - commande %s", []string{"Bonjour, ici %s. Le colis de la commande %s est arrivé aujourd'hui mais le carton était écrasé et l'article est cassé. Photos jointes.", "Bonjour, ma commande %[2]s est arrivée endommagée. J'ai joint des photos des dégâts. Cordialement, %[1]s"}},
		"question": {"Question sur la commande %s", []string{"Bonjour, je suis %s. L'article de la commande %s est-il garanti ?", "Bonjour, une petite question sur la commande %[2]s : existe-t-il un guide d'entretien ? - %[1]s"}},
		"return":   {"Demande de retour pour la commande %s", []string{"Bonjour, ici %s. Je souhaite retourner l'article de la commande %s, il ne correspond pas à mes attentes.", "Bonjour, je veux renvoyer la commande %[2]s. Comment faire le retour ? %[1]s"}},
		"case":     {"Article non reçu - commande %s", []string{"Je suis %s et j'ai ouvert un litige : la commande %s n'est jamais arrivée.", "La commande %[2]s n'a pas été livrée. J'ai ouvert une réclamation. %[1]s"}},
		"cancel":   {"Annuler la commande %s", []string{"Bonjour, ici %s. Merci d'annuler la commande %s avant l'expédition.", "Merci d'annuler ma commande %[2]s, je me suis trompé. %[1]s"}},
	},
	"es": {
		"where":    {"¿Dónde está mi pedido %s?", []string{"Hola, soy %s. Mi pedido %s todavía no ha llegado y el seguimiento no cambia desde hace días. ¿Dónde está mi paquete?", "Hola, ¿me pueden decir dónde está mi paquete? Pedido %[2]s. Gracias, %[1]s"}},
		"damage":   {"Artículo llegó dañado - pedido %s", []string{"Hola, soy %s. El paquete del pedido %s llegó hoy pero la caja estaba aplastada y el artículo está roto. Adjunto fotos.", "Hola, mi pedido %[2]s llegó dañado. He adjuntado fotos de los daños. Saludos, %[1]s"}},
		"question": {"Pregunta sobre el pedido %s", []string{"Hola, soy %s. ¿El artículo del pedido %s tiene garantía?", "Hola, una pregunta rápida sobre el pedido %[2]s: ¿hay una guía de cuidado? - %[1]s"}},
		"return":   {"Solicitud de devolución del pedido %s", []string{"Hola, soy %s. Quiero devolver el artículo del pedido %s, no es lo que esperaba.", "Hola, quiero devolver el pedido %[2]s. ¿Cómo inicio la devolución? %[1]s"}},
		"case":     {"Artículo no recibido - pedido %s", []string{"Soy %s y abrí un caso: el pedido %s nunca llegó.", "El pedido %[2]s no fue entregado. Abrí una reclamación. %[1]s"}},
		"cancel":   {"Cancelar el pedido %s", []string{"Hola, soy %s. Por favor cancelen el pedido %s antes del envío.", "Por favor cancelen mi pedido %[2]s, me equivoqué. %[1]s"}},
	},
	"ja": {
		"where":    {"注文 %s の荷物はどこですか", []string{"こんにちは、%sです。注文 %s がまだ届きません。追跡情報も何日も更新されていません。荷物はどこにありますか？", "お世話になります。注文 %[2]s の荷物の場所を教えてください。%[1]s"}},
		"damage":   {"商品が破損して届きました（注文 %s）", []string{"%sです。注文 %s の荷物が今日届きましたが、箱がつぶれていて商品が壊れていました。写真を添付します。", "注文 %[2]s の商品が破損して届きました。破損の写真を添付しました。%[1]s"}},
		"question": {"注文 %s についての質問", []string{"%sと申します。注文 %s の商品に保証はありますか？", "注文 %[2]s について質問です。お手入れ方法の説明書はありますか？ %[1]s"}},
		"return":   {"注文 %s の返品希望", []string{"%sです。注文 %s の商品を返品したいです。イメージと違いました。", "注文 %[2]s を返品したいのですが、手続きを教えてください。%[1]s"}},
		"case":     {"商品が届きません（注文 %s）", []string{"%sです。注文 %s が届かないためケースを開きました。", "注文 %[2]s が配達されていません。申請を出しました。%[1]s"}},
		"cancel":   {"注文 %s のキャンセル", []string{"%sです。発送前に注文 %s をキャンセルしてください。", "間違えて注文しました。注文 %[2]s をキャンセルしてください。%[1]s"}},
	},
}

var sellerTexts = map[string]string{
	"en": "Thank you for your message. We are looking into it and will get back to you shortly.",
	"de": "Vielen Dank für Ihre Nachricht. Wir prüfen das und melden uns in Kürze.",
	"fr": "Merci pour votre message. Nous vérifions et revenons vers vous rapidement.",
	"es": "Gracias por su mensaje. Lo estamos revisando y le responderemos pronto.",
	"ja": "ご連絡ありがとうございます。確認してすぐにご連絡いたします。",
}

var followUps = map[string][]string{
	"en": {"Any update on this please?", "I'm still waiting for an answer."},
	"de": {"Gibt es hierzu schon Neuigkeiten?", "Ich warte immer noch auf eine Antwort."},
	"fr": {"Avez-vous des nouvelles s'il vous plaît ?", "J'attends toujours une réponse."},
	"es": {"¿Hay alguna novedad, por favor?", "Sigo esperando una respuesta."},
	"ja": {"その後どうなりましたか？", "まだ返事をお待ちしています。"},
}

// stepText is the carrier-neutral wording of a step, used by tracking pages.
func stepText(step string) string {
	return strings.ReplaceAll(step, "_", " ")
}

// MarshalJSON writes the order with its value as a decimal string in the
// order's currency ("12.50", "4900", "12.345"), the way marketplace APIs
// write amounts.
func (o Order) MarshalJSON() ([]byte, error) {
	type plain Order
	return json.Marshal(struct {
		plain
		Value string `json:"value"`
	}{plain(o), money.FormatDecimal(o.Value, o.Currency)})
}

// MarshalJSON writes the parcel with its declared value as a decimal string.
func (p Parcel) MarshalJSON() ([]byte, error) {
	type plain Parcel
	return json.Marshal(struct {
		plain
		DeclaredValue string `json:"declared_value"`
	}{plain(p), money.FormatDecimal(p.DeclaredValue, p.Currency)})
}
