package localdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Delivery performance per carrier and lane, the figures of AfterShip's
// delivery-performance analytics (transit time from the first scan to
// delivery, on-time share against the estimate, exceptions per 1,000
// parcels). On time is judged by the day, as marketplaces judge it (Walmart's
// on-time delivery summary counts orders delivered by their expected date:
// https://developer.walmart.com/us-marketplace/docs/retrieve-on-time-delivery-summary).
//
//   - First scan: the oldest tracking event whose tag says the carrier has
//     the parcel, i.e. any tag but Pending and InfoReceived (a label made
//     is not a scan). The parcels counted are those first scanned in the
//     window.
//   - Delivered: the oldest event tagged Delivered.
//   - On time: delivered on or before the estimated day (UTC calendar day,
//     as carriers give the estimate as a date); the share is over the
//     delivered parcels that had an estimate.
//   - Lost and damaged: the parcel's status or any of its events carries
//     the subtag (SubtagLost, SubtagDamaged).
//
// Quantiles are nearest-rank, as for response times.

// The taxonomy's subtags the delivery figures count (AfterShip's
// Exception_013 lost and Exception_012 damaged; carriers.ExceptionLost and
// carriers.ExceptionDamaged name the same codes, and a test holds them
// equal).
const (
	SubtagLost    = "Exception_013"
	SubtagDamaged = "Exception_012"
)

// shipmentGroups are, per grouping, a query of (shipment_id, grp): a
// parcel's carrier is its courier; its lane, country, store, marketplace
// and SKUs come from its order (Unknown without one).
var shipmentGroups = map[InsightsBy]string{
	ByCarrier: `SELECT sh.id AS shipment_id, sh.courier AS grp FROM shipments sh`,
	ByLane: `SELECT sh.id AS shipment_id, CASE WHEN o.id IS NULL THEN '` + Unknown + `->` + Unknown + `' ELSE ` + laneExpr + ` END AS grp
		FROM shipments sh LEFT JOIN orders o ON o.id = sh.order_id`,
	ByCountry: `SELECT sh.id AS shipment_id, coalesce(nullif(o.destination_country, ''), '` + Unknown + `') AS grp
		FROM shipments sh LEFT JOIN orders o ON o.id = sh.order_id`,
	ByStore: `SELECT sh.id AS shipment_id, coalesce(s.name, '` + Unknown + `') AS grp
		FROM shipments sh LEFT JOIN orders o ON o.id = sh.order_id LEFT JOIN stores s ON s.id = o.store_id`,
	ByMarketplace: `SELECT sh.id AS shipment_id, coalesce(s.marketplace, '` + Unknown + `') AS grp
		FROM shipments sh LEFT JOIN orders o ON o.id = sh.order_id LEFT JOIN stores s ON s.id = o.store_id`,
	BySKU: `SELECT DISTINCT sh.id AS shipment_id, coalesce(nullif(json_extract(j.value, '$.sku'), ''), '` + Unknown + `') AS grp
		FROM shipments sh LEFT JOIN orders o ON o.id = sh.order_id LEFT JOIN json_each(coalesce(o.items, '[]')) j`,
}

// DeliveryGroup is one group's delivery performance. Parcels counts those
// first scanned in the window; Delivered those of them delivered. Transit
// hours are zero when TransitValues is; OnTimeRate is zero when Estimated
// (delivered parcels with an estimate) is.
type DeliveryGroup struct {
	Group           string  `json:"group"`
	Parcels         int     `json:"parcels"`
	Delivered       int     `json:"delivered"`
	TransitValues   int     `json:"transit_values"`
	TransitP50Hours float64 `json:"transit_p50_hours"`
	TransitP90Hours float64 `json:"transit_p90_hours"`
	Estimated       int     `json:"estimated"`
	OnTime          int     `json:"on_time"`
	OnTimeRate      float64 `json:"on_time_rate"`
	Lost            int     `json:"lost"`
	Damaged         int     `json:"damaged"`
	LostPer1000     float64 `json:"lost_per_1000"`
	DamagedPer1000  float64 `json:"damaged_per_1000"`
}

// DeliveryQuery selects parcels first scanned at or after Since, grouped By
// (carrier or lane for the figures; store, marketplace, country
// and SKU work too).
type DeliveryQuery struct {
	Since time.Time
	By    InsightsBy
}

// deliveryWindow is the parcels of the window with their first scan,
// delivery, estimate and exception flags, the events read in one pass
// grouped by parcel (the events' unique index is ordered by parcel).
const deliveryWindow = `e AS (
	SELECT shipment_id,
		MIN(CASE WHEN tag NOT IN ('', 'Pending', 'InfoReceived') THEN time END) AS first_scan,
		MIN(CASE WHEN tag = 'Delivered' THEN time END) AS delivered_at,
		MAX(subtag = ?) AS lost, MAX(subtag = ?) AS damaged
	FROM tracking_events GROUP BY shipment_id),
	w AS (SELECT sg.grp, sh.id, e.first_scan, e.delivered_at, sh.estimated_delivery AS estimate,
			(sh.subtag = ? OR e.lost) AS lost, (sh.subtag = ? OR e.damaged) AS damaged
		FROM sg JOIN shipments sh ON sh.id = sg.shipment_id JOIN e ON e.shipment_id = sh.id
		WHERE e.first_scan >= ?)`

