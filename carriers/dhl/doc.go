// Package dhl tracks DHL shipments through the DHL Shipment Tracking -
// Unified API (GET /track/shipments?trackingNumber=...), authenticated by the
// DHL-API-Key header, and maps DHL status codes to the shared status
// taxonomy through one table.
package dhl
