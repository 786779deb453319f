// Package claims holds the claim rules that need no browser: which parcels
// deserve a lost or damaged claim inside each carrier's window
// (Candidates), drafting a claim with its evidence (buyer photos, the
// invoice value, a snapshot of the tracking history), the policy for filing
// with nobody at the keyboard (PolicyAllows), the claim states a portal
// reports, and the money totals per carrier.
//
// Filing through the carrier's portal in the browser, and following a claim
// there to paid or denied, is package filing, which builds on this one.
//
// The package imports neither the browser nor bubbletea; the dashboard,
// the command line, the scheduler and the MCP server read the same rules
// from here.
package claims
