package channel

import (
	"errors"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/localdb"
)

// The expected channels are read off Amazon's published API surface
// (Orders v0 and Messaging v1 models): orders and proactive messages have
// operations, reading and answering buyer messages have none.
func TestDefaultAmazon(t *testing.T) {
	both := Default("amazon", true)
	want := localdb.Channels{Orders: localdb.ChannelBoth, ReadMessages: localdb.ChannelBrowser, Reply: localdb.ChannelBrowser, Proactive: localdb.ChannelAPI}
	if both != want {
		t.Errorf("API and browser: got %+v, want %+v", both, want)
	}
	apiOnly := Default("amazon", false)
	want = localdb.Channels{Orders: localdb.ChannelAPI, ReadMessages: localdb.ChannelNone, Reply: localdb.ChannelNone, Proactive: localdb.ChannelAPI}
	if apiOnly != want {
		t.Errorf("API only: got %+v, want %+v", apiOnly, want)
	}
	for _, c := range []localdb.Channels{both, apiOnly, Browser()} {
		if err := Check("amazon", c, c != apiOnly); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// eBay's Sell Fulfillment API reads orders and their fulfilments, its
// Trading API reads member messages (GetMyMessages) and answers them
// (AddMemberMessageRTQ); no client starts a message to a buyer.
func TestDefaultEbay(t *testing.T) {
	want := localdb.Channels{Orders: localdb.ChannelBoth, ReadMessages: localdb.ChannelBoth, Reply: localdb.ChannelBoth, Proactive: localdb.ChannelNone}
	if got := Default("ebay", true); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	want = localdb.Channels{Orders: localdb.ChannelAPI, ReadMessages: localdb.ChannelAPI, Reply: localdb.ChannelAPI, Proactive: localdb.ChannelNone}
	if got := Default("ebay", false); got != want {
		t.Errorf("API only: got %+v, want %+v", got, want)
	}
	if HasAPI("shopee") || !HasAPI("ebay") || !HasAPI("tiktok") {
		t.Error("HasAPI")
	}
}

// TikTok Shop's Open API reads orders, reads conversations and sends
// messages; with the seller centre sign-in too, the browser stands behind
// each. Opening a conversation first has no client, so no proactive
// messages.
func TestDefaultTiktok(t *testing.T) {
	want := localdb.Channels{Orders: localdb.ChannelBoth, ReadMessages: localdb.ChannelBoth, Reply: localdb.ChannelBoth, Proactive: localdb.ChannelNone}
	if got := Default("tiktok", true); got != want {
		t.Errorf("with the browser: got %+v, want %+v", got, want)
	}
	want = localdb.Channels{Orders: localdb.ChannelAPI, ReadMessages: localdb.ChannelAPI, Reply: localdb.ChannelAPI, Proactive: localdb.ChannelNone}
	if got := Default("tiktok", false); got != want {
		t.Errorf("API alone: got %+v, want %+v", got, want)
	}
	if API("tiktok") != "tiktok-shop-api" {
		t.Errorf("API name %q", API("tiktok"))
	}
}

func TestCheckRefuses(t *testing.T) {
	cases := []struct {
		name    string
		c       localdb.Channels
		browser bool
	}{
		{"amazon buyer messages through the API", localdb.Channels{Orders: "api", ReadMessages: "api", Reply: "browser", Proactive: "none"}, true},
		{"amazon replies through the API", localdb.Channels{Orders: "api", ReadMessages: "browser", Reply: "both", Proactive: "none"}, true},
		{"browser without a portal sign-in", localdb.Channels{Orders: "both", ReadMessages: "none", Reply: "none", Proactive: "api"}, false},
		{"proactive messages in the browser", localdb.Channels{Orders: "api", ReadMessages: "browser", Reply: "browser", Proactive: "browser"}, true},
		{"tiktok proactive messages through the API", localdb.Channels{Orders: "api", ReadMessages: "api", Reply: "api", Proactive: "api"}, true},
		{"ebay proactive messages through the API", localdb.Channels{Orders: "api", ReadMessages: "api", Reply: "api", Proactive: "api"}, true},
		{"a capability without a channel", localdb.Channels{Orders: "api", ReadMessages: "browser", Reply: "browser"}, true},
	}
	for _, tc := range cases {
		m := "amazon"
		switch {
		case strings.HasPrefix(tc.name, "tiktok"):
			m = "tiktok"
		case strings.HasPrefix(tc.name, "ebay"):
			m = "ebay"
		}
		if err := Check(m, tc.c, tc.browser); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", tc.name, err)
		}
	}
}

func TestParse(t *testing.T) {
	for _, v := range []string{"browser", "API", " both ", "none"} {
		if _, err := Parse("--orders", v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	if _, err := Parse("--orders", "email"); !errors.Is(err, ErrInvalid) {
		t.Errorf("email: got %v, want ErrInvalid", err)
	}
}
