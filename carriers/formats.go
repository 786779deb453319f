package carriers

import (
	"regexp"
	"strings"
	"unicode"
)

// Format is one tracking-number format: its courier, a pattern with named
// groups (SerialNumber, CheckDigit and any decoding groups), the check-digit
// algorithm with its parameters, and the serial rewrite some formats need.
//
// The rules follow the public data set jkeen/tracking_number_data (MIT) as its
// reference consumer applies them; the patterns are rewritten for RE2, which
// has no look-around, with the same lengths and prefixes.
type Format struct {
	Courier     string // courier code, as in the public data set ("ups", "fedex", ...)
	CourierName string
	ID          string // the data set's format id; empty where it has none
	Name        string // the data set's service name, e.g. "FedEx Express (12)"
	Pattern     string // RE2 pattern of the whole normalised number, without anchors
	Checksum    *Checksum
	// Prepend, when set, adds Prefix to the serial unless the serial
	// already starts with UnlessPrefix, before the checksum runs.
	Prepend *Prepend
	// CountryRequired makes the CountryCode group a required lookup in the
	// list of S10 postal operators.
	CountryRequired bool

	re *regexp.Regexp
}

// Prepend is a serial rewrite rule.
type Prepend struct {
	Prefix       string
	UnlessPrefix string
}

// HasChecksum reports whether the format carries a check digit.
func (f *Format) HasChecksum() bool { return f.Checksum != nil }

func mod10(evens, odds int, reverse bool) *Checksum {
	return &Checksum{Algorithm: AlgoMod10, Modulo: 10, EvensMultiplier: evens, OddsMultiplier: odds, Reverse: reverse}
}

func sumProduct(weights ...int) *Checksum {
	return &Checksum{Algorithm: AlgoSumProduct, Modulo: 11, Modulo2: 10, Weightings: weights}
}

var (
	luhnCheck = &Checksum{Algorithm: AlgoLuhn, Modulo: 10}
	mod7Check = &Checksum{Algorithm: AlgoMod7, Modulo: 7}
	s10Check  = &Checksum{Algorithm: AlgoS10, Modulo: 11, Weightings: []int{8, 6, 4, 2, 3, 5, 9, 7}}
	dpdCheck  = &Checksum{Algorithm: AlgoMod3736, Modulo: 36}
)

// serialCheck wraps a serial pattern and a one-digit check group.
func serialCheck(serial string) string {
	return `(?P<SerialNumber>` + serial + `)(?P<CheckDigit>\d)`
}

// alt joins alternatives; RE2 picks the first alternative that matches, as a
// backtracking engine would, so the order here is the order tried.
func alt(parts ...string) string { return `(?:` + strings.Join(parts, `|`) + `)` }

// USPS IMpb bodies (serial + check digit). Position 6 of the body is the first
// digit of the mailer id: 9 means a 9-digit id, 0-8 a 6-digit id.
var (
	impbN22 = serialCheck(`94\d{19}`)
	impbN26 = serialCheck(`94\d{23}`)
	impbN30 = serialCheck(`94\d{3}9\d{23}`)

	impbC22 = serialCheck(`92\d{3}9\d{15}|93\d{3}[0-8]\d{15}|95\d{19}`)
	impbC26 = serialCheck(`92\d{3}9\d{19}|93\d{3}[0-8]\d{19}|95\d{23}`)

	legacyBody = alt(serialCheck(`91\d{19}`), serialCheck(`\d{19}`))

	zip5 = `420(?P<DestinationZip>\d{5})`
	zip9 = `420(?P<DestinationZip>\d{9})`
)

