package views

import "strings"

// ServicesPage is /servizi: every category and every service.
type ServicesPage struct {
	Categories []CategoryLink
	Services   []ServiceLink
}

// CategoryLink is one category with how many services it holds.
type CategoryLink struct {
	Name  string
	URL   string
	Count int
}

// ServiceLink is a service in a list.
type ServiceLink struct {
	Title       string
	Description string
	URL         string
	Category    string
	Suspended   bool
}

// CategoryPage is one category's services.
type CategoryPage struct {
	Name     string
	Services []ServiceLink
}

// ServicePage is a service card.
type ServicePage struct {
	Slug         string
	Title        string
	Description  string
	Suspended    bool
	StatusReason string
	Topics       []Crumb
	Addressed    []Block
	HowTo        []Block
	Needed       []Block
	Achieved     []Block
	Calendar     []Block
	Deadlines    []string
	Costs        []Block
	Fees         []FeeLine
	Access       []Block
	AccessKind   string // online | appointment | desk
	ApplyURL     string // the online application's start page; "" when there is none
	BookingURL   string
	Conditions   string // URL of the terms page
	Office       OfficeCard
	JSONLD       string // the GovernmentService, already serialised
}

// FeeLine is one amount of a service.
type FeeLine struct {
	Description string
	Amount      string
}

// OfficeCard is the office in charge, as the card shows it.
type OfficeCard struct {
	Name, Description, Address, Hours, Phone, Email, PEC string
	URL                                                  string // the office's own page
}

// Block is a paragraph or a bulleted list of a long text.
type Block struct {
	Paragraph string
	Items     []string
}

// Blocks splits a catalogue text into paragraphs (separated by blank lines)
// and lists (runs of lines starting with "- ").
func Blocks(text string) []Block {
	var out []Block
	for _, chunk := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		var para []string
		var items []string
		flushPara := func() {
			if len(para) > 0 {
				out = append(out, Block{Paragraph: strings.Join(para, " ")})
				para = nil
			}
		}
		flushItems := func() {
			if len(items) > 0 {
				out = append(out, Block{Items: items})
				items = nil
			}
		}
		for _, line := range strings.Split(chunk, "\n") {
			line = strings.TrimSpace(line)
			switch {
			case line == "":
			case strings.HasPrefix(line, "- "):
				flushPara()
				items = append(items, strings.TrimSpace(line[2:]))
			default:
				flushItems()
				para = append(para, line)
			}
		}
		flushPara()
		flushItems()
	}
	return out
}

// TopicsPage lists the comune's topics.
type TopicsPage struct {
	Topics []TopicLink
}

// TopicLink is a topic with its description.
type TopicLink struct {
	Name, Description, URL string
	Count                  int
}

// TopicPage is one topic and its services.
type TopicPage struct {
	Name, Description string
	Services          []ServiceLink
}

// SearchPage is /cerca: the query and what it found.
type SearchPage struct {
	Query    string
	Searched bool
	Results  []ServiceLink
}

// OfficesPage lists the comune's offices.
type OfficesPage struct {
	Offices []OfficeLink
}

// OfficeLink is an office in the list.
type OfficeLink struct {
	Name, Description, URL string
}

// OfficePage is one office: where, when, how to reach it, what it handles.
type OfficePage struct {
	Office   OfficeCard
	Services []ServiceLink
}
