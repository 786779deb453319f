// Package seventeen tracks parcels of any courier through the 17TRACK
// tracking API v2.2, for the couriers that have no client of their own
// (YunExpress, Yanwen, 4PX, Cainiao, China Post and the destination posts
// that carry UPU S10 numbers), and maps 17TRACK's package status and
// sub-status to the shared status taxonomy through one table.
//
// The API's public shape, after the 17TRACK API v2.2 documentation
// (https://asset.17track.net/api/document/v2.2_en/index.html):
//   - every call is an HTTP POST of a UTF-8 JSON array to
//     https://api.17track.net/track/v2.2/<endpoint>, authenticated by the
//     access key in the 17token request header;
//   - a number is registered once (POST /register) and then read
//     (POST /gettrackinfo), at most 40 numbers per call;
//   - each answer is {"code": 0, "data": {"accepted": [...], "rejected": [...]}},
//     a rejected entry carrying {"number", "error": {"code", "message"}};
//   - 401 means a wrong key, 429 a rate above the limit (about 3 requests a
//     second), 5xx a server fault.
package seventeen
