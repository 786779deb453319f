// Package worldseed stores parts of the sandbox's world in a database, as
// an order sync and a tracking run would store them, for tests that start
// from a known world without driving the browser through every page: the
// orders of a store, their parcels' tracking as visible at the sandbox's
// clock, and the buyers' visible threads.
package worldseed

import (
	"context"
	"fmt"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
)

// StepTags maps the sandbox's carrier-neutral steps to the taxonomy tag
// and subtag a carrier's tracking reports for them.
var StepTags = map[string][2]string{
	"label":            {string(carriers.InfoReceived), ""},
	"pickup":           {string(carriers.InTransit), ""},
	"depart":           {string(carriers.InTransit), ""},
	"arrive":           {string(carriers.InTransit), ""},
	"customs":          {string(carriers.Exception), string(carriers.ExceptionCustomsDelay)},
	"out_for_delivery": {string(carriers.OutForDelivery), ""},
	"delivered":        {string(carriers.Delivered), ""},
	"delivery_failed":  {string(carriers.AttemptFail), ""},
	"damaged":          {string(carriers.Exception), string(carriers.ExceptionDamaged)},
	"lost":             {string(carriers.Exception), string(carriers.ExceptionLost)},
	"return":           {string(carriers.Exception), string(carriers.ExceptionReturning)},
	"returned":         {string(carriers.Exception), string(carriers.ExceptionReturned)},
}

// Track stores a parcel's tracking with the events visible at the
// sandbox's clock, linked to the stored order orderID.
func Track(ctx context.Context, db *localdb.DB, sb *sandbox.Sandbox, p *sandbox.Parcel, orderID int64) error {
	now := sb.Now()
	r := localdb.TrackResult{Courier: p.Carrier, TrackingNumber: p.TrackingNumber, OrderID: orderID, Service: p.Service,
		ShipDate: p.ShipDate, EstimatedDelivery: p.EstimatedDelivery, Source: localdb.SourceAPI, CheckedAt: now}
	for _, e := range p.VisibleEvents(now) {
		tg := StepTags[e.Step]
		r.Events = append(r.Events, localdb.TrackingEvent{Time: e.Time, Tag: tg[0], Subtag: tg[1], RawCode: e.Step,
			Location: e.Place.City + " " + e.Place.Country, Description: e.Step})
		r.Tag, r.Subtag = tg[0], tg[1]
	}
	if _, _, err := db.SaveTrackResult(ctx, r); err != nil {
		return fmt.Errorf("store tracking of %s: %w", p.TrackingNumber, err)
	}
	return nil
}

// Orders stores the shipped orders of the sandbox account (a store id of
// the world such as "amazon") that keep accepts, under the local store
// named store, with their parcels' tracking; it returns them.
func Orders(ctx context.Context, db *localdb.DB, sb *sandbox.Sandbox, store, account string,
	keep func(*sandbox.Order, *sandbox.Parcel) bool) ([]*sandbox.Order, error) {
	st, err := db.GetStoreByName(ctx, store)
	if err != nil {
		return nil, err
	}
	var out []*sandbox.Order
	for _, o := range sb.World().StoreOrders(account) {
		p := sb.World().Parcel(o.TrackingNumber)
		if p == nil || (keep != nil && !keep(o, p)) {
			continue
		}
		ord, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: o.ID, BuyerName: o.Buyer,
			Items: []localdb.OrderItem{{Title: o.Item, Quantity: 1, UnitPrice: o.Value}}, DeclaredValue: o.Value,
			Currency: o.Currency, ShipDate: o.ShipDate, Carrier: p.Carrier, Service: p.Service, TrackingNumber: p.TrackingNumber,
			OriginCountry: o.ShipFromCountry, DestinationCountry: o.ShipToCountry})
		if err != nil {
			return nil, fmt.Errorf("store order %s: %w", o.ID, err)
		}
		if err := Track(ctx, db, sb, p, ord.ID); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// Threads stores the threads of the sandbox account visible at the
// sandbox's clock, with their messages, under the local store named store.
func Threads(ctx context.Context, db *localdb.DB, sb *sandbox.Sandbox, store, account string) error {
	st, err := db.GetStoreByName(ctx, store)
	if err != nil {
		return err
	}
	now := sb.Now()
	for _, th := range sb.World().StoreThreads(account) {
		if !sb.ThreadVisible(th, now) {
			continue
		}
		var msgs []localdb.Message
		for _, m := range th.VisibleMessages(now) {
			dir := localdb.DirectionIn
			if m.From == "seller" {
				dir = localdb.DirectionOut
			}
			msgs = append(msgs, localdb.Message{MarketplaceMessageID: m.ID, Direction: dir, Sender: m.From, Body: m.Body,
				SentAt: m.Time, Language: th.Lang})
		}
		if _, err := db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: th.ID, MarketplaceOrderID: th.OrderID,
			BuyerName: th.Buyer, Subject: th.Subject, Language: th.Lang, Kind: localdb.KindMessage}, msgs); err != nil {
			return fmt.Errorf("store thread %s: %w", th.ID, err)
		}
	}
	return nil
}

// Silent keeps the parcels the world left quiet for days (stalled, or
// lost) whose buyers never write, now or later.
func Silent(sb *sandbox.Sandbox) func(*sandbox.Order, *sandbox.Parcel) bool {
	wrote := map[string]bool{}
	for _, th := range sb.World().Threads {
		wrote[th.OrderID] = true
	}
	return func(o *sandbox.Order, p *sandbox.Parcel) bool {
		return (p.State == sandbox.ParcelStalled || p.State == sandbox.ParcelLost) && !wrote[o.ID]
	}
}
