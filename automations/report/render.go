package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// Formats are the report formats, by their --format names.
var Formats = []string{"md", "html", "json"}

// Render writes the report in a format: md, html or json.
func (r *Report) Render(w io.Writer, format string) error {
	switch format {
	case "md", "markdown":
		return r.Markdown(w)
	case "html":
		return r.HTML(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	return fmt.Errorf("report format %q: use md, html or json", format)
}

// FileName is the default file name of a report made at t.
func FileName(t time.Time, format string) string {
	return "report-" + t.UTC().Format("2006-01-02T1504Z") + "." + format
}

// Save renders the report into path (made with mode 0600, its folder 0700),
// writing a temporary file first so that a reader never sees half a report.
func (r *Report) Save(path, format string) error {
	var buf bytes.Buffer
	if err := r.Render(&buf, format); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("report folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func recoveredText(list []money.Amount) string {
	if len(list) == 0 {
		return "nothing"
	}
	var parts []string
	for _, m := range list {
		parts = append(parts, m.String())
	}
	return strings.Join(parts, ", ")
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// mdCell keeps a value from breaking a Markdown table.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	if s == "" {
		return "-"
	}
	return s
}

// Markdown writes the report as Markdown.
func (r *Report) Markdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# sellerops morning report\n\n")
	p("%s to %s\n\n", stamp(r.From), stamp(r.To))
	p("- **Messages:** %d new in %d threads, %d overdue now\n", r.Messages.New, len(r.Messages.NewThreads), len(r.Messages.Overdue))
	p("- **Parcels:** %d changed, %d delivered, %d stalled\n", len(r.Parcels.Changed), len(r.Parcels.Delivered), len(r.Parcels.Stalled))
	p("- **Claims:** %d drafted, %d filed, %d paid, %d denied; recovered %s\n", len(r.Claims.Drafted), len(r.Claims.Filed),
		len(r.Claims.Paid), len(r.Claims.Denied), recoveredText(r.Claims.Recovered))
	p("- **Claim windows closing:** %d\n", len(r.Closing))
	p("- **Failures:** %d\n\n", len(r.Failures))

	threads := func(title string, list []Thread, due bool) {
		p("## %s\n\n", title)
		if len(list) == 0 {
			p("None.\n\n")
			return
		}
		p("| store | buyer | subject | order | %s |\n| --- | --- | --- | --- | --- |\n", map[bool]string{true: "reply by", false: "new"}[due])
		for _, t := range list {
			last := strconv.Itoa(t.NewMessages)
			if due {
				last = stamp(t.ReplyDeadline)
			}
			p("| %s | %s | %s | %s | %s |\n", mdCell(t.Store), mdCell(t.Buyer), mdCell(t.Subject), mdCell(t.Order), last)
		}
		p("\n")
	}
	threads("Overdue messages", r.Messages.Overdue, true)
	threads("New messages", r.Messages.NewThreads, false)

	parcels := func(title string, list []Parcel) {
		p("## %s\n\n", title)
		if len(list) == 0 {
			p("None.\n\n")
			return
		}
		p("| courier | tracking number | status | last event | note |\n| --- | --- | --- | --- | --- |\n")
		for _, x := range list {
			st := x.Tag
			if x.Subtag != "" {
				st += " (" + x.Subtag + ")"
			}
			p("| %s | %s | %s | %s | %s |\n", x.Courier, x.TrackingNumber, st, stamp(x.LastEventAt), mdCell(x.Reason))
		}
		p("\n")
	}
	parcels("Stalled parcels", r.Parcels.Stalled)
	parcels("Parcels that changed", r.Parcels.Changed)
	parcels("Parcels delivered", r.Parcels.Delivered)

	p("## Claim windows closing\n\n")
	if len(r.Closing) == 0 {
		p("None.\n\n")
	} else {
		p("| courier | tracking number | kind | closes | days left | value | draft | why |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, c := range r.Closing {
			draft := "-"
			if c.ClaimID != 0 {
				draft = strconv.FormatInt(c.ClaimID, 10)
			}
			p("| %s | %s | %s | %s | %d | %s | %s | %s |\n", c.Courier, c.TrackingNumber, c.Kind, stamp(c.Closes), c.DaysLeft,
				money.FormatOr(c.Amount, c.Currency, "not known"), draft, mdCell(c.Reason))
		}
		p("\n")
	}

	p("## Claims\n\nRecovered: %s\n\n", recoveredText(r.Claims.Recovered))
	for _, sec := range []struct {
		title string
		list  []Claim
	}{{"Drafted", r.Claims.Drafted}, {"Filed", r.Claims.Filed}, {"Paid", r.Claims.Paid}, {"Denied", r.Claims.Denied}} {
		p("### %s\n\n", sec.title)
		if len(sec.list) == 0 {
			p("None.\n\n")
			continue
		}
		p("| claim | courier | tracking number | kind | state | amount | paid | confirmation |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, c := range sec.list {
			p("| %d | %s | %s | %s | %s | %s | %s | %s |\n", c.ID, c.Courier, c.TrackingNumber, c.Kind, c.State,
				money.Format(c.Amount, c.Currency), money.Format(c.PaidAmount, c.Currency), mdCell(c.ConfirmationNumber))
		}
		p("\n")
	}

	if r.Insights != nil {
		insightsMarkdown(p, r.Insights)
	}
	p("## Failures\n\n")
	if len(r.Failures) == 0 {
		p("None.\n\n")
	} else {
		p("| job | item | state | class | error | evidence |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, f := range r.Failures {
			p("| %s | %s | %s | %s | %s | %s |\n", mdCell(f.Job), mdCell(f.Item), f.State, mdCell(f.Class), mdCell(f.Error), mdCell(f.Evidence))
		}
		p("\n")
	}

	p("## Runs\n\n")
	if len(r.Runs) == 0 {
		p("None.\n")
	} else {
		p("| run | job | state | started | done | failed | needs a person | left |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, rn := range r.Runs {
			p("| %d | %s | %s | %s | %d | %d | %d | %d |\n", rn.ID, rn.Job, rn.State, stamp(rn.StartedAt), rn.Done, rn.Failed, rn.NeedsHuman, rn.Pending)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// bar is one hour of the activity chart, in SVG units.
type bar struct {
	X, W                float64
	DoneY, DoneH        float64
	FailY, FailH        float64
	MsgY, MsgH          float64
	Label, Title        string
	ShowLabel           bool
	Messages, Done, Bad int
}

// chart lays the activity out as grouped bars: run items done and failed
// (stacked), and new messages beside them.
func (r *Report) chart() (bars []bar, width, height, max float64) {
	width, height = 720, 180
	const top, bottom = 10, 30
	plot := height - top - bottom
	for _, a := range r.Activity {
		if v := float64(a.Done + a.Failed); v > max {
			max = v
		}
		if v := float64(a.Messages); v > max {
			max = v
		}
	}
	if max == 0 {
		max = 1
	}
	n := float64(len(r.Activity))
	if n == 0 {
		return nil, width, height, max
	}
	slot := width / n
	every := int(n/12) + 1
	for i, a := range r.Activity {
		x := float64(i) * slot
		w := slot * 0.4
		doneH := plot * float64(a.Done) / max
		failH := plot * float64(a.Failed) / max
		msgH := plot * float64(a.Messages) / max
		bars = append(bars, bar{
			X: x + slot*0.1, W: w,
			DoneY: top + plot - doneH, DoneH: doneH,
			FailY: top + plot - doneH - failH, FailH: failH,
			MsgY: top + plot - msgH, MsgH: msgH,
			Label: a.Hour.Format("15h"), ShowLabel: i%every == 0,
			Title:    fmt.Sprintf("%s: %d items done, %d failed, %d new messages", a.Hour.Format("Jan 2 15:04 UTC"), a.Done, a.Failed, a.Messages),
			Messages: a.Messages, Done: a.Done, Bad: a.Failed,
		})
	}
	return bars, width, height, max
}

var htmlFuncs = template.FuncMap{
	"stamp":     stamp,
	"money":     money.Format,
	"value":     func(minor int64, cur string) string { return money.FormatOr(minor, cur, "not known") },
	"recovered": recoveredText,
	"add":       func(a, b float64) float64 { return a + b },
	"f":         func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"slaShare":  slaShare,
	"slaTarget": slaTarget,
	"slaBelow":  slaBelow,
	"onTime":    onTime,
}

var htmlTmpl = template.Must(template.Must(template.New("report").Funcs(htmlFuncs).Parse(htmlSource)).Parse(insightsHTML))

// HTML writes the report as one self-contained page: inline CSS, an inline
// SVG chart, no script and nothing loaded from elsewhere.
func (r *Report) HTML(w io.Writer) error {
	bars, width, height, max := r.chart()
	data := map[string]any{"R": r, "Bars": bars, "W": width, "H": height, "Max": int(max)}
	if r.Insights != nil {
		frt, frtH := frtBars(r.Insights)
		data["Insights"] = map[string]any{"S": r.Insights, "FRT": frt, "FRTH": frtH, "Spark": sparkLines(r.Insights)}
	}
	return htmlTmpl.Execute(w, data)
}

const htmlSource = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sellerops morning report, {{stamp .R.To}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2430;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #dde2ea;padding-bottom:.2rem}
.period{color:#5b6575}.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #dde2ea;border-radius:6px;padding:.6rem .9rem;min-width:10rem}.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eef1f5;vertical-align:top}
th{background:#f5f7fa;font-weight:600}.none{color:#5b6575}.bad{color:#b42318}.ok{color:#067647}code{font-size:12px;word-break:break-all}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle}
@media (prefers-color-scheme:dark){body{background:#14181f;color:#e4e8ee}th{background:#1e242d}td{border-color:#262d38}.card{border-color:#2c3440}}
</style></head><body>
<h1>sellerops morning report</h1>
<p class="period">{{stamp .R.From}} to {{stamp .R.To}}</p>
<div class="cards">
<div class="card"><b>{{.R.Messages.New}}</b>new messages</div>
<div class="card"><b class="{{if .R.Messages.Overdue}}bad{{end}}">{{len .R.Messages.Overdue}}</b>overdue threads</div>
<div class="card"><b>{{len .R.Parcels.Changed}}</b>parcels changed</div>
<div class="card"><b>{{len .R.Parcels.Delivered}}</b>delivered</div>
<div class="card"><b class="{{if .R.Parcels.Stalled}}bad{{end}}">{{len .R.Parcels.Stalled}}</b>stalled</div>
<div class="card"><b class="{{if .R.Closing}}bad{{end}}">{{len .R.Closing}}</b>claim windows closing</div>
<div class="card"><b>{{len .R.Claims.Filed}}</b>claims filed</div>
<div class="card"><b class="ok">{{recovered .R.Claims.Recovered}}</b>recovered</div>
<div class="card"><b class="{{if .R.Failures}}bad{{end}}">{{len .R.Failures}}</b>failures</div>
</div>

<h2>Activity per hour</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {{f .W}} {{f .H}}" role="img" aria-label="Run items done and failed, and new messages, per hour">
<line x1="0" y1="150" x2="{{f .W}}" y2="150" stroke="#9aa4b2" stroke-width="1"/>
{{range .Bars}}<g><title>{{.Title}}</title>
<rect x="{{f .X}}" y="{{f .DoneY}}" width="{{f .W}}" height="{{f .DoneH}}" fill="#2e90fa"/>
<rect x="{{f .X}}" y="{{f .FailY}}" width="{{f .W}}" height="{{f .FailH}}" fill="#f04438"/>
<rect x="{{f (add .X .W)}}" y="{{f .MsgY}}" width="{{f .W}}" height="{{f .MsgH}}" fill="#12b76a"/>
{{if .ShowLabel}}<text x="{{f .X}}" y="166" font-size="10" fill="#5b6575">{{.Label}}</text>{{end}}</g>
{{end}}<text x="2" y="10" font-size="10" fill="#5b6575">{{.Max}}</text>
</svg>
<p class="legend"><span style="background:#2e90fa"></span>items done<span style="background:#f04438"></span>items failed<span style="background:#12b76a"></span>new messages</p>

<h2>Overdue messages</h2>
{{if .R.Messages.Overdue}}<table><tr><th>store</th><th>buyer</th><th>subject</th><th>order</th><th>reply by</th></tr>
{{range .R.Messages.Overdue}}<tr><td>{{.Store}}</td><td>{{.Buyer}}</td><td>{{.Subject}}</td><td>{{.Order}}</td><td class="bad">{{stamp .ReplyDeadline}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}

<h2>New messages</h2>
{{if .R.Messages.NewThreads}}<table><tr><th>store</th><th>buyer</th><th>subject</th><th>order</th><th>new</th></tr>
{{range .R.Messages.NewThreads}}<tr><td>{{.Store}}</td><td>{{.Buyer}}</td><td>{{.Subject}}</td><td>{{.Order}}</td><td>{{.NewMessages}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}

{{define "parcels"}}{{if .}}<table><tr><th>courier</th><th>tracking number</th><th>status</th><th>last event</th><th>note</th></tr>
{{range .}}<tr><td>{{.Courier}}</td><td><code>{{.TrackingNumber}}</code></td><td>{{.Tag}}{{if .Subtag}} ({{.Subtag}}){{end}}</td><td>{{stamp .LastEventAt}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}{{end}}
<h2>Stalled parcels</h2>
{{template "parcels" .R.Parcels.Stalled}}
<h2>Parcels that changed</h2>
{{template "parcels" .R.Parcels.Changed}}
<h2>Parcels delivered</h2>
{{template "parcels" .R.Parcels.Delivered}}

{{define "claims"}}{{if .}}<table><tr><th>claim</th><th>courier</th><th>tracking number</th><th>kind</th><th>state</th><th>amount</th><th>paid</th><th>confirmation</th></tr>
{{range .}}<tr><td>{{.ID}}</td><td>{{.Courier}}</td><td><code>{{.TrackingNumber}}</code></td><td>{{.Kind}}</td><td>{{.State}}</td><td>{{money .Amount .Currency}}</td><td>{{money .PaidAmount .Currency}}</td><td>{{.ConfirmationNumber}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}{{end}}
<h2>Claim windows closing</h2>
{{if .R.Closing}}<table><tr><th>courier</th><th>tracking number</th><th>kind</th><th>closes</th><th>days left</th><th>value</th><th>draft</th><th>why</th></tr>
{{range .R.Closing}}<tr><td>{{.Courier}}</td><td><code>{{.TrackingNumber}}</code></td><td>{{.Kind}}</td><td>{{stamp .Closes}}</td><td class="bad">{{.DaysLeft}}</td><td>{{value .Amount .Currency}}</td><td>{{if .ClaimID}}{{.ClaimID}}{{else}}-{{end}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}
<h2>Claims</h2>
<p>Recovered: <b class="ok">{{recovered .R.Claims.Recovered}}</b></p>
<h3>Drafted</h3>{{template "claims" .R.Claims.Drafted}}
<h3>Filed</h3>{{template "claims" .R.Claims.Filed}}
<h3>Paid</h3>{{template "claims" .R.Claims.Paid}}
<h3>Denied</h3>{{template "claims" .R.Claims.Denied}}

{{with .Insights}}{{template "insights" .}}{{end}}

<h2>Failures</h2>
{{if .R.Failures}}<table><tr><th>job</th><th>item</th><th>state</th><th>class</th><th>error</th><th>evidence</th></tr>
{{range .R.Failures}}<tr><td>{{.Job}}</td><td><code>{{.Item}}</code></td><td>{{.State}}</td><td class="bad">{{.Class}}</td><td>{{.Error}}</td><td><code>{{.Evidence}}</code></td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}

<h2>Runs</h2>
{{if .R.Runs}}<table><tr><th>run</th><th>job</th><th>state</th><th>started</th><th>done</th><th>failed</th><th>needs a person</th><th>left</th></tr>
{{range .R.Runs}}<tr><td>{{.ID}}</td><td>{{.Job}}</td><td>{{.State}}</td><td>{{stamp .StartedAt}}</td><td>{{.Done}}</td><td>{{.Failed}}</td><td>{{.NeedsHuman}}</td><td>{{.Pending}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}
<p class="none">Made by sellerops at {{stamp .R.GeneratedAt}}.</p>
</body></html>
`

// PostWebhook posts payload as JSON to url within timeout (zero: ten
// seconds). A status other than 2xx is an error naming the URL's host and
// the status; the caller logs it and goes on.
func PostWebhook(ctx context.Context, client *http.Client, url string, payload any, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if client == nil {
		client = http.DefaultClient
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return errors.New("report.webhook is not a valid URL; fix it in the config")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "sellerops")
	resp, err := client.Do(req)
	if err != nil {
		// The URL itself may hold a token (many webhook URLs do): name
		// only its host.
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("report.webhook %s: %w (check the URL in the config, or remove report.webhook)", req.URL.Host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("report.webhook %s answered %s", req.URL.Host, resp.Status)
	}
	return nil
}
