package insights

import (
	"context"
	"slices"
	"time"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
)

// The dashboard's and the morning report's insights section: the SLA per
// store against its marketplace's target, the first-response distribution,
// the reasons week by week, the worst SKUs and carriers, and the alerts.

// DashboardWindow is the window of the section, and DashboardWeeks how many
// weeks the reason lines cover.
const (
	DashboardWindow = 30 * 24 * time.Hour
	DashboardWeeks  = 8
	worstRows       = 5
)

// StoreSLA is one store's SLA against its marketplace's target (Target is
// nil where the marketplace publishes none).
type StoreSLA struct {
	Store       string   `json:"store"`
	Marketplace string   `json:"marketplace"`
	Due         int      `json:"sla_due"`
	Met         int      `json:"sla_met"`
	Target      *float64 `json:"target,omitempty"`
}

// Share is Met over Due, and false when nothing is due.
func (s StoreSLA) Share() (float64, bool) {
	if s.Due == 0 {
		return 0, false
	}
	return float64(s.Met) / float64(s.Due), true
}

// SKURow is a SKU ranked by its damage and where-is-my-order contacts.
type SKURow struct {
	SKU      string `json:"sku"`
	Orders   int    `json:"orders"`
	Damaged  int    `json:"damaged"`
	WISMO    int    `json:"where_is_order"`
	Contacts int    `json:"contacts"`
}

// Section is what the dashboard and the report show.
type Section struct {
	Since    time.Time               `json:"since"`
	Now      time.Time               `json:"now"`
	Stores   []StoreSLA              `json:"stores"`
	Buckets  map[string]int          `json:"frt_buckets"`
	Weekly   map[string][]float64    `json:"reasons_by_week"`
	SKUs     []SKURow                `json:"worst_skus"`
	Carriers []localdb.DeliveryGroup `json:"worst_carriers"`
	Alerts   []Alert                 `json:"alerts"`
	Report   *Report                 `json:"-"`
}

// LoadSection computes the section at now over DashboardWindow.
func LoadSection(ctx context.Context, db *localdb.DB, now time.Time) (*Section, error) {
	since := now.Add(-DashboardWindow)
	rep, err := Build(ctx, db, Query{Since: since, By: localdb.ByStore, Now: now})
	if err != nil {
		return nil, err
	}
	stores, err := db.ListStores(ctx)
	if err != nil {
		return nil, err
	}
	s := &Section{Since: since.UTC(), Now: now.UTC(), Buckets: map[string]int{}, Weekly: map[string][]float64{},
		Alerts: rep.Alerts, Report: rep}
	for _, b := range localdb.FRTBuckets {
		s.Buckets[b] = 0
	}
	byName := map[string]Group{}
	for _, g := range rep.Groups {
		byName[g.Group] = g
		for k, v := range g.FRTBuckets {
			s.Buckets[k] += v
		}
	}
	for _, st := range stores {
		g := byName[st.Name]
		row := StoreSLA{Store: st.Name, Marketplace: st.Marketplace, Due: g.SLADue, Met: g.SLAMet}
		if t, ok := messages.SLATarget(st.Marketplace); ok {
			row.Target = &t
		}
		s.Stores = append(s.Stores, row)
	}
	weeks, err := db.WeeklyReasons(ctx, now, DashboardWeeks)
	if err != nil {
		return nil, err
	}
	for _, r := range messages.Reasons {
		s.Weekly[r] = make([]float64, DashboardWeeks)
	}
	for _, w := range weeks {
		if line, ok := s.Weekly[w.Reason]; ok && w.Week >= 0 && w.Week < DashboardWeeks {
			line[w.Week] = float64(w.Contacts)
		}
	}
	cq := localdb.ContactQuery{From: since, By: localdb.BySKU}
	reasons, err := db.ContactReasons(ctx, cq)
	if err != nil {
		return nil, err
	}
	orders, err := db.OrdersPerGroup(ctx, cq)
	if err != nil {
		return nil, err
	}
	skus := map[string]*SKURow{}
	for _, r := range reasons {
		if r.Group == localdb.Unknown {
			continue
		}
		row := skus[r.Group]
		if row == nil {
			row = &SKURow{SKU: r.Group}
			skus[r.Group] = row
		}
		row.Contacts += r.Contacts
		switch r.Reason {
		case messages.ReasonDamaged:
			row.Damaged += r.Contacts
		case messages.ReasonWhereIsOrder:
			row.WISMO += r.Contacts
		}
	}
	for _, o := range orders {
		if row := skus[o.Group]; row != nil {
			row.Orders = o.Orders
		}
	}
	for _, row := range skus {
		if row.Damaged+row.WISMO > 0 {
			s.SKUs = append(s.SKUs, *row)
		}
	}
	slices.SortFunc(s.SKUs, func(a, b SKURow) int {
		if d := (b.Damaged + b.WISMO) - (a.Damaged + a.WISMO); d != 0 {
			return d
		}
		if a.SKU < b.SKU {
			return -1
		}
		return 1
	})
	s.SKUs = s.SKUs[:min(len(s.SKUs), worstRows)]
	carriers, err := db.DeliveryStats(ctx, localdb.DeliveryQuery{Since: since, By: localdb.ByCarrier})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(carriers, func(a, b localdb.DeliveryGroup) int {
		ea, eb := a.LostPer1000+a.DamagedPer1000, b.LostPer1000+b.DamagedPer1000
		switch {
		case ea != eb:
			if ea > eb {
				return -1
			}
			return 1
		case a.OnTimeRate != b.OnTimeRate:
			if a.OnTimeRate < b.OnTimeRate {
				return -1
			}
			return 1
		case a.Group < b.Group:
			return -1
		}
		return 1
	})
	s.Carriers = carriers[:min(len(carriers), worstRows)]
	if s.Stores == nil {
		s.Stores = []StoreSLA{}
	}
	if s.SKUs == nil {
		s.SKUs = []SKURow{}
	}
	return s, nil
}
