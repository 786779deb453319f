package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// NewWorld builds the world a sandbox of these options serves, without
// serving it: for tests and tools that need its data (see RelayMails).
func NewWorld(opts Options) *World {
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	if opts.Stores <= 0 {
		opts.Stores = 1
	}
	if opts.Orders <= 0 {
		opts.Orders = 300
	}
	w := generateWorld(opts.Seed, opts.Start, opts.Stores, opts.Orders)
	w.addLaterOrders(opts.Seed, opts.Start, opts.LaterOrders)
	return w
}

// RelayMail is one mail of the world as a seller's mailbox receives it.
type RelayMail struct {
	ThreadID  string // the world's thread; "" for a notification
	MessageID string // the Message-ID header, without angle brackets
	From      string // the sender's address: the buyer's relay alias, or Amazon's
	Lang      string
	Charset   string // the body's charset as declared
	Date      time.Time
	Raw       []byte // the whole message (RFC 5322, CRLF line ends)
}

// mailCharsets is the charset each language's mail is written in, as mail
// clients of those markets commonly send it: ISO-2022-JP for Japanese
// (RFC 1468), ISO-8859-1 and Windows-1252 for western European languages,
// UTF-8 elsewhere.
var mailCharsets = map[string]string{"ja": "ISO-2022-JP", "de": "ISO-8859-1", "fr": "windows-1252", "es": "UTF-8", "en": "UTF-8"}

var charsetEncoders = map[string]encoding.Encoding{"ISO-2022-JP": japanese.ISO2022JP, "ISO-8859-1": charmap.ISO8859_1,
	"windows-1252": charmap.Windows1252}

// relayDomains is the domain of Amazon's relay aliases per buyer language
// (the store's marketplace: amazon.co.jp for Japanese, and so on).
var relayDomains = map[string]string{"ja": "co.jp", "de": "de", "fr": "fr", "es": "es", "en": "com"}

