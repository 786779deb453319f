// Package money is the one money type of sellerops: an integer amount in a
// currency's minor units (per ISO 4217: cents for USD, none for JPY, fils
// for KWD) beside the currency's code, with one strict parser and one
// printer. Nothing on the money path uses floating point.
//
// Display form, used by the command line, the dashboard, the report and the
// CSV export alike: the code, a space, and the amount with a comma between
// thousands and the currency's own number of decimals ("USD 1,234.50",
// "JPY 4,900", "KWD 12.500"). Decimal() is the plain form that forms, CSV
// cells and JSON carry ("1234.50").
package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// MaxMajor bounds every parsed amount: at most this many major units
// (999,999,999,999 USD). No parcel is worth more; a larger number is a typo
// or an attack, and the bound keeps every currency's minor units far inside
// int64.
const MaxMajor = 999_999_999_999

var (
	// ErrUnknownCurrency marks a code that is not in ISO 4217 list one.
	ErrUnknownCurrency = errors.New("unknown currency")
	// ErrBadAmount marks text that is not an amount in the given currency.
	ErrBadAmount = errors.New("bad amount")
)

// Decimals returns how many minor-unit digits the currency has per ISO 4217
// (2 for USD, 0 for JPY, 3 for KWD). The code is matched without regard to
// case; an unknown or empty code is an error naming it.
func Decimals(currency string) (int, error) {
	code := strings.ToUpper(strings.TrimSpace(currency))
	if code == "" {
		return 0, fmt.Errorf("%w: no currency code given; use an ISO 4217 code such as USD", ErrUnknownCurrency)
	}
	d, ok := minorUnits[code]
	if !ok {
		return 0, fmt.Errorf("%w %q: not an ISO 4217 currency code; use one such as USD, EUR or JPY", ErrUnknownCurrency, currency)
	}
	return d, nil
}

// Codes returns every ISO 4217 code the table knows, sorted.
func Codes() []string {
	out := make([]string, 0, len(minorUnits))
	for c := range minorUnits {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Known reports whether the code is in ISO 4217 list one.
func Known(currency string) bool {
	_, err := Decimals(currency)
	return err == nil
}

// Amount is a sum of money: minor units and an upper-case ISO 4217 code.
// The zero Amount has no currency and prints as "-".
type Amount struct {
	minor    int64
	currency string
}

// New makes an amount from minor units, checking the currency.
func New(minor int64, currency string) (Amount, error) {
	if _, err := Decimals(currency); err != nil {
		return Amount{}, err
	}
	return Amount{minor: minor, currency: strings.ToUpper(strings.TrimSpace(currency))}, nil
}

// Of wraps minor units as stored (in the database, in a record) without
// checking the currency, for printing. An amount whose currency is not
// known prints its minor units as they are, marked as such, never guessed.
func Of(minor int64, currency string) Amount {
	return Amount{minor: minor, currency: strings.ToUpper(strings.TrimSpace(currency))}
}

// Minor returns the amount in minor units.
func (a Amount) Minor() int64 { return a.minor }

// Currency returns the upper-case ISO 4217 code ("" for none).
func (a Amount) Currency() string { return a.currency }

// IsZero reports whether the amount is zero.
func (a Amount) IsZero() bool { return a.minor == 0 }

// Decimal prints the amount as a plain decimal in the currency's digits,
// without separators or code: "1234.50", "4900", "12.500". An amount in an
// unknown currency prints its minor units.
func (a Amount) Decimal() string {
	d, err := Decimals(a.currency)
	if err != nil {
		d = 0
	}
	return decimal(a.minor, d, false)
}

// String prints the display form: "USD 1,234.50", "JPY 4,900". An amount
// in an unknown currency (or none) says so instead of guessing its digits.
func (a Amount) String() string {
	d, err := Decimals(a.currency)
	if err != nil {
		if a.currency == "" {
			return strconv.FormatInt(a.minor, 10) + " (minor units, no currency)"
		}
		return a.currency + " " + strconv.FormatInt(a.minor, 10) + " (minor units, unknown currency)"
	}
	return a.currency + " " + decimal(a.minor, d, true)
}

// Format is Of(minor, currency).String(), for callers holding stored fields.
func Format(minor int64, currency string) string { return Of(minor, currency).String() }

// FormatOr is Format, or none when minor is zero: for amounts where zero
// means "not known yet" (a claim not yet given an amount), which must never
// print as "USD 0.00".
func FormatOr(minor int64, currency, none string) string {
	if minor == 0 {
		return none
	}
	return Format(minor, currency)
}

// FormatDecimal is Of(minor, currency).Decimal().
func FormatDecimal(minor int64, currency string) string { return Of(minor, currency).Decimal() }

func decimal(minor int64, d int, group bool) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-minor)
	}
	s := strconv.FormatUint(u, 10)
	for len(s) <= d {
		s = "0" + s
	}
	whole, frac := s[:len(s)-d], s[len(s)-d:]
	if group {
		var b strings.Builder
		for i, r := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		whole = b.String()
	}
	if d > 0 {
		whole += "." + frac
	}
	if neg {
		whole = "-" + whole
	}
	return whole
}

// jsonAmount is the JSON shape of an amount.
type jsonAmount struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

// MarshalJSON writes {"amount":"12.50","currency":"USD","minor":1250}.
func (a Amount) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonAmount{Amount: a.Decimal(), Currency: a.currency, Minor: a.minor})
}

