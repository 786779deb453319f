package marketplace

import (
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations"
)

// recordSources says where each marketplace's flows read each field of the
// records the schema checks (automations/recipes/schema/records.yaml), so
// that a record that does not fit names the selector or JSON key to fix.
var recordSources = map[string]map[string]automations.Sources{
	"amazon": {
		"thread": {"id": "attributes.thread_id", "subject": "selectors.inbox.thread_subject",
			"received": "attributes.time|selectors.inbox.thread_received", "buyer": "selectors.inbox.thread_buyer",
			"order": "selectors.inbox.thread_order"},
		"message": {"id": "attributes.message_id", "from": "attributes.message_from", "body": "selectors.thread.message_body",
			"at": "attributes.time|selectors.thread.message_time", "attachments": "selectors.thread.attachment"},
		"order": {"id": "selectors.orders.id|attributes.order_id", "value": "attributes.amount|selectors.orders.total",
			"currency": "attributes.currency|selectors.orders.total", "ship_date": "attributes.time|selectors.orders.ship_date",
			"tracking": "selectors.orders.tracking", "ship_from": "selectors.orders.ship_from", "ship_to": "selectors.orders.ship_to"},
		"listed_order": {"id": "selectors.orders.id|attributes.order_id", "placed": "attributes.time|selectors.orders.date",
			"value": "attributes.amount|selectors.orders.total", "currency": "attributes.currency|selectors.orders.total",
			"ship_date": "attributes.time|selectors.orders.ship_date", "tracking": "selectors.orders.tracking",
			"ship_from": "selectors.orders.ship_from", "ship_to": "selectors.orders.ship_to"},
	},
	"ebay": {
		"thread":  {"id": "json:conversations[].id", "subject": "json:subject", "received": "json:lastMessageAt", "buyer": "json:buyer", "order": "json:orderId"},
		"message": {"id": "json:messages[].id", "from": "json:from", "body": "json:text", "at": "json:sentAt", "attachments": "json:attachments"},
		"order": {"id": "json:order.id", "value": "json:value", "currency": "json:currency", "ship_date": "json:ship_date", "tracking": "json:tracking_number",
			"ship_from": "json:ship_from_country", "ship_to": "json:ship_to_country"},
		"listed_order": {"id": "json:orders[].orderId", "placed": "json:creationDate", "changed": "json:lastModifiedDate",
			"value": "json:pricingSummary.total.value", "currency": "json:pricingSummary.total.currency",
			"ship_date": "json:fulfillments[].shippedDate", "tracking": "json:fulfillments[].shipmentTrackingNumber",
			"ship_from": "json:lineItems[].itemLocation.countryCode",
			"ship_to":   "json:fulfillmentStartInstructions[].shippingStep.shipTo.contactAddress.countryCode"},
	},
	"tiktok": {
		"thread": {"id": "json:conversations[].conversation_id", "subject": "json:subject", "received": "json:last_message_time",
			"buyer": "json:buyer_name", "order": "json:order_id"},
		"message": {"id": "json:messages[].message_id", "from": "json:sender", "body": "json:content", "at": "json:create_time",
			"attachments": "json:images"},
		"order": {"id": "json:data.orders[].id", "value": "json:payment.total_amount", "currency": "json:payment.currency",
			"ship_date": "json:rts_time", "tracking": "json:line_items[].tracking_number",
			"ship_from": "json:warehouse_id (data.warehouses[].address.region_code)", "ship_to": "json:recipient_address.region_code"},
		"listed_order": {"id": "json:data.orders[].id", "placed": "json:create_time", "changed": "json:update_time",
			"value": "json:payment.total_amount", "currency": "json:payment.currency", "ship_date": "json:rts_time",
			"tracking": "json:line_items[].tracking_number", "ship_from": "json:warehouse_id (data.warehouses[].address.region_code)",
			"ship_to": "json:recipient_address.region_code"},
	},
}

// messageRows names where each marketplace's thread messages are listed.
var messageRows = map[string]string{"amazon": "thread.message", "ebay": "json:messages", "tiktok": "json:data.messages"}

func (s *session) recordCheck(kind, url string) automations.RecordCheck {
	return automations.RecordCheck{Kind: kind, Recipe: s.recipe, From: recordSources[s.store.Marketplace][kind], URL: url,
		Now: s.deps.now()}
}

// listURL names the page or endpoint a store's threads are listed from,
// for messages.
func listURL(r *automations.Recipe) string {
	for _, name := range []string{"inbox", "conversations_api"} {
		if u, err := r.URL(name); err == nil {
			return u
		}
	}
	return r.BaseURL
}

