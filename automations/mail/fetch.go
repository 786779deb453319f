package mail

import (
	"bufio"
	"bytes"
	"fmt"
	"mime"
	"strings"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-message/textproto"
)

// DefaultMaxMailBytes is the size above which a mail is not fetched whole:
// 25 MiB. Amazon relays attachments of up to 10 MB per message (Seller
// Central help, "Buyer-Seller Messaging", item 200389080), which base64
// (RFC 2045 6.8) makes about 13.5 MB; Gmail sends at most 25 MB. A mail
// above the limit is stored with its header and text parts, its
// attachments recorded by name and not downloaded.
const DefaultMaxMailBytes int64 = 25 << 20

// chunkBytes bounds the bytes of the mails fetched and held for one chunk
// (a mail up to the size limit is always taken, even alone).
const chunkBytes int64 = 32 << 20

// defaultChunkMails is how many mails one chunk (one UID FETCH, one
// transaction) holds at most.
const defaultChunkMails = 200

func (d *Deps) maxMailBytes() int64 {
	if d.MaxMailBytes <= 0 {
		return DefaultMaxMailBytes
	}
	return d.MaxMailBytes
}

func (d *Deps) chunkMails() int {
	if d.ChunkMails <= 0 {
		return defaultChunkMails
	}
	return d.ChunkMails
}

// sizes asks for the RFC822.SIZE of each UID (RFC 3501 6.4.5): the octets
// of the whole mail, known before any of it is fetched.
func (y *mailSync) sizes(ic *imapConn, folder string, uids []uint32) (map[uint32]int64, error) {
	out := make(map[uint32]int64, len(uids))
	if len(uids) == 0 {
		return out, nil
	}
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	ch := make(chan *imap.Message, 64)
	done := make(chan error, 1)
	go func() { done <- ic.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size}, ch) }()
	for msg := range ch {
		out[msg.Uid] = int64(msg.Size)
	}
	if err := <-done; err != nil {
		return nil, netError("imap.fetch "+folder, y.acct.IMAPHost, y.acct.IMAPPort, y.acct.IMAPSecurity, err)
	}
	return out, nil
}

