package carriers

import "testing"

func TestTaxonomy(t *testing.T) {
	seen := map[Subtag]bool{}
	for _, s := range Subtags() {
		if seen[s.Code] {
			t.Errorf("duplicate subtag %s", s.Code)
		}
		seen[s.Code] = true
		if s.Code.Tag() != s.Tag || !s.Tag.Valid() {
			t.Errorf("%s belongs to %s, prefix says %s", s.Code, s.Tag, s.Code.Tag())
		}
		if s.Message == "" || s.Description == "" {
			t.Errorf("%s has no text", s.Code)
		}
	}
	for _, tag := range Tags() {
		if _, ok := LookupSubtag(DefaultSubtag(tag)); !ok {
			t.Errorf("tag %s has no _001 subtag", tag)
		}
	}
	if info, ok := LookupSubtag(ExceptionDamaged); !ok || info.Code != "Exception_012" {
		t.Fatal("Exception_012 must be damage")
	}
	if info, ok := LookupSubtag(ExceptionLost); !ok || info.Code != "Exception_013" {
		t.Fatal("Exception_013 must be lost")
	}
	if Tag("Nope").Valid() {
		t.Fatal("unknown tag valid")
	}
}

func TestClassifyText(t *testing.T) {
	cases := map[string]Subtag{
		"Delivered, In/At Mailbox":   DeliveredOK,
		"Out for Delivery":           OutForDeliveryOnVehicle,
		"Package damaged in transit": ExceptionDamaged,
		"Your package is lost":       ExceptionLost,
		"Return to Sender processed": ExceptionReturning,
		// USPS event 56: nobody there who may take the parcel, the
		// recipient-not-available case of AfterShip's list
		"Notice Left (No Authorized Recipient)":  AttemptFailNotAvailable,
		"Notice Left":                            AttemptFailGeneric,
		"Available for Pickup":                   AvailableForPickupReady,
		"Departed USPS Regional Facility":        InTransitDeparture,
		"Shipping Label Created, USPS Awaiting":  InfoReceivedLabel,
		"The package is at the clearing agency.": InTransitCustomsStarted,
	}
	for text, want := range cases {
		if _, got, ok := ClassifyText(text); !ok || got != want {
			t.Errorf("ClassifyText(%q) = %s, want %s", text, got, want)
		}
	}
	if _, _, ok := ClassifyText("   "); ok {
		t.Error("blank text classified")
	}
}

func TestStatusTableAndMapStatus(t *testing.T) {
	tbl := NewStatusTable("x", []StatusRule{{Code: "ab", Tag: Delivered}, {Code: "CD", Subtag: ExceptionLost}})
	if tag, sub, ok := tbl.Lookup(" AB "); !ok || tag != Delivered || sub != DeliveredOK {
		t.Fatalf("AB -> %s %s %v", tag, sub, ok)
	}
	if tag, sub, ok := tbl.Lookup("cd"); !ok || tag != Exception || sub != ExceptionLost {
		t.Fatalf("cd -> %s %s %v", tag, sub, ok)
	}
	RegisterStatusMapper("x", func(code, text string) (Tag, Subtag, bool) { return tbl.Lookup(code) })
	if _, sub, _ := MapStatus("x", "cd", "Delivered"); sub != ExceptionLost {
		t.Fatalf("table should win over text, got %s", sub)
	}
	if _, sub, _ := MapStatus("x", "zz", "Delivered"); sub != DeliveredOK {
		t.Fatalf("text fallback, got %s", sub)
	}
	if _, sub, _ := MapStatus("unregistered", "", "Out for delivery"); sub != OutForDeliveryOnVehicle {
		t.Fatalf("unregistered courier falls back to text, got %s", sub)
	}
}

func TestSummarise(t *testing.T) {
	s := Shipment{Events: []Event{{Description: "x"}, {Tag: InTransit, Subtag: InTransitArrival}}}
	Summarise(&s, Delivered, "")
	if s.Tag != InTransit || s.Subtag != InTransitArrival {
		t.Fatalf("newest mapped event should decide: %s %s", s.Tag, s.Subtag)
	}
	s = Shipment{}
	Summarise(&s, Exception, "")
	if s.Tag != Exception || s.Subtag != ExceptionGeneric {
		t.Fatalf("fallback: %s %s", s.Tag, s.Subtag)
	}
	s = Shipment{}
	Summarise(&s, "", "")
	if s.Tag != Pending {
		t.Fatalf("nothing known: %s", s.Tag)
	}
}