// checkThreads checks the listed threads against the thread schema. It
// returns those that fit, trimmed and with repeats dropped, and a
// page_changed error for those that do not (nil when all fit).
func (s *session) checkThreads(list []threadSummary, url string) ([]threadSummary, error) {
	rows := make([]automations.Record, len(list))
	for i, t := range list {
		rows[i] = automations.Record{"id": t.ID, "subject": t.Subject, "received": t.Received, "buyer": t.Buyer,
			"order": t.OrderID, automations.MultiField: t.Multi}
	}
	keep, err := automations.CheckRecords(s.recordCheck("thread", url), rows)
	out := make([]threadSummary, 0, len(keep))
	for _, k := range keep {
		t := list[k]
		t.Subject, t.Buyer, t.OrderID = strings.TrimSpace(t.Subject), strings.TrimSpace(t.Buyer), strings.TrimSpace(t.OrderID)
		out = append(out, t)
	}
	return out, err
}

// checkThread checks a thread's messages against the message schema: a
// thread is stored whole or not at all, so one message that does not fit
// fails the thread.
func (s *session) checkThread(d threadDetail, url string) (threadDetail, error) {
	rows := make([]automations.Record, len(d.Messages))
	for i, m := range d.Messages {
		rows[i] = automations.Record{"id": m.ID, "from": m.From, "body": m.Body, "at": m.At,
			"attachments": m.Attachments, automations.MultiField: m.Multi}
	}
	if len(d.Messages) == 0 {
		// Every thread starts with the buyer's message: none read means the
		// message rows are no longer where the recipe looks.
		return d, &automations.SelectorError{Name: messageRows[s.store.Marketplace], Selector: optSel(s.recipe, "thread.message"), URL: url}
	}
	keep, err := automations.CheckRecords(s.recordCheck("message", url), rows)
	if err != nil {
		return d, err
	}
	msgs := make([]remoteMessage, 0, len(keep))
	for _, k := range keep {
		m := d.Messages[k]
		m.Body = strings.TrimSpace(m.Body)
		msgs = append(msgs, m)
	}
	d.Messages = msgs
	return d, nil
}

// checkListed checks the orders of an order list's page against the
// listed_order schema. It returns those that fit, trimmed and with repeats
// dropped, and a page_changed error for those that do not (nil when all
// fit).
func (s *session) checkListed(list []listedOrder, url string) ([]listedOrder, error) {
	rows := make([]automations.Record, len(list))
	for i, o := range list {
		rows[i] = automations.Record{"id": o.ID, "placed": o.Placed, "changed": optTime(o.Changed), "value": o.Value,
			"currency": o.Currency, "ship_date": optTime(o.ShipDate), "tracking": o.Tracking, "ship_from": o.ShipFrom,
			"ship_to": o.ShipTo, automations.MultiField: o.Multi}
	}
	keep, err := automations.CheckRecords(s.recordCheck("listed_order", url), rows)
	out := make([]listedOrder, 0, len(keep))
	for _, k := range keep {
		o := list[k]
		o.ID, o.Tracking, o.Carrier = strings.TrimSpace(o.ID), strings.TrimSpace(o.Tracking), strings.TrimSpace(o.Carrier)
		o.Buyer, o.Item = strings.TrimSpace(o.Buyer), strings.TrimSpace(o.Item)
		o.ShipFrom, o.ShipTo, o.Currency = strings.TrimSpace(o.ShipFrom), strings.TrimSpace(o.ShipTo), strings.TrimSpace(o.Currency)
		out = append(out, o)
	}
	return out, err
}

// checkOrders drops the orders that do not fit the order schema. Orders
// help a thread (the buyer's parcel, its value) but are not the point of a
// sync, so a misfit is returned for the log while the others are kept.
func (s *session) checkOrders(orders map[string]remoteOrder, url string) (map[string]remoteOrder, error) {
	if len(orders) == 0 {
		return orders, nil
	}
	ids := make([]string, 0, len(orders))
	rows := make([]automations.Record, 0, len(orders))
	for id, o := range orders {
		ids = append(ids, id)
		rows = append(rows, automations.Record{"id": o.ID, "value": o.Value, "currency": o.Currency,
			"ship_date": optTime(o.ShipDate), "tracking": o.Tracking, "ship_from": o.ShipFrom, "ship_to": o.ShipTo})
	}
	keep, err := automations.CheckRecords(s.recordCheck("order", url), rows)
	out := make(map[string]remoteOrder, len(keep))
	for _, k := range keep {
		out[ids[k]] = orders[ids[k]]
	}
	return out, err
}

func optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// mostlyChanged returns the first error of a batch most of whose threads
// failed because the page no longer fits the recipe (nil otherwise): then the site changed, and reading on would only fail the
// same way.
func mostlyChanged(errs []error) error {
	var first error
	n := 0
	for _, err := range errs {
		if automations.Classify(err) == automations.PageChanged {
			n++
			if first == nil {
				first = err
			}
		}
	}
	if n*2 > len(errs) {
		return first
	}
	return nil
}