// formats is the detection table, in the reference's load order: courier files
// by file name, then formats in file order. Ties in ranking go to the earlier.
var formats = []*Format{
	// amazon
	{Courier: "amazon", CourierName: "Amazon", ID: "amazon_logistics", Name: "Amazon Logistics",
		Pattern: `TB[ACM]\d{12}`},
	{Courier: "amazon", CourierName: "Amazon", ID: "amazon_international", Name: "Amazon International",
		Pattern: `[AFC]\d{10}`},
	// canada post
	{Courier: "canada_post", CourierName: "Canada Post", ID: "canada_post", Name: "Canada Post (16)",
		Pattern: serialCheck(`(?P<OriginId>\d{7})\d{8}`), Checksum: mod10(3, 1, false)},
	// canpar
	{Courier: "canpar", CourierName: "Canpar", ID: "canpar_22", Name: "Canpar (22)",
		Pattern: `[CDKLSUXZ]\d{21}`},
	// dhl
	{Courier: "dhl", CourierName: "DHL", ID: "dhl_express", Name: "DHL Express",
		Pattern: serialCheck(`\d{9,10}`), Checksum: mod7Check},
	{Courier: "dhl", CourierName: "DHL", ID: "dhl_express_piece_id", Name: "DHL Express (Piece ID)",
		Pattern: `J[A-Z]{2,3}\d{9,10}`},
	{Courier: "dhl", CourierName: "DHL", ID: "dhl_ecommerce", Name: "DHL E-Commerce",
		Pattern: `(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)[0-9][0-9A-Z]{9,38}`},
	{Courier: "dhl", CourierName: "DHL", ID: "dhl_ecommerce_14", Name: "DHL E-Commerce (14)",
		Pattern: `\d{14}`},
	// dpd
	{Courier: "dpd", CourierName: "DPD", ID: "dpd", Name: "DPD (28)",
		Pattern:  `(?P<SerialNumber>(?P<DestinationZip>\d{7})\d{14}(?P<ServiceType>\d{3})(?P<CountryCode>\d{3}))(?P<CheckDigit>[0-9A-Z])`,
		Checksum: dpdCheck},
	{Courier: "dpd", CourierName: "DPD", ID: "dpd_14", Name: "DPD (14)",
		Pattern: `(?P<SerialNumber>\d{14})(?P<CheckDigit>[0-9A-Z])`, Checksum: dpdCheck},
	// fedex
	{Courier: "fedex", CourierName: "FedEx", ID: "fedex_12", Name: "FedEx Express (12)",
		Pattern: serialCheck(`\d{11}`), Checksum: sumProduct(3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)},
	{Courier: "fedex", CourierName: "FedEx", ID: "fedex_34", Name: "FedEx Express (34)",
		Pattern:  `[0-8]\d{14}(?P<DestinationZip>\d{5})` + serialCheck(`\d{13}`),
		Checksum: sumProduct(1, 7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)},
	{Courier: "fedex", CourierName: "FedEx", ID: "fedex_astra_32", Name: "FedEx ASTRA (32)",
		Pattern: `3\d{15}` + serialCheck(`\d{11}`) + `\d{4}`, Checksum: sumProduct(3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)},
	{Courier: "fedex", CourierName: "FedEx", ID: "fedex_ground", Name: "FedEx Ground",
		Pattern: serialCheck(`\d{14}`), Checksum: mod10(1, 3, false)},
	{Courier: "fedex", CourierName: "FedEx", ID: "fedex_ground_sscc_18", Name: "FedEx Ground (SSCC-18)",
		Pattern: `(?P<ShippingContainerType>\d{2})` + serialCheck(`\d{15}`), Checksum: mod10(3, 1, false)},
	{Courier: "fedex", CourierName: "FedEx", ID: "fedex_ground_96", Name: "FedEx Ground 96 (22)",
		Pattern:  `96(?P<SCNC>\d{2})(?P<ServiceType>\d{3})` + serialCheck(`(?P<ShipperId>\d{7})(?P<PackageId>\d{7})`),
		Checksum: mod10(1, 3, false)},
	{Courier: "fedex", CourierName: "FedEx", ID: "fedex_ground_gsn", Name: "FedEx Ground GSN",
		Pattern:  `96(?P<SCNC>\d{2})\d{5}(?P<GSN>\d{10})\d` + serialCheck(`\d{13}`),
		Checksum: sumProduct(1, 7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)},
	// gofo
	{Courier: "gofo", CourierName: "GOFO Express", ID: "gofo_us", Name: "GOFO Express (US)",
		Pattern: `GFUS\d{14}`},
	// landmark
	{Courier: "landmark", CourierName: "Landmark Global LTN", ID: "landmark_global", Name: "Landmark Global LTN",
		Pattern: `LTN\d{8}N1`},
	// lasership
	{Courier: "lasership", CourierName: "LaserShip", ID: "lasership_lx", Name: "LaserShip LX",
		Pattern: `L[AIEHNX][1-3]\d{7}`},
	{Courier: "lasership", CourierName: "LaserShip", ID: "lasership_1ls7", Name: "LaserShip 1LS7 (15)",
		Pattern: `1LS7[12]\d{4}\d{6}`},
	{Courier: "lasership", CourierName: "LaserShip", ID: "", Name: "LaserShip 1LS7 (18)",
		Pattern: `1LS7[12]\d{2}01[1-4]\d{6}-1`},
	{Courier: "lasership", CourierName: "LaserShip", ID: "lasership_1lscx", Name: "LaserShip 1LSCX (15)",
		Pattern: `1LSCX[0-9A-Z]{10}`},
	// old dominion
	{Courier: "old_dominion", CourierName: "Old Dominion Freight Line", ID: "", Name: "Old Dominion",
		Pattern: serialCheck(`(?:777|778|072|780)\d{7}`), Checksum: luhnCheck},
	{Courier: "old_dominion", CourierName: "Old Dominion Freight Line", ID: "", Name: "Old Dominion Guaranteed Shipment",
		Pattern: serialCheck(`80\d{8}`), Checksum: luhnCheck},
	// ontrac
	{Courier: "ontrac", CourierName: "OnTrac", ID: "ontrac_c", Name: "OnTrac",
		Pattern: `C` + serialCheck(`\d{13}`), Checksum: mod10(1, 2, false),
		Prepend: &Prepend{Prefix: "4", UnlessPrefix: "4"}},
	{Courier: "ontrac", CourierName: "OnTrac", ID: "ontrac_d", Name: "OnTrac D",
		Pattern: `D` + serialCheck(`\d{13}`), Checksum: mod10(1, 2, false),
		Prepend: &Prepend{Prefix: "5", UnlessPrefix: "5"}},
	// purolator
	{Courier: "purolator", CourierName: "Purolator", ID: "purolator_numeric", Name: "Purolator (12)",
		Pattern: serialCheck(`[0-5]\d{10}`), Checksum: luhnCheck},
	{Courier: "purolator", CourierName: "Purolator", ID: "purolator_alpha", Name: "Purolator (alpha + 9)",
		Pattern: `[A-Z]{3}\d{9}`},
	// s10
	{Courier: "s10", CourierName: "S10 International Standard", ID: "s10", Name: "S10",
		Pattern:  `(?P<ServiceType>[A-Z]{2})(?P<SerialNumber>\d{8})(?P<CheckDigit>\d)(?P<CountryCode>[A-Z]{2})`,
		Checksum: s10Check, CountryRequired: true},
	// spee-dee
	{Courier: "speedee", CourierName: "Spee-Dee Delivery", ID: "speedee", Name: "Spee-Dee (20)",
		Pattern: `SP\d{18}`},
	// ups
	{Courier: "ups", CourierName: "UPS", ID: "ups", Name: "UPS",
		Pattern:  `1Z(?P<SerialNumber>(?P<ShipperId>[0-9A-Z]{6})(?P<ServiceType>[0-9A-Z]{2})(?P<PackageId>[0-9A-Z]{7}))(?P<CheckDigit>\d)`,
		Checksum: mod10(1, 2, false)},
	{Courier: "ups", CourierName: "UPS", ID: "", Name: "UPS Waybill",
		Pattern: `(?P<ServiceType>[AHJKTV])` + serialCheck(`\d{9}`), Checksum: mod10(1, 2, false)},
	// usps
	{Courier: "usps", CourierName: "United States Postal Service", ID: "usps_20", Name: "USPS 20",
		Pattern:  serialCheck(`(?P<ServiceType>\d{2})(?P<ShipperId>\d{9})(?P<PackageId>\d{8})`),
		Checksum: mod10(3, 1, false)},
	{Courier: "usps", CourierName: "United States Postal Service", ID: "usps_impb_n", Name: "USPS IMpb N",
		Pattern:  alt(zip5+impbN22, zip5+impbN26, zip9+impbN22, impbN22, impbN26, impbN30),
		Checksum: mod10(3, 1, true)},
	{Courier: "usps", CourierName: "United States Postal Service", ID: "usps_legacy", Name: "USPS Legacy",
		Pattern:  alt(zip5+legacyBody, zip9+legacyBody, legacyBody),
		Checksum: mod10(3, 1, false), Prepend: &Prepend{Prefix: "91", UnlessPrefix: "91"}},
	{Courier: "usps", CourierName: "United States Postal Service", ID: "usps_impb_c", Name: "USPS IMpb C",
		Pattern:  alt(zip5+impbC22, zip5+impbC26, zip9+impbC22, impbC22, impbC26),
		Checksum: mod10(3, 1, false)},
	// yodel
	{Courier: "yodel", CourierName: "Yodel", ID: "yodel", Name: "Yodel",
		Pattern: `J?JD\d{16}`},
	// yunexpress
	{Courier: "yunexpress", CourierName: "YunExpress", ID: "yunexpress", Name: "YunExpress",
		Pattern: `YT\d{16}`},
}

