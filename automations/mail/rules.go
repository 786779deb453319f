package mail

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

//go:embed relay.yaml
var defaultRules []byte

// Rules are how mail of each marketplace is read (relay.yaml): a key per
// marketplace (amazon, ebay, shop).
type Rules map[string]*MarketRules

// MarketRules are one marketplace's keys.
type MarketRules struct {
	Relay         []string `yaml:"relay"`
	Order         string   `yaml:"order"`
	Notifications struct {
		From    []string `yaml:"from"`
		Subject []string `yaml:"subject"`
	} `yaml:"notifications"`

	relay   []*regexp.Regexp
	order   *regexp.Regexp
	from    []*regexp.Regexp
	subject []*regexp.Regexp
}

// LoadRules reads the rules built in, or the file at path when it exists
// (an operator's override). A rule that does not compile names its key.
func LoadRules(path string) (Rules, error) {
	data := defaultRules
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			data = b
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("mail rules %s: %w", path, err)
		}
	}
	var r Rules
	if err := yaml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: mail rules %s: %v", ErrInvalidInput, nameOr(path), err)
	}
	for market, m := range r {
		if m == nil {
			return nil, fmt.Errorf("%w: mail rules %s: %s is empty", ErrInvalidInput, nameOr(path), market)
		}
		if err := m.compile(); err != nil {
			return nil, fmt.Errorf("%w: mail rules %s: %s.%v", ErrInvalidInput, nameOr(path), market, err)
		}
	}
	return r, nil
}

func nameOr(path string) string {
	if path == "" {
		return "(built in)"
	}
	return path
}

func (m *MarketRules) compile() error {
	all := func(key string, src []string) ([]*regexp.Regexp, error) {
		var out []*regexp.Regexp
		for i, s := range src {
			re, err := regexp.Compile(s)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %v", key, i, err)
			}
			out = append(out, re)
		}
		return out, nil
	}
	var err error
	if m.relay, err = all("relay", m.Relay); err != nil {
		return err
	}
	if m.from, err = all("notifications.from", m.Notifications.From); err != nil {
		return err
	}
	if m.subject, err = all("notifications.subject", m.Notifications.Subject); err != nil {
		return err
	}
	if m.Order != "" {
		if m.order, err = regexp.Compile(m.Order); err != nil {
			return fmt.Errorf("order: %v", err)
		}
	}
	return nil
}

// For returns the keys of a marketplace; one without keys gets none (every
// mail is then a buyer's, threaded by its headers alone).
func (r Rules) For(marketplace string) *MarketRules {
	if m, ok := r[marketplace]; ok {
		return m
	}
	return &MarketRules{}
}

// IsRelay tells whether addr is the marketplace's relay alias of a buyer.
func (m *MarketRules) IsRelay(addr string) bool {
	for _, re := range m.relay {
		if re.MatchString(addr) {
			return true
		}
	}
	return false
}

// OrderNumber finds the first order number in the subject, else the body.
func (m *MarketRules) OrderNumber(subject, body string) string {
	if m.order == nil {
		return ""
	}
	for _, s := range []string{subject, body} {
		sub := m.order.FindStringSubmatch(s)
		switch {
		case len(sub) > 1:
			return sub[1]
		case len(sub) == 1:
			return sub[0]
		}
	}
	return ""
}

// Notification tells whether a mail is the marketplace's own notice rather
// than a buyer's message, and which key said so.
func (m *MarketRules) Notification(from, subject string) (bool, string) {
	for i, re := range m.from {
		if re.MatchString(from) {
			return true, fmt.Sprintf("notifications.from[%d]", i)
		}
	}
	for i, re := range m.subject {
		if re.MatchString(subject) {
			return true, fmt.Sprintf("notifications.subject[%d]", i)
		}
	}
	return false, ""
}
