// Package fedex tracks FedEx parcels through the FedEx Track API
// (POST /track/v1/trackingnumbers, up to 30 numbers a request) with OAuth
// client credentials (POST /oauth/token), and maps FedEx scan event codes to
// the shared status taxonomy through one table.
package fedex
