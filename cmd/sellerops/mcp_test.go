package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sellerops/sellerops/automations/testwait"
)

// TestMCPCommandOverStdio starts `sellerops mcp` as a subprocess, as an
// agent does, lists its tools and calls detect and track.
func TestMCPCommandOverStdio(t *testing.T) {
	t.Parallel()
	e, _, nums := trackEnv(t, "", 6)
	ctx := testwait.Context(t)
	cmd, _, _ := e.child(t, "mcp")
	cmd.Stdout, cmd.Stderr = nil, nil
	client := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	if got := cs.InitializeResult().ServerInfo.Name; got != "sellerops" {
		t.Errorf("server name %q", got)
	}
	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	for _, want := range []string{"detect_carrier", "track_parcels", "list_overdue_threads", "read_thread", "list_claim_candidates", "draft_claim"} {
		if !slices.Contains(names, want) {
			t.Errorf("tool %s missing from %v", want, names)
		}
	}
	if slices.Contains(names, "send_reply") || slices.Contains(names, "file_claim") {
		t.Errorf("guarded tools listed without permission: %v", names)
	}

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "detect_carrier", Arguments: map[string]any{"numbers": []string{nums[0]}}})
	if err != nil || res.IsError {
		t.Fatalf("detect: %v %+v", err, res)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "track_parcels", Arguments: map[string]any{"numbers": nums[:2], "max_age": "0"}})
	if err != nil || res.IsError {
		t.Fatalf("track: %v %+v", err, res)
	}
	var out struct {
		Results []struct {
			Number, Source, Tag string
			Error               any
		}
		Failed int
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil || len(out.Results) != 2 || out.Failed != 0 {
		t.Fatalf("track output %s: %v", b, err)
	}
	for i, r := range out.Results {
		if r.Number != nums[i] || r.Source != "api" || r.Tag == "" {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "send_reply", Arguments: map[string]any{"thread_id": 1, "body": "hello"}})
	if err != nil || !res.IsError {
		t.Fatalf("send_reply while off: %v %+v", err, res)
	}
	if txt := res.Content[0].(*mcp.TextContent).Text; !strings.Contains(txt, "agents.allow_send_replies") {
		t.Errorf("refusal %q", txt)
	}
}

func TestRunDaemonRunsScheduledJobsUntilStopped(t *testing.T) {
	t.Parallel()
	e := newRunEnv(t, "schedules:\n  - job: report\n    cron: \"@every 1s\"\n  - job: track\n    cron: \"0 3 * * *\"\n    enabled: false\n")
	var out, errOut syncBuffer
	ios := &ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	f := newFactory(ios)
	e.setup(f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan exitCode, 1)
	go func() { done <- execute(ctx, f, []string{"run", "--daemon"}) }()
	// Stop it once a scheduled run has finished and written its report.
	testwait.Until(t, "the first scheduled report run", func() bool {
		files, _ := filepath.Glob(filepath.Join(e.dir, "data", "reports", "report-*.html"))
		return strings.Contains(errOut.String(), "run 1 done") && len(files) > 0
	})
	cancel()
	var code exitCode
	select {
	case code = <-done:
	case <-time.After(testwait.Budget(t)):
		t.Fatal("daemon did not stop")
	}
	f.Close()
	if code != exitOK {
		t.Fatalf("daemon exit %d: %s", code, errOut.String())
	}
	log := errOut.String()
	if !strings.Contains(log, "report") || strings.Contains(log, "track ") || !strings.Contains(log, "stopped") {
		t.Errorf("stderr %q", log)
	}
	if !strings.Contains(log, "run 1 done") {
		t.Errorf("no scheduled run reported: %q", log)
	}
	files, _ := filepath.Glob(filepath.Join(e.dir, "data", "reports", "report-*.html"))
	if len(files) == 0 {
		t.Error("the scheduled report job wrote no report")
	}
	if _, err := os.Stat(filepath.Join(e.dir, "data", "locks", "report.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}
