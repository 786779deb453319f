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
// delivery, estimate and exception flags.
const deliveryWindow = `p AS (
	SELECT sg.grp, sh.id,
		(SELECT MIN(e.time) FROM tracking_events e WHERE e.shipment_id = sh.id AND e.tag NOT IN ('', 'Pending', 'InfoReceived')) AS first_scan,
		(SELECT MIN(e.time) FROM tracking_events e WHERE e.shipment_id = sh.id AND e.tag = 'Delivered') AS delivered_at,
		sh.estimated_delivery AS estimate,
		(sh.subtag = ? OR EXISTS (SELECT 1 FROM tracking_events e WHERE e.shipment_id = sh.id AND e.subtag = ?)) AS lost,
		(sh.subtag = ? OR EXISTS (SELECT 1 FROM tracking_events e WHERE e.shipment_id = sh.id AND e.subtag = ?)) AS damaged
	FROM sg JOIN shipments sh ON sh.id = sg.shipment_id),
	w AS (SELECT * FROM p WHERE first_scan >= ?)`

// DeliveryStats returns the delivery performance per group, ordered by
// group, in two grouped queries (counts and rates, transit quantiles).
func (db *DB) DeliveryStats(ctx context.Context, q DeliveryQuery) ([]DeliveryGroup, error) {
	sg, err := groupingQuery(shipmentGroups, q.By)
	if err != nil {
		return nil, err
	}
	args := []any{SubtagLost, SubtagLost, SubtagDamaged, SubtagDamaged, q.Since.UnixMilli()}
	head := `WITH sg AS (` + sg + `), ` + deliveryWindow
	rows, err := db.sql.QueryContext(ctx, head+`
		SELECT grp, COUNT(*), COALESCE(SUM(delivered_at IS NOT NULL), 0),
			COALESCE(SUM(delivered_at IS NOT NULL AND estimate IS NOT NULL), 0),
			COALESCE(SUM(delivered_at IS NOT NULL AND estimate IS NOT NULL AND delivered_at / 86400000 <= estimate / 86400000), 0),
			COALESCE(SUM(lost), 0), COALESCE(SUM(damaged), 0)
		FROM w GROUP BY grp ORDER BY grp`, args...)
	if err != nil {
		return nil, fmt.Errorf("delivery stats: %w", mapErr(err))
	}
	var out []DeliveryGroup
	at := map[string]int{}
	for rows.Next() {
		var g DeliveryGroup
		if err := rows.Scan(&g.Group, &g.Parcels, &g.Delivered, &g.Estimated, &g.OnTime, &g.Lost, &g.Damaged); err != nil {
			rows.Close()
			return nil, fmt.Errorf("delivery stats: %w", err)
		}
		if g.Estimated > 0 {
			g.OnTimeRate = float64(g.OnTime) / float64(g.Estimated)
		}
		if g.Parcels > 0 {
			g.LostPer1000 = float64(g.Lost) * 1000 / float64(g.Parcels)
			g.DamagedPer1000 = float64(g.Damaged) * 1000 / float64(g.Parcels)
		}
		at[g.Group] = len(out)
		out = append(out, g)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("delivery stats: %w", err)
	}
	rows, err = db.sql.QueryContext(ctx, head+`,
		r AS (SELECT grp, delivered_at - first_scan AS d, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY delivered_at - first_scan) AS rn,
				COUNT(*) OVER (PARTITION BY grp) AS n FROM w WHERE delivered_at IS NOT NULL AND delivered_at >= first_scan)
		SELECT grp, COUNT(*), MIN(CASE WHEN rn * 10 >= n * 5 THEN d END), MIN(CASE WHEN rn * 10 >= n * 9 THEN d END)
		FROM r GROUP BY grp`, args...)
	if err != nil {
		return nil, fmt.Errorf("transit times: %w", mapErr(err))
	}
	for rows.Next() {
		var name string
		var n int
		var p50, p90 int64
		if err := rows.Scan(&name, &n, &p50, &p90); err != nil {
			rows.Close()
			return nil, fmt.Errorf("transit times: %w", err)
		}
		if i, ok := at[name]; ok {
			g := &out[i]
			g.TransitValues = n
			g.TransitP50Hours = float64(p50) / float64(time.Hour.Milliseconds())
			g.TransitP90Hours = float64(p90) / float64(time.Hour.Milliseconds())
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("transit times: %w", err)
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
		SubtagLost, SubtagLost, SubtagDamaged, SubtagDamaged, q.Since.UnixMilli(), group, limit)
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
