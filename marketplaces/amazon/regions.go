package amazon

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
