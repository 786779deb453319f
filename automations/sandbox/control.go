package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// The control site serves the sandbox's inspection API and an index page.
func mountControl(s *site) {
	sb := s.sb
	s.handle("GET /{$}", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "control/index", map[string]any{"Title": "Sandbox control", "Sites": sb.Sites(),
			"Accounts": sb.Accounts(), "Faults": sb.Faults(), "Clock": sb.Now()})
	})
	s.handle("GET /__sandbox/state", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sb.State())
	})
	s.handle("GET /__sandbox/sites", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sb.Sites())
	})
	s.handle("GET /__sandbox/accounts", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sb.Accounts())
	})
	s.handle("GET /__sandbox/world", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sb.World())
	})
	s.handle("POST /__sandbox/reset", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		sb.Reset()
		controlDone(w, r, map[string]any{"ok": true, "now": sb.Now()})
	})
	s.handle("GET /__sandbox/faults", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"spec": sb.Faults(), "sites": sb.faults.Load().describe()})
	})
	s.handle("POST /__sandbox/faults", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		spec, err := readSpec(r)
		if err == nil {
			err = sb.SetFaults(spec)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		controlDone(w, r, map[string]any{"ok": true, "spec": sb.Faults()})
	})
	s.handle("POST /__sandbox/clock", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		v := r.FormValue("advance")
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "advance=" + v + " is not a positive Go duration; use e.g. advance=2h or advance=90m"})
			return
		}
		sb.Advance(d)
		controlDone(w, r, map[string]any{"ok": true, "now": sb.Now()})
	})
	s.handle("GET /__sandbox/clock", kindCtl, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"now": sb.Now(), "start": sb.start})
	})
}

// readSpec takes the fault spec from a form field "faults", a JSON body
// {"faults": "..."} or a plain-text body.
func readSpec(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"), strings.HasPrefix(ct, "multipart/form-data"):
		_ = r.ParseMultipartForm(1 << 20)
		return r.FormValue("faults"), nil
	case strings.HasPrefix(ct, "application/json"):
		var body struct {
			Faults string `json:"faults"`
		}
		err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body)
		return body.Faults, err
	default:
		if v := r.URL.Query().Get("faults"); v != "" {
			return v, nil
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		return strings.TrimSpace(string(b)), err
	}
}

// controlDone answers JSON to scripts and redirects browsers back to the index.
func controlDone(w http.ResponseWriter, r *http.Request, v any) {
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
