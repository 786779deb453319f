package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sellerops/sellerops/localdb/config"
)

// A script that pipes its requests in and closes stdin at once gets every
// answer: the end of input waits for the requests already read. Without
// the wait the server exits racing its own answers and, run after run,
// some come back empty.
func TestRequestsReadBeforeEndOfInputAreAnswered(t *testing.T) {
	db := openDB(t)
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"script","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":"two","method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"detect_carrier","arguments":{"numbers":["1Z999AA10123456784"]}}}`,
	}, "\n") + "\n"
	for run := range 20 {
		var out bytes.Buffer
		r, w := StdioPipes(t.Context(), strings.NewReader(in), &out)
		if err := Serve(context.Background(), Deps{DB: db, Config: config.Defaults()}, &mcp.IOTransport{Reader: r, Writer: w}); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		got := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var m struct {
				ID     json.RawMessage `json:"id"`
				Result json.RawMessage `json:"result"`
			}
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("run %d: not JSON-RPC: %q", run, line)
			}
			if len(m.Result) > 0 {
				got[string(m.ID)] = true
			}
		}
		for _, id := range []string{`1`, `"two"`, `3`} {
			if !got[id] {
				t.Fatalf("run %d: no answer to request %s; the output was:\n%s", run, id, out.String())
			}
		}
		if !strings.Contains(out.String(), `\"courier\":\"ups\"`) && !strings.Contains(out.String(), `"courier":"ups"`) {
			t.Fatalf("run %d: detect_carrier did not answer ups:\n%s", run, out.String())
		}
	}
}

// A request the client cancels gets no response (MCP's cancellation
// notification), so the end of input does not wait for it.
func TestCancelledRequestIsNotWaitedFor(t *testing.T) {
	in := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user"}}` + "\n"
	r, _ := StdioPipes(t.Context(), strings.NewReader(in), &bytes.Buffer{})
	buf := make([]byte, 4096)
	for {
		if _, err := r.Read(buf); err != nil {
			break // the end of input came without a response to 7
		}
	}
}
