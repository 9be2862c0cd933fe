package views

// RatingsPage summarises the page-rating answers for the comune's admins.
type RatingsPage struct {
	Rows []RatingRow
}

// RatingRow is one page in one language.
type RatingRow struct {
	Path     string
	Language string
	Count    int
	Average  string // e.g. "4,2"
	Positive string // share of 4-5 ratings, e.g. "80%"
}
