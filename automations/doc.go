// Package automations is the browser engine of sellerops: it launches or
// connects Chromium (one place opens it, one place closes it), hands out
// pages from a bounded pool, runs each flow step under its own time budget,
// sorts every failure into a class, keeps evidence of failed steps with
// secrets removed, and loads the per-site recipes (URLs, selectors and field
// names) that flows read instead of hard-coding them.
//
// The package never imports bubbletea; the terminal UI turns its calls into
// commands.
package automations
