package jobs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// ErrAlreadyRunning is matched (errors.Is) by a *LockedError: another
// process holds the job's lock.
var ErrAlreadyRunning = errors.New("job is already running")

// LockedError says which job is locked, by which lock file and process.
type LockedError struct {
	Job  string
	Path string
	PID  int // 0 when the holder had not written its pid yet
}

func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = fmt.Sprintf("process %d", e.PID)
	}
	return fmt.Sprintf("job %s is already running: %s holds the lock %s; wait for it to finish or stop that process (the lock is released when it exits, even after a crash)",
		e.Job, holder, e.Path)
}

// Is lets errors.Is match ErrAlreadyRunning.
func (e *LockedError) Is(target error) bool { return target == ErrAlreadyRunning }

// LockPath is the lock file of a job inside dir.
func LockPath(dir, job string) string { return filepath.Join(dir, job+".lock") }

// Lock takes the job's lock file in dir without waiting. The lock is an
// flock(2) lock, so the kernel releases it when the holder exits, however
// it exits; a stale file left by a crash never blocks the next run. The
// holder's pid is written into the file so that a refused process can name
// it. unlock releases the lock.
func Lock(dir, job string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock directory %s: %w", dir, err)
	}
	path := LockPath(dir, job)
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, &LockedError{Job: job, Path: path, PID: holderPID(path)}
	}
	// The pid goes in through a second handle: writing does not touch the
	// lock, which belongs to the first.
	_ = os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	return func() {
		_ = os.Truncate(path, 0)
		_ = fl.Unlock()
		_ = fl.Close()
	}, nil
}

// holderPID reads the pid the holder wrote, waiting briefly for a holder
// that has just taken the lock.
func holderPID(path string) int {
	for range 20 {
		data, err := os.ReadFile(path)
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				return pid
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return 0
}
