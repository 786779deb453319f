//go:build linux

package automations

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
)

// profileProcesses lists the live (not zombie) processes whose command line
// names the profile folder: the browser's helpers, which can outlive the
// main process for a moment and recreate the folder while they shut down.
func profileProcesses(dir string) []int {
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	needle := []byte(dir)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmd, needle) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		if zombieStat(stat) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// isZombie reports whether pid has exited but was not reaped, which happens
// to browser helpers adopted by a pid 1 that does not reap (some containers).
func isZombie(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	return err == nil && zombieStat(stat)
}

// zombieStat reads the state that follows the parenthesised command name in
// /proc/PID/stat.
func zombieStat(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}
