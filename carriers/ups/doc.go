// Package ups tracks UPS parcels through the UPS Track API v1
// (GET /api/track/v1/details/{inquiryNumber}) with OAuth client credentials
// (POST /security/v1/oauth/token), and maps UPS activity codes to the shared
// status taxonomy through one table.
//
// The API answers one number per request, so MaxBatch is 1 and Track looks a
// list up on a few parallel workers, inside the client-side rate limit.
package ups
