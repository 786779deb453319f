// Package amazon is a client for the Amazon Selling Partner API (SP-API):
// the Login with Amazon refresh-token exchange, Orders v0 and Messaging v1.
// It has no browser and no database; callers store what it returns.
//
// Sources checked against:
//   - SP-API models, amzn/selling-partner-api-models (ordersV0.json,
//     messaging.json): paths, parameters, response shapes and the usage plan
//     (rate and burst) in each operation's description.
//   - "Connecting to the Selling Partner API" and "SP-API Endpoints"
//     (developer-docs.amazon.com/sp-api/docs/...): the LWA token request to
//     https://api.amazon.com/auth/o2/token (form fields grant_type=refresh_token,
//     refresh_token, client_id, client_secret; answer access_token, expires_in,
//     valid one hour), the x-amz-access-token header, and the regional hosts
//     sellingpartnerapi-na/-eu/-fe.amazon.com.
//   - "Usage Plans and Rate Limits in the Selling Partner API": the
//     x-amzn-RateLimit-Limit response header and HTTP 429 QuotaExceeded.
//
// Failures are *apierr.Error values classified as auth_failed, rate_limited,
// site_error, timeout or bad_input, the classes the rest of the product uses.
// No error, and nothing this package returns, carries a secret or a token.
package amazon
