package automations

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// profilePrefix names the temporary profile folders Launch makes.
const profilePrefix = "sellerops-browser-"

// CleanStaleProfiles removes temporary browser profiles left behind by a
// sellerops process that was killed outright (SIGKILL, power loss), when no
// browser holds them and they are older than minAge. Launch calls it with a
// safe age; the command line may call it from `doctor`. It returns the
// folders removed.
func CleanStaleProfiles(minAge time.Duration) ([]string, error) {
	if runtime.GOOS == "windows" {
		return nil, nil // the profile lock is not a symlink there; leave it to the OS
	}
	matches, err := filepath.Glob(filepath.Join(os.TempDir(), profilePrefix+"*"))
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, dir := range matches {
		st, err := os.Lstat(dir)
		if err != nil || !st.IsDir() || time.Since(st.ModTime()) < minAge {
			continue
		}
		if profileInUse(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, dir)
	}
	return removed, errors.Join(errs...)
}

// profileInUse tells whether a browser still runs on the profile: Chromium
// keeps a SingletonLock symlink pointing at "host-pid" while it runs.
func profileInUse(dir string) bool {
	if len(profileProcesses(dir)) > 0 {
		return true
	}
	target, err := os.Readlink(filepath.Join(dir, "SingletonLock"))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(target, '-')
	if i < 0 {
		return true // unknown format: be careful
	}
	host, _ := os.Hostname()
	if target[:i] != host {
		return true // another machine's browser on a shared temp dir
	}
	pid, err := strconv.Atoi(target[i+1:])
	return err != nil || processAlive(pid)
}
