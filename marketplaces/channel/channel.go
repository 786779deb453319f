// Package channel holds the one rule for which channel does which job of a
// store: the marketplace's official API, the browser, both, or none. It
// imports no browser code, so the command line, the sync and the dashboard
// all read the same table.
package channel

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sellerops/sellerops/localdb"
)

// ErrInvalid marks a channel choice the marketplace cannot honour; the
// message names the capability and what is allowed.
var ErrInvalid = errors.New("invalid channel")

// Capability names one job of a store, as the command line spells it.
type Capability string

// The jobs a store does.
const (
	Orders       Capability = "orders"
	ReadMessages Capability = "read_messages"
	Reply        Capability = "reply"
	Proactive    Capability = "proactive"
)

// Capabilities lists every job, in the order they are shown.
var Capabilities = []Capability{Orders, ReadMessages, Reply, Proactive}

// API names the official API of a marketplace, as stored.
func API(marketplace string) string {
	switch marketplace {
	case "amazon":
		return "amazon-sp-api"
	case "ebay":
		return "ebay-sell-api"
	case "tiktok":
		return "tiktok-shop-api"
	}
	return ""
}

// apiCan says which jobs each marketplace's API can do here.
//
// Amazon (Selling Partner API): the Orders API reads orders, their items,
// buyer and shipping address; the Messaging API (model messaging.json,
// amzn/selling-partner-api-models) only sends the message types an order
// allows ("send messages to buyers"), so proactive messages go through it.
// No SP-API operation lists or answers buyer messages: those stay in Seller
// Central, in the browser.
//
// eBay: the Sell Fulfillment API's getOrders and getShippingFulfillments
// read orders and their parcels; the Trading API's GetMyMessages reads the
// buyers' messages and the seller's (inbox and sent folders), and
// AddMemberMessageRTQ answers a buyer's message (developer.ebay.com/devzone/
// xml/docs/reference/ebay/). Returns and cases are Post-Order API objects,
// not member messages: with read_messages through the API alone they are
// not read. Messages a seller starts (AddMemberMessageAAQToPartner) have
// no client here yet.
//
// TikTok Shop (Open API 202309): Get Order List reads orders with their
// packages; Get Conversations and Get Conversation Messages read the
// buyers' chats and Send Message answers them (customer_service/202309).
// A first message about an order needs a conversation opened for the buyer
// (Create Conversation), which has no client here: no proactive messages.
var apiCan = map[string]map[Capability]bool{
	"amazon": {Orders: true, Proactive: true},
	"ebay":   {Orders: true, ReadMessages: true, Reply: true},
	"tiktok": {Orders: true, ReadMessages: true, Reply: true},
}

// browserCan says which jobs the browser flows do. Proactive messages have
// no browser flow.
var browserCan = map[Capability]bool{Orders: true, ReadMessages: true, Reply: true}

// HasAPI tells whether the marketplace has an API client here.
func HasAPI(marketplace string) bool { return len(apiCan[marketplace]) > 0 }

// Get returns the channel of one capability.
func Get(c localdb.Channels, capability Capability) localdb.Channel {
	switch capability {
	case Orders:
		return c.Orders
	case ReadMessages:
		return c.ReadMessages
	case Reply:
		return c.Reply
	case Proactive:
		return c.Proactive
	}
	return localdb.ChannelNone
}

// With returns c with one capability's channel replaced.
func With(c localdb.Channels, capability Capability, v localdb.Channel) localdb.Channels {
	switch capability {
	case Orders:
		c.Orders = v
	case ReadMessages:
		c.ReadMessages = v
	case Reply:
		c.Reply = v
	case Proactive:
		c.Proactive = v
	}
	return c
}

// Browser is the channels of a store driven only through its portal.
func Browser() localdb.Channels {
	return localdb.Channels{Orders: localdb.ChannelBrowser, ReadMessages: localdb.ChannelBrowser,
		Reply: localdb.ChannelBrowser, Proactive: localdb.ChannelNone}
}

// Default picks each job's channel for a store of the marketplace with an
// API channel and, when browser is set, portal credentials too: the API
// where it can do the job, the browser behind it when the store has one,
// the browser alone for what the API cannot do, none when neither can.
func Default(marketplace string, browser bool) localdb.Channels {
	var c localdb.Channels
	for _, k := range Capabilities {
		api, web := apiCan[marketplace][k], browser && browserCan[k]
		switch {
		case api && web:
			c = With(c, k, localdb.ChannelBoth)
		case api:
			c = With(c, k, localdb.ChannelAPI)
		case web:
			c = With(c, k, localdb.ChannelBrowser)
		default:
			c = With(c, k, localdb.ChannelNone)
		}
	}
	return c
}

// Parse reads a channel as the command line spells it.
func Parse(flag, v string) (localdb.Channel, error) {
	switch c := localdb.Channel(strings.ToLower(strings.TrimSpace(v))); c {
	case localdb.ChannelBrowser, localdb.ChannelAPI, localdb.ChannelBoth, localdb.ChannelNone:
		return c, nil
	}
	return "", fmt.Errorf("%w: %s %q: use browser, api, both or none", ErrInvalid, flag, v)
}

// Check refuses a choice the marketplace cannot honour: the API for a job
// its API cannot do, or the browser for a store without portal
// credentials (browser false) or for a job with no browser flow.
func Check(marketplace string, c localdb.Channels, browser bool) error {
	for _, k := range Capabilities {
		v := Get(c, k)
		switch {
		case v == "":
			return fmt.Errorf("%w: %s has no channel", ErrInvalid, k)
		case v.UsesAPI() && !apiCan[marketplace][k]:
			return fmt.Errorf("%w: %s cannot go through the %s API (it has no operation for it); use %s", ErrInvalid, k, marketplace, allowed(marketplace, k, browser))
		case v.UsesBrowser() && !browserCan[k]:
			return fmt.Errorf("%w: %s has no browser flow; use %s", ErrInvalid, k, allowed(marketplace, k, browser))
		case v.UsesBrowser() && !browser:
			return fmt.Errorf("%w: %s through the browser needs the store's portal sign-in (--username and --password-stdin); use %s", ErrInvalid, k, allowed(marketplace, k, browser))
		}
	}
	return nil
}

// allowed lists the channels a job may use, for an error's fix.
func allowed(marketplace string, k Capability, browser bool) string {
	api, web := apiCan[marketplace][k], browser && browserCan[k]
	var out []string
	if web {
		out = append(out, "browser")
	}
	if api {
		out = append(out, "api")
	}
	if api && web {
		out = append(out, "both")
	}
	return strings.Join(append(out, "none"), ", ")
}
