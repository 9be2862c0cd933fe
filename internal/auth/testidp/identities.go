package testidp

// Identity kinds offered by the test provider. The provider itself does not
// interpret them; the host application uses them to group the login picker.
const (
	KindCitizen = "citizen"
	KindStaff   = "staff"
)

// Identity is a person the test provider can authenticate as. Its
// attributes are released through UserInfo.
type Identity struct {
	ID           string // stable short id used in the picker, e.g. "mario-rossi"
	Kind         string // KindCitizen or KindStaff
	GivenName    string
	FamilyName   string
	FiscalCode   string // codice fiscale: 16 characters with a valid check character
	Email        string
	Phone        string // E.164, e.g. "+393330000001"
	BirthDate    string // YYYY-MM-DD
	PlaceOfBirth string // Belfiore code of the comune or foreign country of birth
	Note         string // English, shown in the picker, e.g. "Clerk, Città di Verdemare"
}

// DefaultIdentities returns the identities Civica's development data is
// built around: five citizens, and staff of the two demo comuni plus a
// platform administrator. The returned slice is a fresh copy the caller may
// modify.
func DefaultIdentities() []Identity {
	return []Identity{
		{
			ID: "mario-rossi", Kind: KindCitizen,
			GivenName: "Mario", FamilyName: "Rossi", FiscalCode: "RSSMRA85T10H501O",
			Email: "mario.rossi@example.it", Phone: "+393330000001",
			BirthDate: "1985-12-10", PlaceOfBirth: "H501",
			Note: "Citizen, born in Roma",
		},
		{
			ID: "giulia-bianchi", Kind: KindCitizen,
			GivenName: "Giulia", FamilyName: "Bianchi", FiscalCode: "BNCGLI92C62F205U",
			Email: "giulia.bianchi@example.it", Phone: "+393330000002",
			BirthDate: "1992-03-22", PlaceOfBirth: "F205",
			Note: "Citizen, born in Milano",
		},
		{
			ID: "luca-esposito", Kind: KindCitizen,
			GivenName: "Luca", FamilyName: "Esposito", FiscalCode: "SPSLCU78L04F839F",
			Email: "luca.esposito@example.it", Phone: "+393330000003",
			BirthDate: "1978-07-04", PlaceOfBirth: "F839",
			Note: "Citizen, born in Napoli",
		},
		{
			ID: "chiara-ferrari", Kind: KindCitizen,
			GivenName: "Chiara", FamilyName: "Ferrari", FiscalCode: "FRRCHR01S70A944A",
			Email: "chiara.ferrari@example.it", Phone: "+393330000004",
			BirthDate: "2001-11-30", PlaceOfBirth: "A944",
			Note: "Citizen, born in Bologna",
		},
		{
			ID: "aminata-diallo", Kind: KindCitizen,
			GivenName: "Aminata", FamilyName: "Diallo", FiscalCode: "DLLMNT90E55Z343I",
			Email: "aminata.diallo@example.it", Phone: "+393330000005",
			BirthDate: "1990-05-15", PlaceOfBirth: "Z343",
			Note: "Citizen, born abroad (Senegal)",
		},
		{
			ID: "paolo-conti", Kind: KindStaff,
			GivenName: "Paolo", FamilyName: "Conti", FiscalCode: "CNTPLA80A12H501T",
			Email: "paolo.conti@example.it", Phone: "+393330000006",
			BirthDate: "1980-01-12", PlaceOfBirth: "H501",
			Note: "Clerk, Città di Verdemare",
		},
		{
			ID: "sara-greco", Kind: KindStaff,
			GivenName: "Sara", FamilyName: "Greco", FiscalCode: "GRCSRA75P48H501B",
			Email: "sara.greco@example.it", Phone: "+393330000007",
			BirthDate: "1975-09-08", PlaceOfBirth: "H501",
			Note: "Comune admin, Città di Verdemare",
		},
		{
			ID: "francesca-romano", Kind: KindStaff,
			GivenName: "Francesca", FamilyName: "Romano", FiscalCode: "RMNFNC83H59F205Z",
			Email: "francesca.romano@example.it", Phone: "+393330000008",
			BirthDate: "1983-06-19", PlaceOfBirth: "F205",
			Note: "Clerk, Comune di Roccasole",
		},
		{
			ID: "giorgio-marino", Kind: KindStaff,
			GivenName: "Giorgio", FamilyName: "Marino", FiscalCode: "MRNGRG70B03L219H",
			Email: "giorgio.marino@example.it", Phone: "+393330000009",
			BirthDate: "1970-02-03", PlaceOfBirth: "L219",
			Note: "Comune admin, Comune di Roccasole",
		},
		{
			ID: "marco-gallo", Kind: KindStaff,
			GivenName: "Marco", FamilyName: "Gallo", FiscalCode: "GLLMRC72D21H501W",
			Email: "marco.gallo@example.it", Phone: "+393330000011",
			BirthDate: "1972-04-21", PlaceOfBirth: "H501",
			Note: "Office manager, Città di Verdemare",
		},
		{
			ID: "luigi-fontana", Kind: KindStaff,
			GivenName: "Luigi", FamilyName: "Fontana", FiscalCode: "FNTLGU85C02A944Y",
			Email: "luigi.fontana@example.it", Phone: "+393330000012",
			BirthDate: "1985-03-02", PlaceOfBirth: "A944",
			Note: "Clerk (polizia locale, scuola), Città di Verdemare",
		},
		{
			ID: "anna-costa", Kind: KindStaff,
			GivenName: "Anna", FamilyName: "Costa", FiscalCode: "CSTNNA79M54F205V",
			Email: "anna.costa@example.it", Phone: "+393330000013",
			BirthDate: "1979-08-14", PlaceOfBirth: "F205",
			Note: "Office manager, Comune di Roccasole",
		},
		{
			ID: "elena-ricci", Kind: KindStaff,
			GivenName: "Elena", FamilyName: "Ricci", FiscalCode: "RCCLNE88R67A944M",
			Email: "elena.ricci@example.it", Phone: "+393330000010",
			BirthDate: "1988-10-27", PlaceOfBirth: "A944",
			Note: "Platform administrator",
		},
	}
}
