package automations

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/go-rod/rod"
)

// SelectorCount is how many elements one recipe selector matched on a page,
// as `recipes check --live` reports it. Matched is -1 for a selector the
// browser cannot parse.
type SelectorCount struct {
	Key      string `json:"key"` // such as "selectors.track.events"
	Selector string `json:"selector"`
	Matched  int    `json:"matched"`
}

const countSelectorsJS = `(sels) => sels.map((s) => { try { return document.querySelectorAll(s).length; } catch (e) { return -1; } })`

// CountSelectors counts, on the document p shows now, the elements each of
// r's selectors whose name starts with prefix (such as "track.") matches,
// in the order of their names. Run it inside a step.
func CountSelectors(p *rod.Page, r *Recipe, prefix string) ([]SelectorCount, error) {
	var keys, list []string
	for _, k := range slices.Sorted(maps.Keys(r.Selectors)) {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
			list = append(list, r.Selectors[k])
		}
	}
	res, err := p.Eval(countSelectorsJS, list)
	if err != nil {
		return nil, err
	}
	var counts []int
	if err := res.Value.Unmarshal(&counts); err != nil {
		return nil, err
	}
	if len(counts) != len(keys) {
		return nil, errors.New("the page answered a count for another list of selectors")
	}
	out := make([]SelectorCount, len(keys))
	for i, k := range keys {
		out[i] = SelectorCount{Key: "selectors." + k, Selector: list[i], Matched: counts[i]}
	}
	return out, nil
}
