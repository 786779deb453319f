// Package claims finds parcels that deserve a lost or damaged claim inside
// each carrier's window, drafts the claim with its evidence (buyer photos,
// the invoice value, a snapshot of the tracking history), files it through
// the carrier's claim portal in the browser exactly once, and follows it to
// paid or denied.
//
// Filing goes through the outbox of package localdb: the intent is written
// under a key of its own per claim before the browser acts, and before any
// submission the portal's list of claims is searched for the parcel, so that
// a claim filed by a process that crashed before it could record the
// confirmation is adopted, never filed a second time.
//
// The package never imports bubbletea; the terminal UI and the command line
// call Candidates, Draft, File and SyncStatus and show their results.
package claims
