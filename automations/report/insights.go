package report

import (
	"fmt"
	"strings"

	"github.com/sellerops/sellerops/automations/insights"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
)

// The report's service-insights section: the same figures as the
// dashboard's Insights view (insights.LoadSection), drawn as inline SVG in
// the HTML (nothing loaded from elsewhere) and as tables in Markdown.

// frtBar is one first-response bucket of the SVG bar chart.
type frtBar struct {
	Label      string
	N          int
	Y, W, Text float64
}

// sparkLine is one reason's weeks as an SVG polyline.
type sparkLine struct {
	Reason string
	Points string
	Total  int
}

// SVG sizes of the section's charts.
const (
	frtWidth, frtRow = 480.0, 18.0
	frtLabel         = 60.0
	sparkW, sparkH   = 160.0, 20.0
)

// frtBars lays the buckets out as horizontal bars.
func frtBars(s *insights.Section) (bars []frtBar, height float64) {
	maxN := 1
	for _, b := range localdb.FRTBuckets {
		maxN = max(maxN, s.Buckets[b])
	}
	plot := frtWidth - frtLabel - 40
	for i, b := range localdb.FRTBuckets {
		n := s.Buckets[b]
		w := plot * float64(n) / float64(maxN)
		bars = append(bars, frtBar{Label: b, N: n, Y: float64(i) * frtRow, W: w, Text: frtLabel + w + 4})
	}
	return bars, float64(len(bars)) * frtRow
}

// sparkLines draws each reason's weeks, scaled to the busiest week of any
// reason so that the lines compare.
func sparkLines(s *insights.Section) []sparkLine {
	top := 1.0
	for _, line := range s.Weekly {
		for _, v := range line {
			top = max(top, v)
		}
	}
	var out []sparkLine
	for _, r := range messages.Reasons {
		line := s.Weekly[r]
		var pts []string
		total := 0
		for i, v := range line {
			x := 0.0
			if len(line) > 1 {
				x = sparkW * float64(i) / float64(len(line)-1)
			}
			y := sparkH - 2 - (sparkH-4)*v/top
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
			total += int(v)
		}
		out = append(out, sparkLine{Reason: r, Points: strings.Join(pts, " "), Total: total})
	}
	return out
}

// pct prints a share, "-" when there is none.
func pct(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", v*100)
}

func slaShare(s insights.StoreSLA) string { v, ok := s.Share(); return pct(v, ok) }

func slaTarget(s insights.StoreSLA) string {
	if s.Target == nil {
		return "-"
	}
	return pct(*s.Target, true)
}

// slaBelow says whether a store is under its marketplace's target.
func slaBelow(s insights.StoreSLA) bool {
	v, ok := s.Share()
	return ok && s.Target != nil && v < *s.Target
}

func onTime(c localdb.DeliveryGroup) string { return pct(c.OnTimeRate, c.Estimated > 0) }

// insightsMarkdown writes the section as Markdown.
func insightsMarkdown(p func(string, ...any), s *insights.Section) {
	p("## Service insights, last 30 days\n\n")
	p("| store | marketplace | answered in time / due | share | target |\n| --- | --- | --- | --- | --- |\n")
	for _, st := range s.Stores {
		p("| %s | %s | %d / %d | %s | %s |\n", mdCell(st.Store), st.Marketplace, st.Met, st.Due, slaShare(st), slaTarget(st))
	}
	p("\nFirst response time: ")
	var parts []string
	for _, b := range localdb.FRTBuckets {
		parts = append(parts, fmt.Sprintf("%s %d", b, s.Buckets[b]))
	}
	p("%s.\n\n", strings.Join(parts, ", "))
	if len(s.SKUs) > 0 {
		p("| SKU | damaged | where is my order | contacts | orders |\n| --- | --- | --- | --- | --- |\n")
		for _, k := range s.SKUs {
			p("| %s | %d | %d | %d | %d |\n", mdCell(k.SKU), k.Damaged, k.WISMO, k.Contacts, k.Orders)
		}
		p("\n")
	}
	if len(s.Carriers) > 0 {
		p("| carrier | parcels | lost per 1,000 | damaged per 1,000 | on time |\n| --- | --- | --- | --- | --- |\n")
		for _, c := range s.Carriers {
			p("| %s | %d | %.1f | %.1f | %s |\n", mdCell(c.Group), c.Parcels, c.LostPer1000, c.DamagedPer1000, onTime(c))
		}
		p("\n")
	}
	if len(s.Alerts) == 0 {
		p("Alerts: none.\n\n")
		return
	}
	for _, a := range s.Alerts {
		p("- **Alert:** %s %s, %d %s contacts in 7 days (%.2f a day against %.2f the 4 weeks before)\n",
			a.Kind, mdCell(a.Group), a.RecentContacts, a.Reason, a.RecentPerDay, a.PreviousPerDay)
	}
	p("\n")
}

