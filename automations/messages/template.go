package messages

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/sellerops/sellerops/localdb"
)

// Template is a reply text with {{placeholders}}.
type Template struct {
	Name   string `json:"name"`
	Body   string `json:"body"`
	Source string `json:"source"` // "built-in" or the file it came from
	// Lang is the ISO 639-1 language of Body; "" for a file NAME.txt,
	// whose language is not declared.
	Lang string `json:"language,omitempty"`
	// Variants are the same template in other languages, by code: the
	// built-in translations and files NAME.LANG.txt. For picks one.
	Variants map[string]Template `json:"variants,omitempty"`
}

// Placeholders are the values a template may use, filled from local data.
var Placeholders = []string{"buyer", "order", "tracking", "carrier", "status", "store"}

var builtinTemplates = map[string]string{
	"tracking": `Hello {{buyer}},

thank you for your message about order {{order}}. Your parcel travels with {{carrier}} under tracking number {{tracking}}; its current status is: {{status}}.

Kind regards`,
	"shipped": `Hello {{buyer}},

your order {{order}} has shipped. You can follow it with {{carrier}} using tracking number {{tracking}}.

Kind regards`,
	"damaged": `Hello {{buyer}},

we are sorry that order {{order}} arrived damaged. Please send us a photo of the parcel and the item; we will make it right straight away.

Kind regards`,
	"thanks": `Hello {{buyer}},

thank you for your message about order {{order}}. We are looking into it and will get back to you shortly.

Kind regards`,
	// delay is the notice sent before the buyer asks: the parcel stalled,
	// passed its estimate or met a carrier exception (package notices).
	"delay": `Hello {{buyer}},

we would like to let you know that your parcel for order {{order}} is taking longer than expected. It travels with {{carrier}} under tracking number {{tracking}}; its current status is: {{status}}. We are following it closely with the carrier and will write to you again as soon as we know more. There is nothing you need to do.

We apologise for the wait.

Kind regards`,
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z_]+)\s*\}\}`)

// MissingValueError refuses a reply whose template needs a value the local
// data lacks: a reply is never sent with a blank.
type MissingValueError struct {
	Template    string
	Placeholder string
	Why         string
}

func (e *MissingValueError) Error() string {
	return fmt.Sprintf("template %q needs {{%s}}, which is not known for this thread (%s); nothing was sent — "+
		"sync or track first, or write the reply with --body-file", e.Template, e.Placeholder, e.Why)
}

func (e *MissingValueError) Unwrap() error { return ErrInvalidInput }

var templateName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

var langCode = regexp.MustCompile(`^[a-z]{2}$`)

// LoadTemplates returns the built-in templates and every NAME.txt in dir
// (normally <config dir>/templates), a file replacing the built-in of the
// same name. A missing dir means the built-ins only.
func LoadTemplates(dir string) (map[string]Template, error) {
	out := map[string]Template{}
	for n, b := range builtinTemplates {
		t := Template{Name: n, Body: b, Source: "built-in", Lang: "en", Variants: map[string]Template{}}
		for lang, body := range builtinTranslations[n] {
			t.Variants[lang] = Template{Name: n, Body: body, Source: "built-in", Lang: lang}
		}
		out[n] = t
	}
	if dir == "" {
		return out, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("read templates in %s: %w", dir, err)
	}
	var errs []error
	variants := map[string]map[string]Template{} // NAME.LANG.txt, by name and language
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".txt")
		file := filepath.Join(dir, e.Name())
		lang := ""
		if base, l, ok := strings.Cut(name, "."); ok {
			if !langCode.MatchString(l) {
				errs = append(errs, fmt.Errorf("%w: template file %s: name it NAME.txt or NAME.LANG.txt with a two-letter ISO 639-1 code such as de", ErrInvalidInput, file))
				continue
			}
			name, lang = base, l
		}
		if !templateName.MatchString(name) {
			errs = append(errs, fmt.Errorf("%w: template file %s: name it with letters, digits, dashes or underscores", ErrInvalidInput, file))
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("template file %s: %w", file, err))
			continue
		}
		t := Template{Name: name, Body: strings.TrimSpace(string(data)), Source: file, Lang: lang}
		if err := t.Check(); err != nil {
			errs = append(errs, err)
			continue
		}
		if lang != "" {
			if variants[name] == nil {
				variants[name] = map[string]Template{}
			}
			variants[name][lang] = t
			continue
		}
		// NAME.txt replaces the built-in of its name in every language:
		// its language is not declared, so it is the fallback.
		t.Variants = map[string]Template{}
		out[name] = t
	}
	for name, vs := range variants {
		base, ok := out[name]
		if !ok {
			// Only language files: the English one (or any) is the base.
			for _, l := range append([]string{"en"}, TemplateNames(vs)...) {
				if v, ok := vs[l]; ok {
					base = v
					break
				}
			}
		}
		if base.Variants == nil {
			base.Variants = map[string]Template{}
		} else {
			base.Variants = maps.Clone(base.Variants)
		}
		for l, v := range vs {
			if l == base.Lang {
				base = Template{Name: v.Name, Body: v.Body, Source: v.Source, Lang: v.Lang, Variants: base.Variants}
				continue
			}
			base.Variants[l] = v
		}
		out[name] = base
	}
	return out, errors.Join(errs...)
}

// TemplateNames returns the names in a template set, sorted.
func TemplateNames(set map[string]Template) []string {
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Check reports an empty template or a placeholder this package does not
// know, naming the line.
func (t Template) Check() error {
	if strings.TrimSpace(t.Body) == "" {
		return fmt.Errorf("%w: template %s (%s) is empty", ErrInvalidInput, t.Name, t.Source)
	}
	for i, line := range strings.Split(t.Body, "\n") {
		for _, m := range placeholderRE.FindAllStringSubmatch(line, -1) {
			if !known(m[1]) {
				return fmt.Errorf("%w: template %s (%s) line %d: unknown placeholder {{%s}}; use one of {{%s}}",
					ErrInvalidInput, t.Name, t.Source, i+1, m[1], strings.Join(Placeholders, "}}, {{"))
			}
		}
	}
	return nil
}

func known(p string) bool {
	for _, k := range Placeholders {
		if k == p {
			return true
		}
	}
	return false
}

// Fill replaces every placeholder with its value. A placeholder without a
// value is a *MissingValueError naming it; nothing is half-filled.
func (t Template) Fill(values map[string]string, why map[string]string) (string, error) {
	if err := t.Check(); err != nil {
		return "", err
	}
	var missing *MissingValueError
	out := placeholderRE.ReplaceAllStringFunc(t.Body, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		v := strings.TrimSpace(values[name])
		if w, ok := statusTexts[t.Lang][values[statusTagKey]]; ok && name == "status" && v != "" {
			v = w
		}
		if v == "" && missing == nil {
			missing = &MissingValueError{Template: t.Name, Placeholder: name, Why: why[name]}
		}
		return v
	})
	if missing != nil {
		return "", missing
	}
	return out, nil
}

// TemplateValues gathers the placeholder values of a thread from the local
// database: the buyer, the order, its tracking number and carrier, and the
// parcel's status from the last tracking. why says, for each value that is
// missing, what is missing.
func TemplateValues(ctx context.Context, db *localdb.DB, threadID int64) (values, why map[string]string, err error) {
	th, err := db.GetThread(ctx, threadID)
	if err != nil {
		return nil, nil, err
	}
	values = map[string]string{"buyer": th.BuyerName, "order": th.MarketplaceOrderID, "store": th.StoreName}
	why = map[string]string{"buyer": "the thread has no buyer name", "order": "the thread names no order"}
	var order localdb.Order
	if th.OrderID != 0 {
		order, err = db.GetOrder(ctx, th.OrderID)
	} else if th.MarketplaceOrderID != "" {
		order, err = db.GetOrderByMarketplaceID(ctx, th.StoreID, th.MarketplaceOrderID)
	} else {
		err = localdb.ErrNotFound
	}
	switch {
	case err == nil:
		if values["buyer"] == "" {
			values["buyer"] = order.BuyerName
		}
		if err := orderValues(ctx, db, order, values, why); err != nil {
			return nil, nil, err
		}
	case errors.Is(err, localdb.ErrNotFound):
		why["tracking"] = "the order is not in the local database"
		why["carrier"] = why["tracking"]
		why["status"] = "the parcel has not been tracked yet; run `sellerops track`"
	default:
		return nil, nil, err
	}
	return values, why, nil
}

// OrderValues gathers the placeholder values of an order that may have no
// thread: the buyer and order as the order names them, its tracking number
// and carrier, the parcel's status from the last tracking, and the store.
// why says, for each value that is missing, what is missing.
func OrderValues(ctx context.Context, db *localdb.DB, orderID int64) (values, why map[string]string, err error) {
	order, err := db.GetOrder(ctx, orderID)
	if err != nil {
		return nil, nil, err
	}
	st, err := db.GetStore(ctx, order.StoreID)
	if err != nil {
		return nil, nil, err
	}
	values = map[string]string{"buyer": order.BuyerName, "order": order.MarketplaceOrderID, "store": st.Name}
	why = map[string]string{"buyer": "order " + order.MarketplaceOrderID + " has no buyer name", "order": "the order has no marketplace id"}
	if err := orderValues(ctx, db, order, values, why); err != nil {
		return nil, nil, err
	}
	return values, why, nil
}

// orderValues adds an order's parcel values (tracking, carrier, status) to
// values, and says in why what is missing.
func orderValues(ctx context.Context, db *localdb.DB, order localdb.Order, values, why map[string]string) error {
	values["tracking"] = order.TrackingNumber
	values["carrier"] = strings.ToUpper(order.Carrier)
	why["tracking"] = "order " + order.MarketplaceOrderID + " has no tracking number"
	why["carrier"] = "order " + order.MarketplaceOrderID + " has no carrier"
	why["status"] = "the parcel has not been tracked yet; run `sellerops track`"
	if order.TrackingNumber != "" && order.Carrier != "" {
		sh, err := db.GetShipmentByNumber(ctx, order.Carrier, order.TrackingNumber)
		switch {
		// A parcel sync stored from the order but nobody has looked up yet
		// has no status to tell the buyer.
		case err == nil && sh.Tag != "" && !sh.CheckedAt.IsZero():
			values["status"] = statusText(sh.Tag)
			values[statusTagKey] = sh.Tag
		case err != nil && !errors.Is(err, localdb.ErrNotFound):
			return err
		}
	}
	return nil
}

// statusText turns a status tag into words a buyer reads.
func statusText(tag string) string {
	switch tag {
	case "Pending":
		return "label created, waiting for the carrier"
	case "InfoReceived":
		return "the carrier has the shipment details"
	case "InTransit":
		return "in transit"
	case "OutForDelivery":
		return "out for delivery"
	case "AttemptFail":
		return "a delivery attempt failed"
	case "Delivered":
		return "delivered"
	case "AvailableForPickup":
		return "ready for pickup"
	case "Exception":
		return "held up by an exception; we are on it"
	case "Expired":
		return "no recent updates from the carrier"
	}
	return tag
}
