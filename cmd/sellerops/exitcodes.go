package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/translate"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// exitCode is the process's exit status. Scripts and agents branch on these,
// so a code never changes meaning once released.
type exitCode int

const (
	exitOK             exitCode = 0
	exitError          exitCode = 1
	exitUsage          exitCode = 2
	exitConfig         exitCode = 3
	exitBadInput       exitCode = 4
	exitNotFound       exitCode = 5
	exitNoBrowser      exitCode = 6
	exitKeyring        exitCode = 7
	exitDatabase       exitCode = 8
	exitSomeFailed     exitCode = 9
	exitAllFailed      exitCode = 10
	exitNeedsHuman     exitCode = 11
	exitAuthFailed     exitCode = 12
	exitAlreadyRunning exitCode = 13
	exitCheckFailed    exitCode = 14
	exitInterrupted    exitCode = 130
)

// exitCodeDocs is the one table of exit codes; `sellerops help exit-codes`
// prints it and the README repeats it.
var exitCodeDocs = []struct {
	Code    exitCode `json:"code"`
	Name    string   `json:"name"`
	Meaning string   `json:"meaning"`
}{
	{exitOK, "ok", "Success. Listing commands that find nothing also exit 0 (with --json they print [])."},
	{exitError, "error", "An unexpected error; the message says what failed."},
	{exitUsage, "usage", "Unknown command or flag, or wrong arguments; see the command's --help."},
	{exitConfig, "config", "The configuration file is invalid; the message names the file, key and line."},
	{exitBadInput, "bad_input", "An input is malformed (tracking number, amount, CSV row or line, template, recipe, a language the translation provider does not take) or a claim lacks what its form needs (amount, invoice, damage photo, an evidence file gone from disk), or a delay notice lacks a value its template needs; the message names it and the fix."},
	{exitNotFound, "not_found", "A named store, thread, parcel or claim does not exist, a parcel has no proposed delay notice, a notice has no conversation to go to on the site, or a notice to settle has no send in doubt."},
	{exitNoBrowser, "no_browser", "No Chromium could be started or reached; install it or pass --browser."},
	{exitKeyring, "keyring", "The keyring is unreachable or locked and no environment variable supplies the secret."},
	{exitDatabase, "database", "The local database cannot be opened or written (read-only), is newer than this binary, or is damaged."},
	{exitSomeFailed, "some_failed", "A batch finished but some items failed; each failure is reported."},
	{exitAllFailed, "all_failed", "A batch finished and every item failed."},
	{exitNeedsHuman, "needs_human", "A site asked for a person (CAPTCHA, unknown second factor); run `sellerops stores login STORE --show`."},
	{exitAuthFailed, "auth_failed", "A site refused the stored credentials; update them with `sellerops stores update NAME` ; a translation provider refused its key: store a valid one under `translation/PROVIDER/api_key`."},
	{exitAlreadyRunning, "already_running", "Another sellerops process holds the lock for this job."},
	{exitCheckFailed, "check_failed", "`sellerops doctor` found a failing check; its output names the fix."},
	{exitInterrupted, "interrupted", "Stopped by Ctrl-C or SIGTERM; work in flight was cancelled cleanly."},
}

// The errors below are the command line's own outcomes; exitCodeFor maps
// them, like the typed errors of the packages, to codes. A command returns
// what happened and never picks a code itself.

// badInputError marks an input the message names as malformed (a flag's
// value, a file, a row).
type badInputError struct{ err error }

func (e *badInputError) Error() string { return e.err.Error() }
func (e *badInputError) Unwrap() error { return e.err }

func badInput(err error) error { return &badInputError{err: err} }

func badInputf(format string, args ...any) error { return badInput(fmt.Errorf(format, args...)) }

// scheduleError marks schedules in the config that cannot run; it is a
// configuration error like those the config loader reports.
type scheduleError struct{ err error }

func (e *scheduleError) Error() string        { return e.err.Error() }
func (e *scheduleError) Unwrap() error        { return e.err }
func (e *scheduleError) Is(target error) bool { return target == config.ErrInvalid }

// configNeededError marks a command that needs a setting the config does
// not have (such as translation.provider); it exits as a config error.
type configNeededError struct{ err error }

func (e *configNeededError) Error() string        { return e.err.Error() }
func (e *configNeededError) Unwrap() error        { return e.err }
func (e *configNeededError) Is(target error) bool { return target == config.ErrInvalid }

// batchError sums up a batch in which items failed, each reported already
// on its own line; it prints nothing more. all says that every item failed.
type batchError struct{ all bool }

