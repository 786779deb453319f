// Package drift holds a hold-out test against page drift: a proxy in front
// of the sandbox serves every site with its markup or its JSON changed the
// way a redesign would change it, and the real tracking and sync code reads
// through it. Each change must end as correct data or as page_changed,
// never as a success with wrong data. The package has no code of its own.
package drift