// chunks cuts the UIDs, in order, into chunks of at most maxMails mails
// and, counting only the mails fetched whole (those up to limit), at most
// maxBytes bytes, or one mail when that alone is more.
func chunks(uids []uint32, sizes map[uint32]int64, maxMails int, maxBytes, limit int64) [][]uint32 {
	var out [][]uint32
	var cur []uint32
	var bytes int64
	for _, u := range uids {
		n := sizes[u]
		if n > limit {
			n = 0 // only its header and text parts are fetched
		}
		if len(cur) > 0 && (len(cur) >= maxMails || bytes+n > maxBytes) {
			out = append(out, cur)
			cur, bytes = nil, 0
		}
		cur = append(cur, u)
		bytes += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// fetchWhole fetches the whole of each mail (BODY.PEEK[], which leaves
// \Seen alone).
func (y *mailSync) fetchWhole(ic *imapConn, folder string, uids []uint32) (map[uint32][]byte, error) {
	got := make(map[uint32][]byte, len(uids))
	if len(uids) == 0 {
		return got, nil
	}
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, 16)
	done := make(chan error, 1)
	go func() { done <- ic.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
	for msg := range ch {
		if lit := msg.GetBody(section); lit != nil {
			b := make([]byte, lit.Len())
			n, _ := readFull(lit, b)
			got[msg.Uid] = b[:n]
		}
	}
	if err := <-done; err != nil {
		return nil, netError("imap.fetch "+folder, y.acct.IMAPHost, y.acct.IMAPPort, y.acct.IMAPSecurity, err)
	}
	return got, nil
}

// textPart is a part of a large mail that is read: a text part within
// the size limit.
type textPart struct {
	path []int
	size uint32
}

// fetchLarge reads a mail above the size limit without fetching it whole:
// its header and BODYSTRUCTURE (RFC 3501 7.4.2), then each text part that
// is not an attachment and fits the limit, by its section number. The
// other parts are named in the mail's Problems and kept as attachments
// not downloaded. What was read is put together as a MIME message of its
// own (the header, and a multipart/mixed of the parts read), which is
// parsed as any mail and kept as the evidence. A nil result means the mail
// was expunged meanwhile.
func (y *mailSync) fetchLarge(ic *imapConn, folder string, uid uint32, size int64) (*pending, error) {
	limit := y.d.maxMailBytes()
	header := &imap.BodySectionName{Peek: true, BodyPartName: imap.BodyPartName{Specifier: imap.HeaderSpecifier}}
	msgs, err := y.fetchOne(ic, folder, uid, []imap.FetchItem{imap.FetchUid, imap.FetchBodyStructure, header.FetchItem()})
	if err != nil || msgs == nil {
		return nil, err
	}
	hdrBytes := literal(msgs.GetBody(header))
	bs := msgs.BodyStructure
	p := &pending{uid: uid}
	var problems []string
	var skipped []Part
	var texts []textPart
	if bs != nil {
		bs.Walk(func(path []int, part *imap.BodyStructure) bool {
			if strings.EqualFold(part.MIMEType, "multipart") {
				return true
			}
			ct := strings.ToLower(part.MIMEType + "/" + part.MIMESubType)
			name, _ := part.Filename()
			isText := ct == "text/plain" || ct == "text/html"
			attached := strings.EqualFold(part.Disposition, "attachment") || name != ""
			if isText && !attached && int64(part.Size) <= limit && len(bs.Parts) > 0 {
				texts = append(texts, textPart{path: append([]int(nil), path...), size: part.Size})
				return true
			}
			if name == "" {
				name = "part-" + joinPath(path)
			}
			skipped = append(skipped, Part{Name: name, MIME: ct, NotRead: true})
			problems = append(problems, fmt.Sprintf("part %s (%s, %q, %d bytes as sent) not downloaded: the mail is %d bytes, above the limit of %d (mail.max_message_mb)",
				joinPath(path), ct, name, part.Size, size, limit))
			return true
		})
	} else {
		problems = append(problems, fmt.Sprintf("the mail is %d bytes, above the limit of %d (mail.max_message_mb), and the server gave no structure; only its header was read", size, limit))
	}
	// The parts read, each with its own MIME header (BODY[n.MIME]).
	var body bytes.Buffer
	boundary := fmt.Sprintf("sellerops-part-%d", uid)
	for _, tp := range texts {
		mimeSec := &imap.BodySectionName{Peek: true, BodyPartName: imap.BodyPartName{Specifier: imap.MIMESpecifier, Path: tp.path}}
		textSec := &imap.BodySectionName{Peek: true, BodyPartName: imap.BodyPartName{Path: tp.path}}
		m, err := y.fetchOne(ic, folder, uid, []imap.FetchItem{imap.FetchUid, mimeSec.FetchItem(), textSec.FetchItem()})
		if err != nil || m == nil {
			return nil, err
		}
		fmt.Fprintf(&body, "--%s\r\n", boundary)
		body.Write(literal(m.GetBody(mimeSec)))
		body.Write(literal(m.GetBody(textSec)))
		body.WriteString("\r\n")
	}
	if len(texts) > 0 {
		fmt.Fprintf(&body, "--%s--\r\n", boundary)
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(hdrBytes)))
	if err != nil {
		p.raw, p.err = hdrBytes, fmt.Errorf("%w: header of a mail of %d bytes: %v", errUnreadable, size, err)
		return p, nil
	}
	h.Del("Content-Transfer-Encoding")
	if len(texts) > 0 {
		h.Set("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": boundary}))
	} else {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	var raw bytes.Buffer
	if err := textproto.WriteHeader(&raw, h); err != nil {
		return nil, err
	}
	raw.Write(body.Bytes())
	p.raw = raw.Bytes()
	p.mail, p.err = Parse(p.raw)
	if p.err == nil {
		p.mail.Attachments = append(p.mail.Attachments, skipped...)
		p.mail.Problems = append(p.mail.Problems, problems...)
	}
	return p, nil
}

// fetchOne fetches items of one mail; nil when the mail is gone.
func (y *mailSync) fetchOne(ic *imapConn, folder string, uid uint32, items []imap.FetchItem) (*imap.Message, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	ch := make(chan *imap.Message, 1)
	done := make(chan error, 1)
	go func() { done <- ic.c.UidFetch(set, items, ch) }()
	var got *imap.Message
	for msg := range ch {
		if msg.Uid == uid {
			got = msg
		}
	}
	if err := <-done; err != nil {
		return nil, netError("imap.fetch "+folder, y.acct.IMAPHost, y.acct.IMAPPort, y.acct.IMAPSecurity, err)
	}
	return got, nil
}

func literal(l imap.Literal) []byte {
	if l == nil {
		return nil
	}
	b := make([]byte, l.Len())
	n, _ := readFull(l, b)
	return b[:n]
}

func joinPath(path []int) string {
	s := make([]string, len(path))
	for i, n := range path {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ".")
}
