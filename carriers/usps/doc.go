// Package usps tracks USPS parcels through the USPS Tracking API v3
// (GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL) with OAuth 2.0
// client credentials (POST /oauth2/v3/token), and maps USPS event codes and
// status categories to the shared status taxonomy through one table.
package usps
