package browsertest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Page is a fetched HTML page.
type Page struct {
	Status int
	URL    *url.URL // after redirects
	Body   string
}

// Get fetches url with client, following redirects, and reads the body.
func Get(t testing.TB, client *http.Client, url string) Page {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return readPage(t, res)
}

// PostForm posts values to url with client, following redirects.
func PostForm(t testing.TB, client *http.Client, url string, values url.Values) Page {
	t.Helper()
	res, err := client.PostForm(url, values)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	return readPage(t, res)
}

func readPage(t testing.TB, res *http.Response) Page {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Page{Status: res.StatusCode, URL: res.Request.URL, Body: string(b)}
}

// Form is an HTML form as a browser would submit it.
type Form struct {
	Action string // absolute, resolved against the page's URL
	Values url.Values
}

// FirstPostForm finds the first POST form of the page and the values its
// controls carry by default (inputs, with only the checked radios and
// checkboxes, and textareas).
func (p Page) FirstPostForm(t testing.TB) Form {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(p.Body))
	if err != nil {
		t.Fatal(err)
	}
	var form *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if form != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" && strings.EqualFold(attr(n, "method"), "post") {
			form = n
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		t.Fatalf("no POST form on %s:\n%s", p.URL, p.Body)
	}
	action, err := p.URL.Parse(attr(form, "action"))
	if err != nil {
		t.Fatal(err)
	}
	f := Form{Action: action.String(), Values: url.Values{}}
	var collect func(*html.Node)
	collect = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" {
			typ, name := attr(n, "type"), attr(n, "name")
			checkable := typ == "radio" || typ == "checkbox"
			if name != "" && (!checkable || hasAttr(n, "checked")) {
				f.Values.Add(name, attr(n, "value"))
			}
		}
		if n.Type == html.ElementNode && n.Data == "textarea" && attr(n, "name") != "" {
			var text strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				text.WriteString(c.Data)
			}
			f.Values.Add(attr(n, "name"), text.String())
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			collect(c)
		}
	}
	collect(form)
	return f
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// LoginHTTP logs in on base (a comune's or the platform's URL) through the
// test provider as identity, the way a browser does: start at
// /accedi/spid?next=..., pick the identity on the provider's page, follow
// the redirects back. It returns the page it lands on.
func LoginHTTP(t testing.TB, client *http.Client, base, identity, next string) Page {
	t.Helper()
	picker := Get(t, client, base+"/accedi/spid?"+url.Values{"next": {next}}.Encode())
	if picker.Status != http.StatusOK || !strings.Contains(picker.URL.Path, "/idp/") {
		t.Fatalf("login: expected the test provider's page, got %d at %s", picker.Status, picker.URL)
	}
	form := picker.FirstPostForm(t)
	form.Values.Set("identity", identity)
	return PostForm(t, client, form.Action, form.Values)
}
