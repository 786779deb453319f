package localdb

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// searchPlan is a user's search text split by the index that can answer
// each term. Every term must match (AND), in the message body or its
// thread's subject.
//
//   - words: terms in scripts written with spaces between words (Latin,
//     Cyrillic, Greek, Arabic, ...) go to message_fts, whose unicode61
//     tokenizer folds case and accents, each as a word prefix.
//   - grams: terms holding Japanese, Chinese, Korean or another script
//     written without spaces (or, for Korean, with particles glued to the
//     word) are matched as substrings by message_trigram, when they have
//     three characters or more.
//   - short: such terms of one or two characters, which a trigram index
//     cannot hold, are matched with LIKE on the stored text.
type searchPlan struct {
	words string   // FTS5 query for message_fts; "" when none
	grams string   // FTS5 query for message_trigram; "" when none
	short []string // LIKE patterns with the ESCAPE character '\'
}

func (p searchPlan) empty() bool { return p.words == "" && p.grams == "" && len(p.short) == 0 }

// planSearch splits text into words (at spaces and control characters),
// drops words without a letter or digit, and sends each to its index.
func planSearch(text string) searchPlan {
	text = strings.ToValidUTF8(text, " ")
	var words, grams []string
	var p searchPlan
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			continue
		}
		switch {
		case !strings.ContainsFunc(w, unspacedScript):
			words = append(words, ftsString(w)+"*")
		case utf8.RuneCountInString(w) >= 3:
			grams = append(grams, ftsString(w))
		default:
			p.short = append(p.short, "%"+likeEscaper.Replace(w)+"%")
		}
	}
	p.words = strings.Join(words, " ")
	p.grams = strings.Join(grams, " ")
	return p
}

// ftsString quotes w as an FTS5 string, so that no input is read as an
// operator or breaks the query's syntax.
func ftsString(w string) string { return `"` + strings.ReplaceAll(w, `"`, `""`) + `"` }

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// unspacedScript reports whether r belongs to a script whose words a
// space-and-punctuation tokenizer cannot find: Han, Hiragana, Katakana and
// Hangul (the Unicode script tables), and the scripts of South-East Asia
// written without spaces.
func unspacedScript(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// filters returns SQL conditions on the message alias msg and its thread's
// alias thread that hold when the message matches the plan's terms, leaving
// out the index named by skip ("words" or "grams") that the caller queries
// itself with MATCH.
func (p searchPlan) filters(msg, thread, skip string) ([]string, []any) {
	var conds []string
	var args []any
	if p.words != "" && skip != "words" {
		conds = append(conds, msg+".id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?)")
		args = append(args, p.words)
	}
	if p.grams != "" && skip != "grams" {
		conds = append(conds, msg+".id IN (SELECT rowid FROM message_trigram WHERE message_trigram MATCH ?)")
		args = append(args, p.grams)
	}
	for _, pat := range p.short {
		conds = append(conds, "("+msg+`.body LIKE ? ESCAPE '\' OR `+thread+`.subject LIKE ? ESCAPE '\')`)
		args = append(args, pat, pat)
	}
	return conds, args
}

// likeSnippet is the snippet for a hit found by LIKE alone: up to about
// twelve characters either side of the first term found in body, with the
// term in [brackets], and … where text was cut.
func likeSnippet(body string, short []string) string {
	const around = 12
	for _, pat := range short {
		term := strings.TrimSuffix(strings.TrimPrefix(pat, "%"), "%")
		term = strings.NewReplacer(`\\`, `\`, `\%`, `%`, `\_`, `_`).Replace(term)
		i := strings.Index(body, term)
		if i < 0 {
			continue
		}
		before := []rune(body[:i])
		after := []rune(body[i+len(term):])
		var b strings.Builder
		if len(before) > around {
			b.WriteString("…")
			before = before[len(before)-around:]
		}
		b.WriteString(string(before))
		b.WriteString("[" + term + "]")
		if len(after) > around {
			b.WriteString(string(after[:around]) + "…")
		} else {
			b.WriteString(string(after))
		}
		return b.String()
	}
	r := []rune(body)
	if len(r) > 2*around {
		return string(r[:2*around]) + "…"
	}
	return body
}
