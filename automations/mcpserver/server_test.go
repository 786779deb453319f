package mcpserver

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// connect serves d in memory and returns a connected client session.
func connect(t *testing.T, d Deps) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, ct := mcp.NewInMemoryTransports()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, d, st) }()
	client := mcp.NewClient(&mcp.Implementation{Name: "test-agent", Version: "1"}, nil)
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		_ = cs.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop after the client left")
		}
	})
	return cs
}

func openDB(t *testing.T) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
		if tl.Description == "" || tl.InputSchema == nil {
			t.Errorf("tool %s lacks a description or input schema", tl.Name)
		}
	}
	slices.Sort(names)
	return names
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	var out map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &out)
	}
	return res, out
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestListsToolsAndGuardsActingOnes(t *testing.T) {
	db := openDB(t)
	cs := connect(t, Deps{DB: db, Config: config.Defaults()})
	got := toolNames(t, cs)
	want := []string{ToolDetect, ToolDraftClaim, ToolFill, ToolCandidates, ToolOverdue, ToolReadThread, ToolTrack}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("tools %v, want %v", got, want)
	}
	for _, tool := range []string{ToolSendReply, ToolFileClaim} {
		res, _ := call(t, cs, tool, map[string]any{"thread_id": 1, "body": "hi", "claim_id": 1})
		if !res.IsError || !strings.Contains(text(res), "not allowed") || !strings.Contains(text(res), "agents.allow_") {
			t.Errorf("%s while off: %+v %q", tool, res.IsError, text(res))
		}
	}

	cfg := config.Defaults()
	cfg.Agents.AllowSendReplies, cfg.Agents.AllowFileClaims = true, true
	cs2 := connect(t, Deps{DB: db, Config: cfg})
	got = toolNames(t, cs2)
	if !slices.Contains(got, ToolSendReply) || !slices.Contains(got, ToolFileClaim) {
		t.Fatalf("allowed tools not listed: %v", got)
	}
	// Allowed, but the claim does not exist: a tool error naming it.
	res, _ := call(t, cs2, ToolFileClaim, map[string]any{"claim_id": 42})
	if !res.IsError || !strings.Contains(text(res), "42") {
		t.Errorf("file_claim of a missing claim: %q", text(res))
	}

	// Allowed for agents, but the claims policy still applies: with
	// claims.auto_file off, or above claims.max_auto_amount, nothing is filed
	// and the claim stays a draft.
	ctx := context.Background()
	sh, _, err := db.EnsureShipment(ctx, localdb.Shipment{Courier: "usps", TrackingNumber: "9400111899223197428490"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateClaim(ctx, localdb.Claim{ShipmentID: sh.ID, Kind: localdb.ClaimLost, Amount: 20000, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	res, _ = call(t, cs2, ToolFileClaim, map[string]any{"claim_id": c.ID})
	if !res.IsError || !strings.Contains(text(res), "claims.auto_file") {
		t.Errorf("file_claim with auto_file off: %v %q", res.IsError, text(res))
	}
	cfg.Claims.AutoFile, cfg.Claims.MaxAutoAmount = true, "150"
	cs3 := connect(t, Deps{DB: db, Config: cfg})
	res, _ = call(t, cs3, ToolFileClaim, map[string]any{"claim_id": c.ID})
	if !res.IsError || !strings.Contains(text(res), "max_auto_amount") {
		t.Errorf("file_claim above the cap: %v %q", res.IsError, text(res))
	}
	if got, err := db.GetClaim(ctx, c.ID); err != nil || got.State != localdb.ClaimDraft {
		t.Errorf("claim after refusals: %+v, %v; want a draft", got, err)
	}
}

func TestDetectAndReadOnlyTools(t *testing.T) {
	db := openDB(t)
	cs := connect(t, Deps{DB: db})
	res, out := call(t, cs, ToolDetect, map[string]any{"numbers": []string{"1Z999AA10123456784", "not a number"}})
	if res.IsError {
		t.Fatalf("detect: %s", text(res))
	}
	results, _ := out["results"].([]any)
	if len(results) != 2 {
		t.Fatalf("detect results %v", out)
	}
	first := results[0].(map[string]any)
	if first["courier"] != "ups" || first["valid"] != true {
		t.Errorf("first %v", first)
	}
	if second := results[1].(map[string]any); second["valid"] != false {
		t.Errorf("second %v", second)
	}
	res, _ = call(t, cs, ToolDetect, map[string]any{"numbers": []string{}})
	if !res.IsError || !strings.Contains(text(res), "numbers") {
		t.Errorf("empty detect: %q", text(res))
	}
	res, out = call(t, cs, ToolOverdue, map[string]any{})
	if res.IsError || out["threads"] == nil {
		t.Errorf("overdue on an empty database: %q %v", text(res), out)
	}
	res, _ = call(t, cs, ToolReadThread, map[string]any{"thread_id": 9})
	if !res.IsError || !strings.Contains(text(res), "thread 9") {
		t.Errorf("missing thread: %q", text(res))
	}
	res, out = call(t, cs, ToolCandidates, map[string]any{})
	if res.IsError || out["candidates"] == nil {
		t.Errorf("candidates: %q %v", text(res), out)
	}
	res, _ = call(t, cs, ToolDraftClaim, map[string]any{"parcel": "1Z999AA10123456784", "kind": "stolen"})
	if !res.IsError || !strings.Contains(text(res), "lost or damaged") {
		t.Errorf("bad kind: %q", text(res))
	}
}

func TestTrackThroughTheSandboxAPI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 3, Orders: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var nums []string
	for _, p := range sb.World().Parcels {
		if (p.Carrier == "ups" || p.Carrier == "dhl") && len(p.VisibleEvents(sb.Now())) > 0 && len(nums) < 4 {
			nums = append(nums, p.TrackingNumber)
		}
	}
	if len(nums) < 2 {
		t.Fatalf("sandbox has too few parcels: %v", nums)
	}
	db := openDB(t)
	cfg := config.Defaults()
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		cfg.Carriers[c] = config.Carrier{APIBaseURL: sb.URL(c), RatePerSec: 1000}
	}
	td := tracking.Deps{DB: db, Config: cfg, Credentials: func(_ context.Context, courier string) (carriers.Credentials, bool, error) {
		a := sb.Account(courier)
		return carriers.Credentials{ClientID: a.ClientID, ClientSecret: a.ClientSecret, APIKey: a.APIKey}, a.Name != "", nil
	}}
	cs := connect(t, Deps{DB: db, Config: cfg, Tracking: func(context.Context) (tracking.Deps, error) { return td, nil }})
	args := map[string]any{"numbers": append(slices.Clone(nums), "12345"), "max_age": "0"}
	res, out := call(t, cs, ToolTrack, args)
	if res.IsError {
		t.Fatalf("track: %s", text(res))
	}
	results, _ := out["results"].([]any)
	if len(results) != len(nums)+1 || out["failed"] != float64(1) {
		t.Fatalf("track output %v", out)
	}
	for i, r := range results[:len(nums)] {
		m := r.(map[string]any)
		if m["number"] != nums[i] || m["source"] != "api" || m["tag"] == "" || m["error"] != nil {
			t.Errorf("result %d: %v", i, m)
		}
	}
	bad := results[len(nums)].(map[string]any)
	if e, _ := bad["error"].(map[string]any); e == nil || e["class"] != "bad_input" {
		t.Errorf("bad number: %v", bad)
	}
	// Stored: the parcels are in the database now.
	for _, n := range nums {
		d := carriers.Detect(n)
		if _, err := db.GetShipmentByNumber(context.Background(), d.Courier, d.Number); err != nil {
			t.Errorf("parcel %s not stored: %v", n, err)
		}
	}
	if len(text(res)) == 0 {
		t.Error("no text content for clients without structured output")
	}
}