// UnmarshalJSON reads the shape MarshalJSON writes. The decimal is parsed
// strictly and must agree with minor when both are given.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var j jsonAmount
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Amount == "" {
		v, err := New(j.Minor, j.Currency)
		if err != nil {
			return err
		}
		*a = v
		return nil
	}
	v, err := ParseDecimal(j.Currency, j.Amount)
	if err != nil {
		return err
	}
	if j.Minor != 0 && j.Minor != v.minor {
		return fmt.Errorf("%w: amount %q and minor %d disagree", ErrBadAmount, j.Amount, j.Minor)
	}
	*a = v
	return nil
}

// Clean removes what copying a number from a web page, a spreadsheet or a
// chat tends to add around it: a byte-order mark, zero-width characters,
// direction marks and surrounding spaces; full-width digits, point and
// comma (as Japanese input methods type them) become ASCII.
func Clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\uFEFF', r == '\u200B', r == '\u200C', r == '\u200D', r == '\u2060', // BOM, zero-width
			r == '\u200E', r == '\u200F', r == '\u061C', // direction marks
			r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069': // embeddings, isolates
			continue
		case r >= '\uFF10' && r <= '\uFF19': // full-width digits
			b.WriteRune('0' + (r - '\uFF10'))
		case r == '\uFF0E':
			b.WriteByte('.')
		case r == '\uFF0C':
			b.WriteByte(',')
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimFunc(b.String(), unicode.IsSpace)
}

// badAmount builds the error for input that is not an amount: it names the
// input as given and says what would be accepted.
func badAmount(input, currency string, d int, why string) error {
	example := "12"
	if d > 0 {
		example = "12." + strings.Repeat("5", d)
	}
	return fmt.Errorf("%w %q for %s: %s; write a plain decimal such as %s", ErrBadAmount, input, strings.ToUpper(currency), why, example)
}

// ParseDecimal reads a plain decimal in the currency's major units
// ("12.50" USD is 1250 minor units) after Clean. It accepts digits with at
// most one point and at most the currency's decimals; it refuses signs,
// exponents, thousands separators, spaces inside, and more than MaxMajor
// major units. The error names the input and the fix.
func ParseDecimal(currency, s string) (Amount, error) {
	d, err := Decimals(currency)
	if err != nil {
		return Amount{}, err
	}
	return parse(strings.ToUpper(strings.TrimSpace(currency)), d, s, Clean(s))
}

// parse reads the cleaned text in; s is the input as given, for errors.
func parse(cur string, d int, s, in string) (Amount, error) {
	if in == "" {
		return Amount{}, badAmount(s, cur, d, "it is empty")
	}
	whole, frac, hasPoint := strings.Cut(in, ".")
	if whole == "" {
		return Amount{}, badAmount(s, cur, d, "it has no digits before the point")
	}
	if hasPoint && frac == "" {
		return Amount{}, badAmount(s, cur, d, "it has no digits after the point")
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return Amount{}, badAmount(s, cur, d, fmt.Sprintf("%q is not a digit (no signs, exponents, separators or spaces)", r))
			}
		}
	}
	if len(frac) > d {
		if d == 0 {
			return Amount{}, badAmount(s, cur, d, cur+" has no minor unit, so no decimals")
		}
		return Amount{}, badAmount(s, cur, d, fmt.Sprintf("%s has %d decimals, this has %d", cur, d, len(frac)))
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > len(strconv.Itoa(MaxMajor)) {
		return Amount{}, badAmount(s, cur, d, fmt.Sprintf("it is above the limit of %s", decimal(MaxMajor, 0, true)))
	}
	w, _ := strconv.ParseInt("0"+whole, 10, 64)
	if w > MaxMajor {
		return Amount{}, badAmount(s, cur, d, fmt.Sprintf("it is above the limit of %s", decimal(MaxMajor, 0, true)))
	}
	f, _ := strconv.ParseInt("0"+frac+strings.Repeat("0", d-len(frac)), 10, 64)
	scale := int64(1)
	for range d {
		scale *= 10
	}
	return Amount{minor: w*scale + f, currency: cur}, nil
}

// ParseDisplay reads an amount as people and pages print it: the plain
// decimals ParseDecimal takes, and also thousands separated by commas in
// groups of three ("4,900", "1,234.50"), optionally with the currency code
// before or after ("USD 12.50", "4,900 JPY"). A code that names another
// currency is an error. Everything else is as strict as ParseDecimal.
func ParseDisplay(currency, s string) (Amount, error) {
	d, err := Decimals(currency)
	if err != nil {
		return Amount{}, err
	}
	cur := strings.ToUpper(strings.TrimSpace(currency))
	in := Clean(s)
	if code, rest, ok := strings.Cut(in, " "); ok && isCode(code) {
		if !strings.EqualFold(code, cur) {
			return Amount{}, fmt.Errorf("%w %q: it is in %s, expected %s", ErrBadAmount, s, strings.ToUpper(code), cur)
		}
		in = strings.TrimSpace(rest)
	} else if i := strings.LastIndexByte(in, ' '); i >= 0 && isCode(in[i+1:]) {
		if !strings.EqualFold(in[i+1:], cur) {
			return Amount{}, fmt.Errorf("%w %q: it is in %s, expected %s", ErrBadAmount, s, strings.ToUpper(in[i+1:]), cur)
		}
		in = strings.TrimSpace(in[:i])
	}
	whole, frac, hasPoint := strings.Cut(in, ".")
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return Amount{}, badAmount(s, cur, d, "its thousands separators are not in groups of three")
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return Amount{}, badAmount(s, cur, d, "its thousands separators are not in groups of three")
			}
		}
		whole = strings.Join(groups, "")
	}
	if hasPoint {
		whole += "." + frac
	}
	return parse(cur, d, s, whole)
}

func isCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}
