// Package filing files a drafted claim through the carrier's claim portal
// in the browser exactly once, and follows filed claims on the portal to
// paid or denied (SyncStatus).
//
// Filing goes through the outbox of package localdb: the intent is written
// under a key of its own per claim before the browser acts, and before any
// submission the portal's list of claims is searched for the parcel, so that
// a claim filed by a process that crashed before it could record the
// confirmation is adopted, never filed a second time.
//
// The rules (candidates, drafts, the unattended-filing policy) are package
// claims; this package is the browser flow that acts on them.
package filing
