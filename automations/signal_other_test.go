//go:build !unix

package automations

func runHelper(string) int { return 2 }
