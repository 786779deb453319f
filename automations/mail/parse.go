package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // ISO-2022-JP, Shift_JIS, GB2312, Windows-1252 and the rest of x/text
	gomail "github.com/emersion/go-message/mail"
	"golang.org/x/net/html"
)

// Mail is what one email says, decoded: headers per RFC 5322, the body per
// MIME (RFC 2045-2049) with its charset turned into UTF-8.
type Mail struct {
	MessageID   string // without angle brackets
	InReplyTo   []string
	References  []string
	From        Address
	ReplyTo     string // address only; empty when the mail has none
	To          []string
	Subject     string
	Date        time.Time
	Text        string // the text/plain part, else the text/html part as text
	Attachments []Part
	// Automatic is the header field that marks the mail as sent by a
	// program ("Auto-Submitted: auto-replied"), "" for a person's mail.
	Automatic string
	// Problems lists what could not be read as the mail declares (an
	// unknown charset, a broken base64 part); the rest is still read.
	Problems []string
}

// Address is a mailbox: display name and address.
type Address struct {
	Name    string
	Address string
}

// Part is an attachment.
type Part struct {
	Name string
	MIME string
	Data []byte
	// NotRead marks a part of a mail above the size limit that was not
	// downloaded: it is recorded by name, without size, hash or file.
	NotRead bool
}

// errUnreadable marks a mail whose header could not be read at all.
var errUnreadable = errors.New("not an email message")

// Parse reads a raw message. It fails only when not even the header can be
// read; everything else that does not fit is noted in Problems and the rest
// is kept.
func Parse(raw []byte) (Mail, error) {
	ent, err := message.Read(bytes.NewReader(raw))
	var m Mail
	switch {
	case err == nil:
	case message.IsUnknownCharset(err) || message.IsUnknownEncoding(err):
		m.Problems = append(m.Problems, err.Error())
	default:
		return Mail{}, fmt.Errorf("%w: %v", errUnreadable, err)
	}
	h := gomail.Header{Header: ent.Header}
	if id, err := h.MessageID(); err == nil && id != "" {
		m.MessageID = id
	} else {
		// RFC 5322 3.6.4 asks for a Message-ID but does not require one;
		// without it, the mail's own bytes name it, the same at every read.
		sum := sha256.Sum256(raw)
		m.MessageID = "sha256-" + hex.EncodeToString(sum[:16]) + "@no-message-id.invalid"
	}
	m.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	m.References, _ = h.MsgIDList("References")
	if list, err := h.AddressList("From"); err == nil && len(list) > 0 {
		m.From = Address{Name: list[0].Name, Address: strings.ToLower(list[0].Address)}
	} else if err != nil {
		m.Problems = append(m.Problems, "From: "+err.Error())
	}
	if list, err := h.AddressList("Reply-To"); err == nil && len(list) > 0 {
		m.ReplyTo = strings.ToLower(list[0].Address)
	}
	if list, err := h.AddressList("To"); err == nil {
		for _, a := range list {
			m.To = append(m.To, strings.ToLower(a.Address))
		}
	}
	if s, err := h.Subject(); err == nil {
		m.Subject = s
	} else {
		m.Subject = validUTF8(h.Get("Subject"))
		m.Problems = append(m.Problems, "Subject: "+err.Error())
	}
	if d, err := h.Date(); err == nil {
		m.Date = d.UTC()
	}
	m.Automatic = automaticMark(h)

	var plain, htmlText []string
	werr := ent.Walk(func(path []int, e *message.Entity, err error) error {
		if err != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("part %v: %v", path, err))
			if e == nil {
				return nil
			}
		}
		ct, params, _ := e.Header.ContentType()
		if strings.HasPrefix(ct, "multipart/") {
			return nil
		}
		disp, dparams, _ := e.Header.ContentDisposition()
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		if name != "" {
			if dec, err := (&mime.WordDecoder{CharsetReader: message.CharsetReader}).DecodeHeader(name); err == nil {
				name = dec
			}
		}
		data, rerr := io.ReadAll(e.Body)
		if rerr != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("part %v (%s): %v", path, ct, rerr))
		}
		isText := ct == "" || ct == "text/plain" || ct == "text/html"
		if disp == "attachment" || name != "" || !isText {
			if ct == "message/rfc822" && name == "" {
				name = "message.eml"
			}
			if name == "" {
				name = "part-" + strings.Trim(strings.ReplaceAll(fmt.Sprint(path), " ", "-"), "[]")
			}
			m.Attachments = append(m.Attachments, Part{Name: name, MIME: ct, Data: data})
			return nil
		}
		text := validUTF8(string(data))
		if ct == "text/html" {
			htmlText = append(htmlText, HTMLText(text))
		} else {
			plain = append(plain, text)
		}
		return nil
	})
	if werr != nil {
		m.Problems = append(m.Problems, werr.Error())
	}
	switch {
	case len(plain) > 0:
		m.Text = strings.Join(plain, "\n")
	default:
		m.Text = strings.Join(htmlText, "\n")
	}
	m.Text = strings.TrimSpace(strings.ReplaceAll(m.Text, "\r\n", "\n"))
	return m, nil
}

// validUTF8 keeps text as it is when it is UTF-8 and replaces the bytes
// that are not.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// blockTags end a line of text when they open or close.
var blockTags = map[string]bool{"p": true, "br": true, "div": true, "tr": true, "li": true, "ul": true, "ol": true,
	"table": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true, "hr": true}

// HTMLText turns an HTML body into plain text: the text nodes with entities
// decoded, a line break at each block element, scripts and styles left out.
func HTMLText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	newline := func() {
		str := b.String()
		if str != "" && !strings.HasSuffix(str, "\n") {
			b.WriteString("\n")
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tag == "script" || tag == "style" || tag == "head" {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if blockTags[tag] {
				newline()
			}
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
				if t := z.Text(); len(t) > 0 && (t[len(t)-1] == ' ' || t[len(t)-1] == '\n') {
					b.WriteString(" ")
				}
			}
		}
	}
}

func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
