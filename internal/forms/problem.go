package forms

// Error codes of FieldError. Each is also the i18n key "form.error.<code>".
//
// Params, when present, are human strings ready for the message's
// placeholders:
//   - "min", "max" for too_short and too_long: a number of characters;
//   - "min", "max" for too_small and too_large: the bound as written in
//     the definition, for a number; euro cents (an integer string) for money,
//     so the page formats the amount in the person's language;
//   - "min", "max" for date_too_early and date_too_late: the bound as
//     "22/11/2026";
//   - "min", "max" for too_few, too_many, too_few_items, too_many_items: a
//     count.
//
// The pattern error carries no params: the page adds the field's
// PatternHelp.
const (
	CodeRequired     = "required"
	CodeTooShort     = "too_short"
	CodeTooLong      = "too_long"
	CodePattern      = "pattern"
	CodeNumber       = "number"
	CodeTooSmall     = "too_small"
	CodeTooLarge     = "too_large"
	CodeMoney        = "money"
	CodeDate         = "date"
	CodeDateTooEarly = "date_too_early"
	CodeDateTooLate  = "date_too_late"
	CodeEmail        = "email"
	CodePhone        = "phone"
	CodeFiscalCode   = "fiscal_code"
	CodeIBAN         = "iban"
	CodePostalCode   = "postal_code"
	CodeOption       = "option"
	CodeTooFew       = "too_few"
	CodeTooMany      = "too_many"
	CodeFileRequired = "file_required"
	CodeTooFewItems  = "too_few_items"
	CodeTooManyItems = "too_many_items"
)

// Problem is why one answer is not acceptable: an error code and its params.
// The field validators return it; the engine turns it into a FieldError with
// the answer's key.
type Problem struct {
	Code   string
	Params map[string]string
}

func (p *Problem) Error() string { return "form: " + p.Code }

func problem(code string, params ...string) *Problem {
	p := &Problem{Code: code}
	if len(params) > 0 {
		p.Params = map[string]string{}
		for i := 0; i+1 < len(params); i += 2 {
			p.Params[params[i]] = params[i+1]
		}
	}
	return p
}