func (e *batchError) Error() string {
	if e.all {
		return "every item failed"
	}
	return "some items failed"
}
func (e *batchError) Is(target error) bool { return target == errSilent }

// batchOutcome is nil when no item failed, else the batch's error.
func batchOutcome(failed, total int) error {
	if failed == 0 {
		return nil
	}
	return &batchError{all: failed >= total}
}

// classError is an outcome of one failure class that is not a site's
// failure: a policy that wants a person, or (with no err) a store that
// asked for a person or refused its login, reported above already.
type classError struct {
	class automations.Class
	err   error
}

func (e *classError) Error() string {
	if e.err == nil {
		return string(e.class)
	}
	return e.err.Error()
}
func (e *classError) Unwrap() error        { return e.err }
func (e *classError) Is(target error) bool { return target == errSilent && e.err == nil }

// notFoundError marks a named thing that does not exist, for an error
// that carries no localdb.ErrNotFound of its own.
type notFoundError struct{ err error }

func (e *notFoundError) Error() string { return e.err.Error() }
func (e *notFoundError) Unwrap() error { return e.err }

// errChecksFailed: doctor found a failing check and printed it.
var errChecksFailed = fmt.Errorf("a check failed: %w", errSilent)

// errRecipeProblems: `recipes check` found problems and printed them.
var errRecipeProblems = fmt.Errorf("recipe problems: %w", errSilent)

// usageError marks bad arguments.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// silentError has already been reported to the user (as a doctor table or
// a stream of failure lines); only its code remains.
var errSilent = errors.New("reported above")

// exitCodeFor is the one place that turns an error into an exit code,
// from typed errors and sentinels (errors.As / errors.Is), the first match
// winning.
func exitCodeFor(err error) exitCode {
	var (
		usage   *usageError
		bad     *badInputError
		batch   *batchError
		class   *classError
		missing *messages.MissingValueError
		locked  *jobs.LockedError
		nf      *notFoundError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &batch) && batch.all:
		return exitAllFailed
	case errors.As(err, &batch):
		return exitSomeFailed
	case errors.As(err, &class) && class.class == automations.NeedsHuman:
		return exitNeedsHuman
	case errors.As(err, &class) && class.class == automations.AuthFailed:
		return exitAuthFailed
	case errors.Is(err, errChecksFailed):
		return exitCheckFailed
	case errors.Is(err, errRecipeProblems):
		return exitBadInput
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, config.ErrInvalid):
		return exitConfig
	case errors.As(err, &locked), errors.Is(err, jobs.ErrAlreadyRunning), errors.Is(err, filing.ErrBusy):
		return exitAlreadyRunning
	case translate.ClassOf(err) == translate.AuthFailed:
		return exitAuthFailed
	case translate.ClassOf(err) == translate.BadRequest:
		return exitBadInput
	case errors.As(err, &bad), errors.As(err, &missing), errors.Is(err, marketplace.ErrInvalidInput),
		errors.Is(err, claims.ErrNotEligible), errors.Is(err, claims.ErrNotReady),
		errors.Is(err, money.ErrBadAmount), errors.Is(err, money.ErrUnknownCurrency), errors.Is(err, notices.ErrCannotWrite):
		return exitBadInput
	case automations.Classify(err) == automations.NeedsHuman:
		return exitNeedsHuman
	case automations.Classify(err) == automations.AuthFailed:
		return exitAuthFailed
	case errors.Is(err, localdb.ErrNotFound), errors.As(err, &nf), errors.Is(err, notices.ErrNoNotice),
		errors.Is(err, marketplace.ErrNoConversation), errors.Is(err, localdb.ErrNotUnsure):
		return exitNotFound
	case errors.Is(err, automations.ErrNoBrowser):
		return exitNoBrowser
	case errors.Is(err, secrets.ErrUnavailable), errors.Is(err, secrets.ErrReadOnly):
		return exitKeyring
	case errors.Is(err, localdb.ErrSchemaTooNew), errors.Is(err, localdb.ErrReadOnly), errors.Is(err, errDatabase):
		return exitDatabase
	}
	return exitError
}

// errDatabase marks a failure to open the database.
var errDatabase = errors.New("database unavailable")

func printExitCodes(w io.Writer) {
	fmt.Fprintln(w, "sellerops exit codes:")
	fmt.Fprintln(w)
	for _, d := range exitCodeDocs {
		fmt.Fprintf(w, "  %3d  %-16s %s\n", d.Code, d.Name, d.Meaning)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.TrimSpace(`
Errors go to stderr and data to stdout. With --json, a failed item in a batch
is reported as a JSON line with an "error" field, and the exit code sums up
the batch (0, 9 or 10).`))
}
