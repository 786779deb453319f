package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCarriersDetectJSONKeepsInputOrder(t *testing.T) {
	// Numbers built from the public check-digit rules (see carriers/testdata).
	res := runCommand(t, []string{"carriers", "detect", "--json", "1z 999 aa1 012 345 678 4", "not-a-number"}, false, "")
	var lines []detectLine
	if err := json.Unmarshal([]byte(res.stdout), &lines); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, res.stdout)
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d", len(lines))
	}
	if lines[0].Courier != "ups" || !lines[0].Valid || lines[0].Number != "1Z999AA10123456784" {
		t.Fatalf("first: %+v", lines[0])
	}
	if lines[1].Valid || lines[1].Courier != "" || lines[1].Alternatives == nil {
		t.Fatalf("second: %+v", lines[1])
	}
	if res.code != exitSomeFailed {
		t.Fatalf("one of two invalid: want exit %d, got %d", exitSomeFailed, res.code)
	}
}

func TestCarriersDetectReadsStdin(t *testing.T) {
	res := runCommand(t, []string{"carriers", "detect", "-"}, false, "1Z999AA10123456784\n\n1Z999AA10123456785\n")
	rows := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "1Z999AA10123456784\tups\t") || !strings.Contains(rows[1], "\tfalse\t") {
		t.Fatalf("stdout %q", res.stdout)
	}
	if res.code != exitSomeFailed {
		t.Fatalf("exit %d", res.code)
	}
	res = runCommand(t, []string{"carriers", "detect", "--json"}, false, "")
	if strings.TrimSpace(res.stdout) != "[]" || res.code != exitOK {
		t.Fatalf("empty input: %q code %d", res.stdout, res.code)
	}
	res = runCommand(t, []string{"carriers", "detect", "--json", "nope"}, false, "")
	if res.code != exitAllFailed {
		t.Fatalf("all invalid: exit %d", res.code)
	}
}
