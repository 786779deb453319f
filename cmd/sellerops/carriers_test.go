package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCarriersDetectJSONKeepsInputOrder(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestCarriersDetectCleansStdin: numbers pasted with a byte-order mark,
// zero-width spaces, direction marks or in full-width digits are detected as
// the clean number; a line of invisible characters is blank; a line over
// the bound stops everything with exit 4, naming its line number.
func TestCarriersDetectCleansStdin(t *testing.T) {
	t.Parallel()
	in := "\ufeff1Z999AA10123456784\n" + // BOM, as a Windows editor saves it
		"1Z999\u200bAA10123456784\u200e\n" + // zero-width space, left-to-right mark
		"\u200b\u2060\n" + // only invisible characters
		"１Ｚ９９９ＡＡ１０１２３４５６７８４\n" // full-width, from a CJK input method
	res := runCommand(t, []string{"carriers", "detect", "--json", "-"}, false, in)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %s, stdout %s", res.code, res.stderr, res.stdout)
	}
	if n := strings.Count(res.stdout, `"courier": "ups"`); n != 3 {
		t.Errorf("%d of 3 cleaned numbers detected as ups:\n%s", n, res.stdout)
	}
	long := "1Z999AA10123456784\n1Z999AA10123456784\n" + strings.Repeat("9", 5000) + "\n1Z999AA10123456784\n"
	res = runCommand(t, []string{"carriers", "detect", "-"}, false, long)
	if res.code != exitBadInput || !strings.Contains(res.stderr, "line 3") || res.stdout != "" {
		t.Errorf("a 5000-byte line: exit %d, stderr %q, stdout %q; want exit 4 naming line 3 and no output", res.code, res.stderr, res.stdout)
	}
}
