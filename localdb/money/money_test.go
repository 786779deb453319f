package money

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// labelledDecimals is written from ISO 4217 list one (SIX), by hand and
// before the table in iso4217.go was filled in, so the table is checked
// against the published standard rather than against itself.
var labelledDecimals = map[string]int{
	"USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "CNY": 2, "INR": 2, "MXN": 2, "SEK": 2,
	"HUF": 2, "IDR": 2, // two in ISO 4217 although cash is often rounded
	"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0, "XOF": 0, "XAF": 0, "XPF": 0,
	"KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "LYD": 3, "IQD": 3,
	"CLF": 4, "UYW": 4,
}

func TestTableAgreesWithLabelledSet(t *testing.T) {
	for code, want := range labelledDecimals {
		got, err := Decimals(code)
		if err != nil || got != want {
			t.Errorf("Decimals(%s) = %d, %v; ISO 4217 says %d", code, got, err, want)
		}
	}
	// Every code is three upper-case letters with 0, 2, 3 or 4 digits.
	for code, d := range minorUnits {
		if !isCode(code) || strings.ToUpper(code) != code || (d != 0 && d != 2 && d != 3 && d != 4) {
			t.Errorf("table entry %q: %d", code, d)
		}
	}
	if len(minorUnits) < 150 {
		t.Errorf("table has %d codes; list one has about 180", len(minorUnits))
	}
}

func TestUnknownCurrencyIsNamed(t *testing.T) {
	for _, code := range []string{"ABC", "XAU", "XXX", "HRK", "usdollar"} {
		_, err := Decimals(code)
		if !errors.Is(err, ErrUnknownCurrency) || !strings.Contains(err.Error(), code) {
			t.Errorf("Decimals(%q) = %v, want an unknown-currency error naming it", code, err)
		}
		if _, err := ParseDecimal(code, "1"); !errors.Is(err, ErrUnknownCurrency) {
			t.Errorf("ParseDecimal(%q) = %v", code, err)
		}
	}
	if _, err := Decimals(""); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("empty code: %v", err)
	}
	if d, err := Decimals("jpy"); err != nil || d != 0 {
		t.Errorf("lower case: %d, %v", d, err)
	}
}

