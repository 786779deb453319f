package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/insights"
	"github.com/sellerops/sellerops/localdb"
)

// The insights section drawn from a section whose figures are known: the
// bar of the busiest bucket spans the plot (480 - 60 label - 40 for the
// count = 380 units) and one with half its threads half of it; a reason's
// line runs from x 0 to 160 across the 8 weeks, y 18 for none and 2 for
// the busiest week of any reason; a store below its target is marked.
func TestInsightsSectionSVG(t *testing.T) {
	target := 0.9
	weekly := map[string][]float64{}
	for _, r := range []string{"damaged_defective", "return_refund", "address", "cancel_change", "where_is_order",
		"invoice_paperwork", "feedback_complaint", "product_question", "other"} {
		weekly[r] = make([]float64, 8)
	}
	weekly["where_is_order"] = []float64{0, 0, 0, 0, 0, 0, 2, 4}
	r := &Report{Insights: &insights.Section{
		Stores:   []insights.StoreSLA{{Store: "shop-us", Marketplace: "amazon", Due: 10, Met: 8, Target: &target}},
		Buckets:  map[string]int{"0-1h": 4, "1-4h": 2, "4-8h": 0, "8-24h": 0, "24h+": 1},
		Weekly:   weekly,
		SKUs:     []insights.SKURow{{SKU: "MUG-01", Damaged: 3, WISMO: 1, Contacts: 5, Orders: 40}},
		Carriers: []localdb.DeliveryGroup{{Group: "ups", Parcels: 20, Lost: 1, LostPer1000: 50, Estimated: 0}},
	}}
	var html, md bytes.Buffer
	if err := r.HTML(&html); err != nil {
		t.Fatal(err)
	}
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	h := html.String()
	for _, want := range []string{
		`<rect x="60" y="3.0" width="380.0" height="12"`,  // 0-1h, 4 threads
		`<rect x="60" y="21.0" width="190.0" height="12"`, // 1-4h, 2 threads
		`<rect x="60" y="75.0" width="95.0" height="12"`,  // 24h+, 1 thread
		`points="0.0,18.0 22.9,18.0 45.7,18.0 68.6,18.0 91.4,18.0 114.3,18.0 137.1,10.0 160.0,2.0"`,
		`<td class="bad">80%</td><td>90%</td>`,
		`<td>MUG-01</td><td>3</td><td>1</td><td>5</td><td>40</td>`,
		`<td>ups</td><td>20</td><td>50.0</td><td>0.0</td><td>-</td>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %s", want)
		}
	}
	if m := regexp.MustCompile(`(?i)(src|href)\s*=|<script|<link|@import|url\(`).FindString(h); m != "" {
		t.Errorf("html refers to an outside asset: %q", m)
	}
	for _, want := range []string{"## Service insights, last 30 days", "| shop-us | amazon | 8 / 10 | 80% | 90% |",
		"0-1h 4, 1-4h 2, 4-8h 0, 8-24h 0, 24h+ 1", "| ups | 20 | 50.0 | 0.0 | - |", "Alerts: none."} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}
