package amazon

import (
	"sort"
	"strings"
)

// The regional SP-API hosts ("SP-API Endpoints", developer-docs.amazon.com).
const (
	EndpointNA = "https://sellingpartnerapi-na.amazon.com"
	EndpointEU = "https://sellingpartnerapi-eu.amazon.com"
	EndpointFE = "https://sellingpartnerapi-fe.amazon.com"
)

// marketplaceRegion maps each marketplace id ("Marketplace IDs",
// developer-docs.amazon.com/sp-api/docs/marketplace-ids) to its region's host.
var marketplaceRegion = map[string]string{
	// North America
	"A2EUQ1WTGCTBG2": EndpointNA, // Canada
	"ATVPDKIKX0DER":  EndpointNA, // United States
	"A1AM78C64UM0Y8": EndpointNA, // Mexico
	"A2Q3Y263D00KWC": EndpointNA, // Brazil
	// Europe
	"A28R8C7NBKEWEA": EndpointEU, // Ireland
	"A1RKKUPIHCS9HS": EndpointEU, // Spain
	"A1F83G8C2ARO7P": EndpointEU, // United Kingdom
	"A13V1IB3VIYZZH": EndpointEU, // France
	"AMEN7PMS3EDWL":  EndpointEU, // Belgium
	"A1805IZSGTT6HS": EndpointEU, // Netherlands
	"A1PA6795UKMFR9": EndpointEU, // Germany
	"APJ6JRA9NG5V4":  EndpointEU, // Italy
	"A2NODRKZP88ZB9": EndpointEU, // Sweden
	"AE08WJ6YKNBMC":  EndpointEU, // South Africa
	"A1C3SOZRARQ6R3": EndpointEU, // Poland
	"ARBP9OOSHTCHU":  EndpointEU, // Egypt
	"A33AVAJ2PDY3EV": EndpointEU, // Turkey
	"A17E79C6D8DWNP": EndpointEU, // Saudi Arabia
	"A2VIGQ35RCS4UG": EndpointEU, // United Arab Emirates
	"A21TJRUUN4KGV":  EndpointEU, // India
	// Far East
	"A19VAU5U5O7RUS": EndpointFE, // Singapore
	"A39IBJ37TRP1C6": EndpointFE, // Australia
	"A1VC38T7YXB528": EndpointFE, // Japan
}

// EndpointFor returns the SP-API host serving a marketplace id, or a
// bad_input error naming the id.
func EndpointFor(marketplaceID string) (string, error) {
	if e, ok := marketplaceRegion[marketplaceID]; ok {
		return e, nil
	}
	return "", badInput("endpoint", "unknown marketplace id %q: use an id from Amazon's marketplace id table, such as ATVPDKIKX0DER (United States) or A1PA6795UKMFR9 (Germany)", marketplaceID)
}

// marketplaceByCountry maps the country code of Amazon's marketplace id
// table ("Marketplace IDs", developer-docs.amazon.com/sp-api/docs/marketplace-ids)
// to its marketplace id. Amazon writes UK for the United Kingdom; GB, its
// ISO 3166-1 code, is taken too.
var marketplaceByCountry = map[string]string{
	"CA": "A2EUQ1WTGCTBG2", "US": "ATVPDKIKX0DER", "MX": "A1AM78C64UM0Y8", "BR": "A2Q3Y263D00KWC",
	"IE": "A28R8C7NBKEWEA", "ES": "A1RKKUPIHCS9HS", "UK": "A1F83G8C2ARO7P", "GB": "A1F83G8C2ARO7P",
	"FR": "A13V1IB3VIYZZH", "BE": "AMEN7PMS3EDWL", "NL": "A1805IZSGTT6HS", "DE": "A1PA6795UKMFR9",
	"IT": "APJ6JRA9NG5V4", "SE": "A2NODRKZP88ZB9", "ZA": "AE08WJ6YKNBMC", "PL": "A1C3SOZRARQ6R3",
	"EG": "ARBP9OOSHTCHU", "TR": "A33AVAJ2PDY3EV", "SA": "A17E79C6D8DWNP", "AE": "A2VIGQ35RCS4UG",
	"IN": "A21TJRUUN4KGV", "SG": "A19VAU5U5O7RUS", "AU": "A39IBJ37TRP1C6", "JP": "A1VC38T7YXB528",
}

// MarketplaceIDFor returns the marketplace id of a country's Amazon
// marketplace, from a two-letter country code, or a bad_input error.
func MarketplaceIDFor(country string) (string, error) {
	if id, ok := marketplaceByCountry[strings.ToUpper(strings.TrimSpace(country))]; ok {
		return id, nil
	}
	return "", badInput("marketplace", "no Amazon marketplace for country %q: Amazon sells in %s", country, countries())
}

// ParseMarketplace reads a marketplace as an operator gives it: an id from
// Amazon's table, or the country code of one.
func ParseMarketplace(v string) (string, error) {
	v = strings.TrimSpace(v)
	if _, ok := marketplaceRegion[v]; ok {
		return v, nil
	}
	if len(v) == 2 {
		return MarketplaceIDFor(v)
	}
	return "", badInput("marketplace", "unknown marketplace %q: give a country code such as US or DE, or an id from Amazon's marketplace id table such as ATVPDKIKX0DER", v)
}

func countries() string {
	var cs []string
	for c := range marketplaceByCountry {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return strings.Join(cs, ", ")
}

// ParseMarketplaces reads a comma-separated list of marketplaces (country
// codes or ids) into ids, in the order given, without repeats. Without an
// endpoint of its own (anyRegion false) every id must be served by one
// regional host, since an SP-API call goes to one region.
func ParseMarketplaces(v string, anyRegion bool) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		id, err := ParseMarketplace(part)
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if !anyRegion {
		for _, id := range ids[1:] {
			if marketplaceRegion[id] != marketplaceRegion[ids[0]] {
				return nil, badInput("marketplace", "marketplaces %s and %s are served by different SP-API regions (%s, %s); add one store per region",
					ids[0], id, marketplaceRegion[ids[0]], marketplaceRegion[id])
			}
		}
	}
	return ids, nil
}
