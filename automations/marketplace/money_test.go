package marketplace

import (
	"encoding/json"
	"testing"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
)

// TestOrderValueIsMoneyInTheOrdersCurrency reads order values as sites
// write them (a JSON string, a JSON number, nothing) into ISO 4217 minor
// units of the order's currency; what is not an amount there is
// page_changed, never a stored guess.
func TestOrderValueIsMoneyInTheOrdersCurrency(t *testing.T) {
	t.Parallel()
	y := &storeSync{store: localdb.Store{Name: "shop", Marketplace: "ebay"}}
	good := []struct {
		in    string
		minor int64
		cur   string
	}{
		{`{"id":"1","value":"4900","currency":"JPY"}`, 4900, "JPY"},
		{`{"id":"1","value":4900,"currency":"JPY"}`, 4900, "JPY"},
		{`{"id":"1","value":"12.50","currency":"USD"}`, 1250, "USD"},
		{`{"id":"1","value":12.5,"currency":"USD"}`, 1250, "USD"},
		{`{"id":"1","value":"12.345","currency":"KWD"}`, 12345, "KWD"},
		{`{"id":"1","value":"1,234.50","currency":"EUR"}`, 123450, "EUR"},
		{`{"id":"1","value":"","currency":"GBP"}`, 0, "GBP"},
		{`{"id":"1","value":null,"currency":""}`, 0, ""},
		{`{"id":"1"}`, 0, ""},
	}
	for _, tc := range good {
		var o rawOrderInfo
		if err := json.Unmarshal([]byte(tc.in), &o); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		a, err := y.orderValue(*o.order())
		if err != nil || a.Minor() != tc.minor || a.Currency() != tc.cur {
			t.Errorf("%s: %d %s, %v; want %d %s", tc.in, a.Minor(), a.Currency(), err, tc.minor, tc.cur)
		}
	}
	for _, in := range []string{
		`{"id":"1","value":"12.345","currency":"USD"}`, // more decimals than USD has
		`{"id":"1","value":4900.5,"currency":"JPY"}`,   // JPY has no minor unit
		`{"id":"1","value":1e3,"currency":"USD"}`,      // an exponent
		`{"id":"1","value":"-5","currency":"USD"}`,
		`{"id":"1","value":"5","currency":"XYZ"}`, // not ISO 4217
		`{"id":"1","value":"5","currency":""}`,    // a value in no currency
	} {
		var o rawOrderInfo
		if err := json.Unmarshal([]byte(in), &o); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		_, err := y.orderValue(*o.order())
		if automations.Classify(err) != automations.PageChanged {
			t.Errorf("%s: %v, want page_changed", in, err)
		}
	}
	var o rawOrderInfo
	if err := json.Unmarshal([]byte(`{"id":"1","value":{"amount":1}}`), &o); err == nil {
		t.Errorf("an object as a value was accepted: %q", o.Value)
	}
}
