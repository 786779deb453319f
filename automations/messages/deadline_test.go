package messages

import (
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
)

func TestReplyDeadlines(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name        string
		marketplace string
		kind        localdb.ThreadKind
		last        string
		want        string // "" for no deadline
	}{
		{"amazon counts calendar hours", "amazon", localdb.KindMessage, "2026-03-04T09:00:00Z", "2026-03-05T09:00:00Z"},
		{"amazon counts the weekend", "amazon", localdb.KindMessage, "2026-03-06T22:30:00Z", "2026-03-07T22:30:00Z"},
		{"amazon on a Sunday", "amazon", localdb.KindReturn, "2026-03-08T10:00:00Z", "2026-03-09T10:00:00Z"},
		{"amazon in another zone is UTC", "amazon", localdb.KindMessage, "2026-03-04T09:00:00+09:00", "2026-03-05T00:00:00Z"},
		{"tiktok 12 hours", "tiktok", localdb.KindMessage, "2026-03-04T20:00:00Z", "2026-03-05T08:00:00Z"},
		{"tiktok over a weekend night", "tiktok", localdb.KindMessage, "2026-03-07T18:00:00Z", "2026-03-08T06:00:00Z"},
		{"ebay message has none", "ebay", localdb.KindMessage, "2026-03-04T09:00:00Z", ""},
		{"ebay return midweek", "ebay", localdb.KindReturn, "2026-03-04T09:00:00Z", "2026-03-09T09:00:00Z"},
		{"ebay case from Friday skips the weekend", "ebay", localdb.KindCase, "2026-03-06T15:00:00Z", "2026-03-11T15:00:00Z"},
		{"ebay return on Saturday", "ebay", localdb.KindReturn, "2026-03-07T12:00:00Z", "2026-03-11T12:00:00Z"},
		{"ebay case on Sunday", "ebay", localdb.KindCase, "2026-03-08T12:00:00Z", "2026-03-11T12:00:00Z"},
		{"unknown marketplace has none", "etsy", localdb.KindMessage, "2026-03-04T09:00:00Z", ""},
	}
	for _, c := range cases {
		got := ReplyDeadline(c.marketplace, c.kind, at(c.last))
		if c.want == "" {
			if !got.IsZero() {
				t.Errorf("%s: deadline %s, want none", c.name, got)
			}
			continue
		}
		if !got.Equal(at(c.want)) {
			t.Errorf("%s: deadline %s, want %s", c.name, got.Format(time.RFC3339), c.want)
		}
	}
	if !ReplyDeadline("amazon", localdb.KindMessage, time.Time{}).IsZero() {
		t.Error("a thread without a buyer message got a deadline")
	}
}

func TestDetectLanguage(t *testing.T) {
	cases := map[string]string{
		"Hello, where is my parcel? It has not arrived yet and I am worried.":                                                          "en",
		"Hallo, wo ist mein Paket? Es ist noch nicht angekommen und ich warte.":                                                        "de",
		"Bonjour, où est mon colis ? Il n'est toujours pas arrivé chez moi.":                                                           "fr",
		"Hola, ¿dónde está mi pedido? Lo compré hace dos semanas y todavía no ha llegado. ¿Podrían decirme cuándo llegará, por favor?": "es",
		"こんにちは、荷物はどこにありますか？まだ届いていません。":                                                                                                 "ja",
		"ok": "",
	}
	for text, want := range cases {
		if got := DetectLanguage(text); got != want {
			t.Errorf("DetectLanguage(%q) = %q, want %q", text, got, want)
		}
	}
}
