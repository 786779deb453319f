package drift

// The variants and the rule they are judged by were written before the
// product's record checks, so that the checks are measured against a list
// they did not shape.
//
// Outcome rule, per variant and site:
//   - correct: the flow reported no failure, and every record it returned
//     or stored agrees with the sandbox world's truth (tracking: the
//     parcel's status tag and each event's time and description; inbox:
//     each thread's subject, received time and each message's body and
//     time). Optional fields (a location, a buyer name) may come back blank
//     when the variant removed them, never with another record's value.
//   - page_changed: the flow reported page_changed for the site (the store
//     or carrier, or each affected item), and nothing it stored disagrees
//     with the truth.
//   - silent: anything else that is a success: a wrong or blank required
//     value returned or stored without a page_changed failure, or wrong
//     data stored next to a failure. Any silent cell fails the test.
//   - other: a failure of another class (site_error, timeout, ...); also
//     fails the test, since a changed page must be named as such.
//
// Each variant changes the rows a flow reads (inbox threads, thread
// messages, tracking events, claim rows) and the cells inside them. For the
// JSON that the eBay and TikTok flows read, each variant has a JSON
// counterpart doing the same to keys and values.
type variant struct {
	name string
	what string
	// expect is the outcome the variant should have when the product reads
	// it well: "correct" when the change keeps every value the flow needs
	// reachable, "page_changed" when it removes or spoils one. Either is
	// accepted for a cell (a reader may cope with more than foreseen, or
	// refuse something harmless); silent and other never are.
	expect string
}

var variants = []variant{
	{"rename-all", "every class and id renamed (a full redesign); JSON: every key renamed", "page_changed"},
	{"rename-cells", "the classes of the cells inside each row renamed, the row class kept; JSON: the keys inside list items renamed", "page_changed"},
	{"rename-attrs", "the data-* and datetime attributes on rows and cells renamed; JSON: the time keys renamed", "page_changed"},
	{"reorder-cells", "the cells of each row in reverse order; JSON: keys in reverse order", "correct"},
	{"wrap-cells", "each cell's content wrapped in another element; JSON: each text value wrapped in an object", "correct"},
	{"reformat-dates", "dates in text and attributes printed as 'Thursday 3rd of December 2026, 14h05'; JSON: the same for time strings, numbers as text", "page_changed"},
	{"drop-column", "the description / subject / body cell removed from every row; JSON: that key removed", "page_changed"},
	{"duplicate-rows", "every row appears twice; JSON: every list item twice", "correct"},
	{"blank-text", "the text of every cell emptied (content drawn later, or elsewhere); JSON: text values empty", "page_changed"},
	{"pad-text", "cell text surrounded by newlines, tabs and non-breaking spaces; JSON: the same for text values", "correct"},
	{"decoy-cell", "before each cell, a label element with the same class ('Date:', 'Subject:'); JSON: a decoy key beside each", "page_changed"},
	{"extra-row", "an empty row with the row class first in every list (a skeleton or an advert); JSON: an empty item first", "page_changed"},
}