// s10Countries are the postal operators an S10 number's CountryCode must name.
var s10Countries = makeSet(`AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ
CA CD CF CG CH CI CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FR GA GB GD GE GH GM
GN GQ GR GT GW GY HK HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KZ LA LB LC LI
LK LR LS LT LU LV LY MA MC MD ME MG MK ML MM MN MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE
PG PH PK PL PT PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TD TG TH TJ TL TM TN
TO TR TT TV TZ UA UG US UY UZ VA VC VE VN VU WS YE ZA ZM ZW`)

func makeSet(fields string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(fields) {
		m[f] = true
	}
	return m
}

func init() {
	for _, f := range formats {
		f.re = regexp.MustCompile(`^` + f.Pattern + `$`)
	}
}

// Formats returns the detection table in load order. The returned formats
// are shared; treat them as read-only.
func Formats() []*Format {
	out := make([]*Format, len(formats))
	copy(out, formats)
	return out
}

// FormatByName finds a format by courier code and service name.
func FormatByName(courier, name string) (*Format, bool) {
	for _, f := range formats {
		if f.Courier == courier && f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// CourierName returns the display name of a courier code, or "" when unknown.
func CourierName(courier string) string {
	for _, f := range formats {
		if f.Courier == courier {
			return f.CourierName
		}
	}
	return ""
}

// Couriers lists the courier codes detection knows, in load order.
func Couriers() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range formats {
		if !seen[f.Courier] {
			seen[f.Courier] = true
			out = append(out, f.Courier)
		}
	}
	return out
}

// CourierByName returns the courier code a marketplace's carrier name
// means: the code itself or the courier's display name, in any case and
// with spaces, dots and hyphens ignored ("UPS", "fedex", "USPS", "United
// States Postal Service"). ok is false for a name that names no courier
// detection knows, or a courier and a product ("DHL Express"), or nothing:
// then the number's own format decides.
func CourierByName(name string) (courier string, ok bool) {
	key := courierKey(name)
	if key == "" {
		return "", false
	}
	for _, f := range formats {
		if courierKey(f.Courier) == key || courierKey(f.CourierName) == key {
			return f.Courier, true
		}
	}
	return "", false
}

func courierKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '_':
			return -1
		}
		return unicode.ToLower(r)
	}, strings.TrimSpace(s))
}
