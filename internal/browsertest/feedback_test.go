package browsertest

import "testing"

// TestPageRating clicks each star of the page-rating component, as AgID's
// checker does: 1-3 reveal the "difficulties" question, 4-5 the "liked"
// one, with and without JavaScript (CSS does the revealing). Then a rating
// is sent and thanked for.
func TestPageRating(t *testing.T) {
	t.Parallel()
	s := Start(t)
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"WithJavaScript", nil}, {"WithoutJavaScript", []Option{WithoutJavaScript()}}} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBrowser(t, tc.opts...)
			b.Visit(t, s.ComuneURL("roccasole")+"/servizi/carta-identita-elettronica")
			shown := func(element string) bool {
				return Eval[bool](t, b, `getComputedStyle(document.querySelector('[data-element="`+element+`"]')).display !== "none"`)
			}
			if shown("feedback-rating-positive") || shown("feedback-rating-negative") {
				t.Fatal("a follow-up question shows before any rating")
			}
			for star, want := range map[string]string{"1": "negative", "2": "negative", "3": "negative", "4": "positive", "5": "positive"} {
				b.Click(t, `[data-element="feedback-rate-`+star+`"]`)
				other := map[string]string{"negative": "positive", "positive": "negative"}[want]
				if !shown("feedback-rating-"+want) || shown("feedback-rating-"+other) {
					t.Errorf("after %s stars: %s shown=%v, %s shown=%v", star, want, shown("feedback-rating-"+want), other, shown("feedback-rating-"+other))
				}
			}
			b.Click(t, `[data-element="feedback-rate-5"]`)
			b.Click(t, `label[for="answer-p2"]`)
			b.Follow(t, `[data-testid="feedback-submit"]`)
			if n := b.Count(t, `[data-testid="feedback-thanks"]`); n != 1 {
				t.Errorf("no thanks after sending the rating; at %s", b.Location(t))
			}
			b.CheckAxe(t)
			b.CheckNoConsoleErrors(t)
		})
	}
}
