//go:build unix

package automations

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether a process with this pid exists and has not
// been reaped.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return (err == nil || errors.Is(err, syscall.EPERM)) && !isZombie(pid)
}

// killProcess ends the process and, when it leads one, its process group.
func killProcess(pid int) {
	if pid <= 0 {
		return
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