// DeliveryStats returns the delivery performance per group, ordered by
// group, in one grouped query (counts and rates beside the transit
// quantiles).
func (db *DB) DeliveryStats(ctx context.Context, q DeliveryQuery) ([]DeliveryGroup, error) {
	sg, err := groupingQuery(shipmentGroups, q.By)
	if err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, `WITH sg AS (`+sg+`), `+deliveryWindow+`,
		c AS (SELECT grp, COUNT(*) AS parcels, SUM(delivered_at IS NOT NULL) AS delivered,
				SUM(delivered_at IS NOT NULL AND estimate IS NOT NULL) AS estimated,
				SUM(delivered_at IS NOT NULL AND estimate IS NOT NULL AND delivered_at / 86400000 <= estimate / 86400000) AS on_time,
				SUM(lost) AS lost, SUM(damaged) AS damaged
			FROM w GROUP BY grp),
		r AS (SELECT grp, delivered_at - first_scan AS d, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY delivered_at - first_scan) AS rn,
				COUNT(*) OVER (PARTITION BY grp) AS n FROM w WHERE delivered_at IS NOT NULL AND delivered_at >= first_scan),
		t AS (SELECT grp, COUNT(*) AS n, MIN(CASE WHEN rn * 10 >= n * 5 THEN d END) AS p50, MIN(CASE WHEN rn * 10 >= n * 9 THEN d END) AS p90
			FROM r GROUP BY grp)
		SELECT c.grp, c.parcels, c.delivered, c.estimated, c.on_time, c.lost, c.damaged,
			COALESCE(t.n, 0), COALESCE(t.p50, 0), COALESCE(t.p90, 0)
		FROM c LEFT JOIN t ON t.grp = c.grp ORDER BY c.grp`,
		SubtagLost, SubtagDamaged, SubtagLost, SubtagDamaged, q.Since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("delivery stats: %w", mapErr(err))
	}
	var out []DeliveryGroup
	hour := float64(time.Hour.Milliseconds())
	for rows.Next() {
		var g DeliveryGroup
		var p50, p90 int64
		if err := rows.Scan(&g.Group, &g.Parcels, &g.Delivered, &g.Estimated, &g.OnTime, &g.Lost, &g.Damaged,
			&g.TransitValues, &p50, &p90); err != nil {
			rows.Close()
			return nil, fmt.Errorf("delivery stats: %w", err)
		}
		if g.TransitValues > 0 {
			g.TransitP50Hours, g.TransitP90Hours = float64(p50)/hour, float64(p90)/hour
		}
		if g.Estimated > 0 {
			g.OnTimeRate = float64(g.OnTime) / float64(g.Estimated)
		}
		if g.Parcels > 0 {
			g.LostPer1000 = float64(g.Lost) * 1000 / float64(g.Parcels)
			g.DamagedPer1000 = float64(g.Damaged) * 1000 / float64(g.Parcels)
		}
		out = append(out, g)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("delivery stats: %w", err)
	}
	return out, nil
}

// GroupParcel is one parcel behind a delivery figure.
type GroupParcel struct {
	Group          string    `json:"group"`
	ShipmentID     int64     `json:"shipment_id"`
	Courier        string    `json:"courier"`
	TrackingNumber string    `json:"tracking_number"`
	Tag            string    `json:"tag"`
	Subtag         string    `json:"subtag"`
	FirstScan      time.Time `json:"first_scan"`
	DeliveredAt    time.Time `json:"delivered_at,omitzero"`
	Lost           bool      `json:"lost"`
	Damaged        bool      `json:"damaged"`
}

// GroupParcels returns the parcels of a group first scanned in the window,
// lost and damaged first, then newest first scan; at most limit (no limit
// when limit <= 0).
func (db *DB) GroupParcels(ctx context.Context, q DeliveryQuery, group string, limit int) ([]GroupParcel, error) {
	sg, err := groupingQuery(shipmentGroups, q.By)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.sql.QueryContext(ctx, `WITH sg AS (`+sg+`), `+deliveryWindow+`
		SELECT w.grp, w.id, sh.courier, sh.tracking_number, sh.tag, sh.subtag, w.first_scan, w.delivered_at, w.lost, w.damaged
		FROM w JOIN shipments sh ON sh.id = w.id WHERE w.grp = ?
		ORDER BY (w.lost OR w.damaged) DESC, w.first_scan DESC, w.id DESC LIMIT ?`,
		SubtagLost, SubtagDamaged, SubtagLost, SubtagDamaged, q.Since.UnixMilli(), group, limit)
	if err != nil {
		return nil, fmt.Errorf("group parcels: %w", mapErr(err))
	}
	var out []GroupParcel
	for rows.Next() {
		var p GroupParcel
		var first int64
		var delivered sql.NullInt64
		if err := rows.Scan(&p.Group, &p.ShipmentID, &p.Courier, &p.TrackingNumber, &p.Tag, &p.Subtag, &first, &delivered, &p.Lost, &p.Damaged); err != nil {
			rows.Close()
			return nil, fmt.Errorf("group parcels: %w", err)
		}
		p.FirstScan, p.DeliveredAt = time.UnixMilli(first).UTC(), fromMS(delivered)
		out = append(out, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("group parcels: %w", err)
	}
	return out, nil
}
