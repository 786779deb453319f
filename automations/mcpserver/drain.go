package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"
)

// StdioPipes wraps a server's standard input and output so that requests
// already read are answered before the end of input ends the session.
//
// The stdio transport of MCP ends a session when the client closes the
// server's input (the specification's "Lifecycle: Shutdown" for stdio). A
// client that writes a request and closes its end at once, as a script
// piping a request in does, would otherwise race the server's answer
// against its exit and often get nothing. The reader holds the end of
// input back until every request it passed on has its response, or until
// ctx ends. Messages are newline-delimited JSON-RPC, as the stdio
// transport sends them; a request is a message with an "id" and a
// "method", its response a message with the same "id" and no "method".
func StdioPipes(ctx context.Context, in io.Reader, out io.Writer) (io.ReadCloser, io.WriteCloser) {
	p := &inFlight{ids: map[string]bool{}, changed: make(chan struct{})}
	return &drainReader{ctx: ctx, r: bufio.NewReader(in), p: p}, &watchWriter{w: out, p: p}
}

// inFlight is the set of request ids that have no response yet.
type inFlight struct {
	mu      sync.Mutex
	ids     map[string]bool
	changed chan struct{} // closed and replaced at each change
}

func (p *inFlight) update(f func(map[string]bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p.ids)
	close(p.changed)
	p.changed = make(chan struct{})
}

// waitEmpty waits until no request is in flight or ctx ends.
func (p *inFlight) waitEmpty(ctx context.Context) {
	for {
		p.mu.Lock()
		n, ch := len(p.ids), p.changed
		p.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// rpcHeader is what the pipes read of each JSON-RPC message.
type rpcHeader struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		RequestID json.RawMessage `json:"requestId"`
	} `json:"params"`
}

// headers reads the messages of one line: one message, or a batch.
func headers(line []byte) []rpcHeader {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	if line[0] == '[' {
		var batch []rpcHeader
		_ = json.Unmarshal(line, &batch)
		return batch
	}
	var h rpcHeader
	if json.Unmarshal(line, &h) != nil {
		return nil
	}
	return []rpcHeader{h}
}

func idKey(id json.RawMessage) string {
	id = bytes.TrimSpace(id)
	if len(id) == 0 || bytes.Equal(id, []byte("null")) {
		return ""
	}
	return string(id)
}

type drainReader struct {
	ctx  context.Context
	r    *bufio.Reader
	p    *inFlight
	line []byte // the part of the current line not yet returned
}

func (d *drainReader) Read(b []byte) (int, error) {
	if len(d.line) == 0 {
		line, err := d.r.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if err == io.EOF {
				d.p.waitEmpty(d.ctx)
			}
			return 0, err
		}
		for _, h := range headers(line) {
			switch k := idKey(h.ID); {
			case k != "" && h.Method != "":
				d.p.update(func(ids map[string]bool) { ids[k] = true })
			case h.Method == "notifications/cancelled":
				// A cancelled request gets no response (MCP, "Cancellation").
				c := idKey(h.Params.RequestID)
				d.p.update(func(ids map[string]bool) { delete(ids, c) })
			}
		}
		d.line = line
	}
	n := copy(b, d.line)
	d.line = d.line[n:]
	return n, nil
}

func (d *drainReader) Close() error { return nil }

type watchWriter struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
	p       *inFlight
}

func (w *watchWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.w.Write(b)
	// A response counts once it is written whole.
	w.partial = append(w.partial, b[:n]...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := w.partial[:i]
		for _, h := range headers(line) {
			if k := idKey(h.ID); k != "" && h.Method == "" {
				w.p.update(func(ids map[string]bool) { delete(ids, k) })
			}
		}
		w.partial = w.partial[i+1:]
	}
	return n, err
}

func (w *watchWriter) Close() error { return nil }
