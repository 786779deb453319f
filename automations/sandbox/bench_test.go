package sandbox

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// benchClient keeps enough idle connections for parallel requests.
func benchClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}}
}

func hammer(b *testing.B, c *http.Client, u string) {
	b.Helper()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("GET %s: %d", u, resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkPageRequests measures simple page requests per second against
// the sandbox, beside a bare net/http handler on the same machine.
// Target: at least 2,000 req/s for the sandbox pages.
func BenchmarkPageRequests(b *testing.B) {
	b.Run("baseline-bare-handler", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		page := []byte("<!doctype html><html><body><h1>ok</h1></body></html>")
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write(page)
		})}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		hammer(b, benchClient(), "http://"+ln.Addr().String()+"/")
	})
	sb := startSandbox(b, Options{Seed: 1})
	var number string
	for _, p := range sb.World().Parcels {
		if p.Carrier == "ups" {
			number = p.TrackingNumber
			break
		}
	}
	b.Run("sandbox-ups-track-page", func(b *testing.B) {
		hammer(b, benchClient(), sb.URL("ups")+"/track?n="+number)
	})
	b.Run("sandbox-amazon-login-page", func(b *testing.B) {
		hammer(b, benchClient(), sb.URL("amazon")+"/login")
	})
	b.Run("sandbox-ups-track-data", func(b *testing.B) {
		hammer(b, benchClient(), sb.URL("ups")+"/track/data?n="+number)
	})
}