// insightsHTML is the section's HTML template, inline SVG charts included.
const insightsHTML = `{{define "insights"}}{{with .S}}
<h2>Service insights, last 30 days</h2>
<table><tr><th>store</th><th>marketplace</th><th>answered in time / due</th><th>share</th><th>target</th></tr>
{{range .Stores}}<tr><td>{{.Store}}</td><td>{{.Marketplace}}</td><td>{{.Met}} / {{.Due}}</td><td class="{{if slaBelow .}}bad{{end}}">{{slaShare .}}</td><td>{{slaTarget .}}</td></tr>
{{end}}</table>
{{end}}<h3>First response time</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 480 {{f .FRTH}}" role="img" aria-label="Threads by first response time">
{{range .FRT}}<g><title>{{.Label}}: {{.N}} threads</title><text x="0" y="{{f (add .Y 13)}}" font-size="11" fill="#5b6575">{{.Label}}</text>
<rect x="60" y="{{f (add .Y 3)}}" width="{{f .W}}" height="12" fill="#2e90fa"/><text x="{{f .Text}}" y="{{f (add .Y 13)}}" font-size="11" fill="#5b6575">{{.N}}</text></g>
{{end}}</svg>
<h3>Contact reasons, last 8 weeks</h3>
<table>{{range .Spark}}<tr><td>{{.Reason}}</td><td><svg xmlns="http://www.w3.org/2000/svg" width="160" height="20" viewBox="0 0 160 20" role="img" aria-label="{{.Reason}} per week"><polyline fill="none" stroke="#2e90fa" stroke-width="1.5" points="{{.Points}}"/></svg></td><td>{{.Total}}</td></tr>
{{end}}</table>
{{with .S}}<h3>Worst SKUs</h3>
{{if .SKUs}}<table><tr><th>SKU</th><th>damaged</th><th>where is my order</th><th>contacts</th><th>orders</th></tr>
{{range .SKUs}}<tr><td>{{.SKU}}</td><td>{{.Damaged}}</td><td>{{.WISMO}}</td><td>{{.Contacts}}</td><td>{{.Orders}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}
<h3>Worst carriers</h3>
{{if .Carriers}}<table><tr><th>carrier</th><th>parcels</th><th>lost per 1,000</th><th>damaged per 1,000</th><th>on time</th></tr>
{{range .Carriers}}<tr><td>{{.Group}}</td><td>{{.Parcels}}</td><td>{{f .LostPer1000}}</td><td>{{f .DamagedPer1000}}</td><td>{{onTime .}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}
<h3>Alerts</h3>
{{if .Alerts}}<ul>{{range .Alerts}}<li class="bad">{{.Kind}} {{.Group}}: {{.RecentContacts}} {{.Reason}} contacts in 7 days ({{f .RecentPerDay}} a day against {{f .PreviousPerDay}})</li>
{{end}}</ul>{{else}}<p class="none">None.</p>{{end}}{{end}}{{end}}`