// RelayMails returns the mail of the world's Amazon store storeID that has
// arrived by now at the seller's address: each buyer message of its threads
// as Amazon's buyer-seller relay delivers it (from the buyer's anonymised
// alias at marketplace.amazon.<domain>, which stays the same for all the
// buyer's mail; Amazon Seller Central help G200383320), in the buyer's
// language and a charset of that language, a follow-up tied to the message
// before it by In-Reply-To and References, a buyer's photos as attachments;
// and for each of the store's shipped orders Amazon's shipping
// confirmation, a notification and not a buyer message. Oldest first.
func (w *World) RelayMails(storeID, seller string, now time.Time) []RelayMail {
	var out []RelayMail
	for _, th := range w.threadsBySt[storeID] {
		if th.Marketplace != "amazon" {
			continue
		}
		alias := relayAlias(storeID, th.Buyer, th.Lang)
		prev := ""
		var refs []string
		for _, m := range th.VisibleMessages(now) {
			if m.From != "buyer" {
				continue
			}
			id := strings.ToLower(m.ID) + "@marketplace.amazon." + relayDomains[langOr(th.Lang)]
			raw, cs := buyerMail(th, m, alias, seller, id, prev, refs)
			out = append(out, RelayMail{ThreadID: th.ID, MessageID: id, From: alias, Lang: th.Lang, Charset: cs, Date: m.Time, Raw: raw})
			refs = append(refs, id)
			prev = id
		}
	}
	for _, o := range w.ordersBySt[storeID] {
		if o.Marketplace != "amazon" || !o.Shipped || o.ShipDate.After(now) {
			continue
		}
		id := "ship-" + o.ID + "@amazon.com"
		var b bytes.Buffer
		header(&b, "From", "Amazon.com <ship-confirm@amazon.com>")
		header(&b, "To", seller)
		header(&b, "Subject", "Your Amazon.com order "+o.ID+" has shipped")
		header(&b, "Date", o.ShipDate.Format(time.RFC1123Z))
		header(&b, "Message-ID", "<"+id+">")
		header(&b, "MIME-Version", "1.0")
		header(&b, "Content-Type", "text/plain; charset=us-ascii")
		b.WriteString("\r\nOrder " + o.ID + " was shipped with " + o.Carrier + ", tracking number " + o.TrackingNumber + ".\r\n")
		out = append(out, RelayMail{MessageID: id, From: "ship-confirm@amazon.com", Lang: "en", Charset: "us-ascii", Date: o.ShipDate, Raw: b.Bytes()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

func langOr(lang string) string {
	if _, ok := relayDomains[lang]; ok {
		return lang
	}
	return "en"
}

// relayAlias is the buyer's anonymised address: the same for every mail of
// that buyer to that store.
func relayAlias(storeID, buyer, lang string) string {
	sum := sha256.Sum256([]byte(storeID + "\x00" + buyer))
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	for _, c := range sum[:16] {
		b.WriteByte(alnum[int(c)%len(alnum)])
	}
	return b.String() + "@marketplace.amazon." + relayDomains[langOr(lang)]
}

func header(b *bytes.Buffer, name, value string) {
	b.WriteString(name + ": " + value + "\r\n")
}

// buyerMail writes one buyer message as relay mail and returns it with its
// body's charset.
func buyerMail(th *Thread, m *Message, alias, seller, id, inReplyTo string, refs []string) ([]byte, string) {
	cs := mailCharsets[langOr(th.Lang)]
	body, cte := []byte(m.Body), "quoted-printable"
	if enc, ok := charsetEncoders[cs]; ok {
		if b, err := enc.NewEncoder().Bytes([]byte(m.Body)); err == nil {
			body = b
		} else {
			cs = "UTF-8" // a character the charset lacks: the mail is sent in UTF-8
		}
	}
	if cs == "ISO-2022-JP" {
		cte = "7bit" // a 7-bit encoding by design (RFC 1468)
	} else if th.Lang == "es" {
		cte = "base64"
	}
	var b bytes.Buffer
	header(&b, "From", displayName(th.Buyer+" - Amazon Marketplace")+" <"+alias+">")
	header(&b, "To", seller)
	header(&b, "Subject", encodeSubject(th.Subject))
	header(&b, "Date", m.Time.Format(time.RFC1123Z))
	header(&b, "Message-ID", "<"+id+">")
	if inReplyTo != "" {
		header(&b, "In-Reply-To", "<"+inReplyTo+">")
		header(&b, "References", "<"+strings.Join(refs, "> <")+">")
	}
	header(&b, "MIME-Version", "1.0")
	text := func() {
		header(&b, "Content-Type", "text/plain; charset="+cs)
		header(&b, "Content-Transfer-Encoding", cte)
		b.WriteString("\r\n")
		switch cte {
		case "7bit":
			b.Write(bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n")))
		case "base64":
			writeBase64(&b, body)
		default:
			qp := quotedprintable.NewWriter(&b)
			_, _ = qp.Write(body)
			_ = qp.Close()
		}
		b.WriteString("\r\n")
	}
	if len(m.Attachments) == 0 {
		text()
		return b.Bytes(), cs
	}
	boundary := "relay-" + strings.ToLower(m.ID)
	header(&b, "Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	b.WriteString("\r\n--" + boundary + "\r\n")
	text()
	for _, a := range m.Attachments {
		b.WriteString("--" + boundary + "\r\n")
		header(&b, "Content-Type", a.ContentType+`; name="`+a.Name+`"`)
		header(&b, "Content-Disposition", `attachment; filename="`+a.Name+`"`)
		header(&b, "Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n")
		writeBase64(&b, photoPNG(a.ID))
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), cs
}

// displayName quotes an ASCII name (RFC 5322 3.2.4) and writes any other
// as UTF-8 encoded-words (RFC 2047).
func displayName(s string) string {
	if encodeSubject(s) == s && !strings.ContainsAny(s, `"\\`) {
		return `"` + s + `"`
	}
	return mime.BEncoding.Encode("UTF-8", s)
}

// encodeSubject keeps an ASCII subject as it is and writes any other as
// UTF-8 encoded-words (RFC 2047).
func encodeSubject(s string) string {
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return mime.BEncoding.Encode("UTF-8", s)
		}
	}
	return s
}

// writeBase64 writes data in base64 lines of 76 characters (RFC 2045 6.8).
func writeBase64(b *bytes.Buffer, data []byte) {
	s := base64.StdEncoding.EncodeToString(data)
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	fmt.Fprint(b, s)
}
