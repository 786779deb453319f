// Package carriers knows parcel carriers: it detects the carrier and format
// of a tracking number from its check digits, holds the shared status
// taxonomy (AfterShip-compatible tags and subtags), defines the Tracker
// interface the per-carrier API clients implement (carriers/ups,
// carriers/fedex, carriers/usps, carriers/dhl, and carriers/seventeen,
// the 17TRACK API that serves the couriers with no client of their own),
// and holds the claim-filing
// windows, default coverage caps and stalled thresholds.
//
// Detection is data-driven: formats, check-digit algorithms and their
// parameters live in one table (formats.go), following the public data set
// jkeen/tracking_number_data and the ranking of its reference consumer.
//
// The package imports nothing else of this project.
package carriers