func TestParseDecimal(t *testing.T) {
	good := []struct {
		cur, in string
		minor   int64
	}{
		{"USD", "12.50", 1250}, {"USD", "12.5", 1250}, {"USD", "12", 1200}, {"USD", "0.01", 1}, {"USD", "007.10", 710},
		{"EUR", "49.90", 4990}, {"GBP", "0", 0},
		{"JPY", "4900", 4900}, {"KRW", "15000", 15000},
		{"KWD", "12.345", 12345}, {"KWD", "1.5", 1500}, {"BHD", "0.001", 1},
		{"CLF", "1.2345", 12345},
		{"USD", "999999999999.99", 99999999999999},
		// Cleaned first: BOM, zero-width space, direction marks, full-width digits, spaces around.
		{"USD", "\uFEFF12.50", 1250}, {"USD", "12\u200B.50", 1250}, {"USD", "\u200E12.50\u200F", 1250},
		{"JPY", "４９００", 4900}, {"USD", "１２．５０", 1250}, {"USD", "  12.50\n", 1250}, {"USD", "\u00a012.50", 1250},
	}
	for _, tc := range good {
		a, err := ParseDecimal(tc.cur, tc.in)
		if err != nil || a.Minor() != tc.minor || a.Currency() != tc.cur {
			t.Errorf("ParseDecimal(%s, %q) = %d %s, %v; want %d", tc.cur, tc.in, a.Minor(), a.Currency(), err, tc.minor)
		}
	}
	bad := []struct{ cur, in, why string }{
		{"USD", "1e308", "digit"}, {"USD", "1e3", "digit"}, {"USD", "1E3", "digit"}, {"USD", "+5", "digit"},
		{"USD", "-5", "digit"}, {"USD", "12.345", "2 decimals"}, {"JPY", "4900.5", "no minor unit"},
		{"JPY", "4900.0", "no minor unit"}, {"KWD", "1.2345", "3 decimals"},
		{"USD", "1,000", "digit"}, {"USD", "1 000", "digit"}, {"USD", "", "empty"}, {"USD", "  ", "empty"},
		{"USD", ".5", "before the point"}, {"USD", "5.", "after the point"}, {"USD", "1.2.3", "digit"},
		{"USD", "NaN", "digit"}, {"USD", "Inf", "digit"}, {"USD", "0x10", "digit"}, {"USD", "12,50", "digit"},
		{"USD", "1000000000000", "limit"}, {"USD", "99999999999999999999999", "limit"},
		{"USD", "٣", "digit"}, // Arabic-Indic digit: not silently read
	}
	for _, tc := range bad {
		_, err := ParseDecimal(tc.cur, tc.in)
		if !errors.Is(err, ErrBadAmount) {
			t.Errorf("ParseDecimal(%s, %q) = %v, want a bad-amount error", tc.cur, tc.in, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.why) || !strings.Contains(msg, "such as") || !strings.Contains(msg, tc.cur) {
			t.Errorf("ParseDecimal(%s, %q): message %q should say %q, name the currency and the fix", tc.cur, tc.in, msg, tc.why)
		}
	}
}

func TestParseDisplay(t *testing.T) {
	good := []struct {
		cur, in string
		minor   int64
	}{
		{"JPY", "4,900", 4900}, {"USD", "1,234.50", 123450}, {"USD", "USD 12.50", 1250}, {"JPY", "4,900 JPY", 4900},
		{"USD", "12.50", 1250}, {"USD", "1,000,000", 100000000}, {"KWD", "KWD 1,234.567", 1234567},
	}
	for _, tc := range good {
		a, err := ParseDisplay(tc.cur, tc.in)
		if err != nil || a.Minor() != tc.minor {
			t.Errorf("ParseDisplay(%s, %q) = %d, %v; want %d", tc.cur, tc.in, a.Minor(), err, tc.minor)
		}
	}
	for _, in := range []string{"1,00", "12,34.50", ",100", "EUR 12.50", "12.50 GBP", "1e3", "+5"} {
		if _, err := ParseDisplay("USD", in); !errors.Is(err, ErrBadAmount) {
			t.Errorf("ParseDisplay(USD, %q) = %v, want a bad-amount error", in, err)
		}
	}
}

func TestPrint(t *testing.T) {
	cases := []struct {
		minor          int64
		cur            string
		display, plain string
	}{
		{1250, "USD", "USD 12.50", "12.50"},
		{5, "USD", "USD 0.05", "0.05"},
		{0, "EUR", "EUR 0.00", "0.00"},
		{123456789, "GBP", "GBP 1,234,567.89", "1234567.89"},
		{4900, "JPY", "JPY 4,900", "4900"},
		{490000, "JPY", "JPY 490,000", "490000"},
		{999, "KRW", "KRW 999", "999"},
		{12345, "KWD", "KWD 12.345", "12.345"},
		{1, "BHD", "BHD 0.001", "0.001"},
		{12345, "CLF", "CLF 1.2345", "1.2345"},
		{-1250, "USD", "USD -12.50", "-12.50"},
		{4990, "usd", "USD 49.90", "49.90"},
	}
	for _, tc := range cases {
		a := Of(tc.minor, tc.cur)
		if got := a.String(); got != tc.display {
			t.Errorf("String(%d %s) = %q, want %q", tc.minor, tc.cur, got, tc.display)
		}
		if got := a.Decimal(); got != tc.plain {
			t.Errorf("Decimal(%d %s) = %q, want %q", tc.minor, tc.cur, got, tc.plain)
		}
		// What the printer writes, the parsers read back.
		if tc.minor >= 0 {
			if b, err := ParseDecimal(tc.cur, a.Decimal()); err != nil || b != a {
				t.Errorf("ParseDecimal(Decimal()) of %v = %v, %v", a, b, err)
			}
			if b, err := ParseDisplay(tc.cur, a.String()); err != nil || b != a {
				t.Errorf("ParseDisplay(String()) of %v = %v, %v", a, b, err)
			}
		}
	}
	// Unknown or missing currencies say so instead of guessing two decimals.
	if s := Of(1250, "").String(); !strings.Contains(s, "1250") || !strings.Contains(s, "no currency") {
		t.Errorf("no currency: %q", s)
	}
	if s := Of(1250, "ABC").String(); !strings.Contains(s, "ABC 1250") || !strings.Contains(s, "unknown") {
		t.Errorf("unknown currency: %q", s)
	}
}

func TestJSON(t *testing.T) {
	a, _ := New(1250, "USD")
	b, err := json.Marshal(a)
	if err != nil || string(b) != `{"amount":"12.50","currency":"USD","minor":1250}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	j, _ := json.Marshal(Of(4900, "JPY"))
	if string(j) != `{"amount":"4900","currency":"JPY","minor":4900}` {
		t.Errorf("JPY: %s", j)
	}
	var back Amount
	if err := json.Unmarshal(b, &back); err != nil || back != a {
		t.Errorf("Unmarshal = %v, %v", back, err)
	}
	for _, in := range []string{`{"amount":"1e3","currency":"USD"}`, `{"amount":"12.50","currency":"USD","minor":99}`,
		`{"amount":"1","currency":"ABC"}`} {
		if err := json.Unmarshal([]byte(in), &back); err == nil {
			t.Errorf("Unmarshal(%s) accepted", in)
		}
	}
}
