package inbox

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sellerops/sellerops/localdb"
)

// Reply templates live here, beside the composer, until the messages
// automation grows a home for them.

// Template is a named reply with placeholders.
type Template struct {
	Name string
	Body string
}

// Placeholders a template may use, each filled from local data.
const (
	PlaceBuyer    = "buyer"    // the buyer's name
	PlaceOrder    = "order"    // the marketplace's order id
	PlaceTracking = "tracking" // the parcel's tracking number
	PlaceStatus   = "status"   // the parcel's status, in words
)

// DefaultTemplates are the templates the composer offers.
func DefaultTemplates() []Template {
	return []Template{
		{Name: "where is my parcel", Body: "Hello {{buyer}},\n\nThank you for your message about order {{order}}. " +
			"Your parcel {{tracking}} is {{status}}. We will keep watching it and write again if anything changes.\n\nKind regards"},
		{Name: "thanks", Body: "Hello {{buyer}},\n\nThank you for your message about order {{order}}. " +
			"We are looking into it and will answer in full shortly.\n\nKind regards"},
		{Name: "delivered", Body: "Hello {{buyer}},\n\nOur records show parcel {{tracking}} for order {{order}} as {{status}}. " +
			"If it has not reached you, please let us know and we will open a claim with the carrier.\n\nKind regards"},
	}
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z_]+)\s*\}\}`)

// MissingError lists the placeholders a reply needs and local data does
// not have. A reply with any of them is never sent.
type MissingError struct {
	Names []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("cannot send: no value for %s in local data; fill it in by hand or choose another template",
		"{{"+strings.Join(e.Names, "}}, {{")+"}}")
}

// UnknownError lists placeholders that are not one of buyer, order,
// tracking, status.
type UnknownError struct {
	Names []string
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("cannot send: unknown placeholder %s; use {{buyer}}, {{order}}, {{tracking}} or {{status}}",
		"{{"+strings.Join(e.Names, "}}, {{")+"}}")
}

// Fill replaces every placeholder of text with its value. A placeholder
// whose value is empty gives a *MissingError naming all of them, and an
// unknown one an *UnknownError; the text is then not filled at all.
func Fill(text string, values map[string]string) (string, error) {
	missing := map[string]bool{}
	unknown := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		name := strings.ToLower(m[1])
		v, known := values[name]
		switch {
		case !known:
			unknown[m[1]] = true
		case strings.TrimSpace(v) == "":
			missing[name] = true
		}
	}
	if len(unknown) > 0 {
		return "", &UnknownError{Names: sortedKeys(unknown)}
	}
	if len(missing) > 0 {
		return "", &MissingError{Names: sortedKeys(missing)}
	}
	return placeholderRE.ReplaceAllStringFunc(text, func(s string) string {
		name := strings.ToLower(placeholderRE.FindStringSubmatch(s)[1])
		return values[name]
	}), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Values collects the placeholder values of a thread from local data: the
// buyer from the thread or its order, the order id, and the tracking number
// and status of the order's parcel. A value that is not known is empty.
func Values(tc localdb.ThreadContext) map[string]string {
	v := map[string]string{PlaceBuyer: "", PlaceOrder: "", PlaceTracking: "", PlaceStatus: ""}
	v[PlaceBuyer] = tc.Thread.BuyerName
	v[PlaceOrder] = tc.Thread.MarketplaceOrderID
	if o := tc.Order; o != nil {
		if v[PlaceBuyer] == "" {
			v[PlaceBuyer] = o.BuyerName
		}
		if v[PlaceOrder] == "" {
			v[PlaceOrder] = o.MarketplaceOrderID
		}
		v[PlaceTracking] = o.TrackingNumber
	}
	if s := tc.Shipment; s != nil {
		if v[PlaceTracking] == "" {
			v[PlaceTracking] = s.TrackingNumber
		}
		v[PlaceStatus] = StatusWords(s.Tag)
	}
	return v
}

// StatusWords says a taxonomy tag in words a buyer reads.
func StatusWords(tag string) string {
	switch tag {
	case "Pending":
		return "waiting for the carrier's first scan"
	case "InfoReceived":
		return "registered with the carrier"
	case "InTransit":
		return "in transit"
	case "OutForDelivery":
		return "out for delivery"
	case "AttemptFail":
		return "back at the depot after a delivery attempt"
	case "Delivered":
		return "delivered"
	case "AvailableForPickup":
		return "ready for pickup"
	case "Exception":
		return "held up by the carrier"
	case "Expired":
		return "no longer updated by the carrier"
	}
	return ""
}
