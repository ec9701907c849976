package sourcemap

import (
	"regexp"
	"strings"
	"unicode"
)

// emailRE2 finds "E-mail" and "e mail", one word.
var emailRE2 = regexp.MustCompile(`(?i)\be[\s-]?mail\b`)

// axiumRE finds the product's name, which says nothing in a header.
var axiumRE = regexp.MustCompile(`(?i)\baxium\b`)

// Header matching: a header and a canonical column are compared as sets of
// words, after abbreviations common in dental and practice-management
// reports are spelled out ("Pt DOB" = patient birth date). The words of a
// canonical column come from its name (BirthDate → birth date) and its
// aliases.

// abbreviations spell out the short forms headers use.
var abbreviations = map[string][]string{
	"pt": {"patient"}, "pat": {"patient"}, "patient#": {"patient", "number"},
	"dob": {"birth", "date"}, "bdate": {"birth", "date"}, "birthdate": {"birth", "date"}, "birthday": {"birth", "date"},
	"appt": {"appointment"}, "sched": {"appointment"},
	"prov": {"provider"}, "dr": {"provider"}, "doctor": {"provider"}, "dentist": {"provider"}, "clinician": {"provider"},
	"addr": {"address"}, "street": {"address"}, "address1": {"address", "1"}, "address2": {"address", "2"}, "addr1": {"address", "1"}, "addr2": {"address", "2"},
	"no": {"number"}, "num": {"number"}, "nbr": {"number"}, "#": {"number"}, "id": {"number"},
	"fname": {"first", "name"}, "lname": {"last", "name"}, "mname": {"middle", "name"}, "firstname": {"first", "name"},
	"lastname": {"last", "name"}, "surname": {"last", "name"}, "given": {"first", "name"}, "family": {"last", "name"},
	"mi": {"middle", "name"}, "nickname": {"preferred", "name"},
	"dt": {"date"}, "tm": {"time"}, "ins": {"insurance"}, "resp": {"responsible"}, "amt": {"amount"},
	"desc": {"description"}, "descr": {"description"}, "dx": {"diagnosis"}, "tx": {"treatment"}, "proc": {"procedure"},
	"cdt": {"procedure"}, "ada": {"procedure"}, "th": {"tooth"}, "surf": {"surfaces"}, "surface": {"surfaces"},
	"sex": {"gender"}, "zip": {"zip"}, "zipcode": {"zip"}, "postal": {"zip"}, "postcode": {"zip"},
	"tel": {"phone"}, "telephone": {"phone"}, "mobile": {"cell"}, "cellphone": {"cell", "phone"}, "homephone": {"home", "phone"},
	"email": {"email"}, "mail": {"email"}, "stat": {"status"}, "st": {"state"}, "chart#": {"chart"},
	"mrn": {"chart"}, "med": {"medical"}, "rec": {"record"}, "lang": {"language"}, "dur": {"duration"},
	"mins": {"duration"}, "minutes": {"duration"}, "len": {"duration"}, "length": {"duration"},
	"op": {"chair"}, "operatory": {"chair"}, "opr": {"chair"}, "loc": {"clinic"}, "location": {"clinic"}, "site": {"site"},
	"pd": {"probing", "depth"}, "pocket": {"probing", "depth"}, "gm": {"gingival", "margin"}, "rec.": {"gingival", "margin"},
	"recession": {"gingival", "margin"}, "bop": {"bleeding"}, "bleed": {"bleeding"}, "supp": {"suppuration"}, "pus": {"suppuration"},
	"mob": {"mobility"}, "furc": {"furcation"}, "guar": {"guarantor"}, "responsibleparty": {"guarantor"},
	"created": {"created", "date"}, "modified": {"modified", "date"}, "updated": {"modified", "date"}, "entered": {"entered", "date"},
	"ref": {"referral"}, "referred": {"referral"}, "rel": {"relationship"}, "relation": {"relationship"},
	"coverage": {"policy"}, "account": {"guarantor"}, "acct": {"guarantor"}, "examiner": {"provider"}, "hygienist": {"provider"},
	"sup": {"suppuration"}, "ans": {"answer"}, "entry": {"entered"}, "remark": {"note"}, "comment": {"note"}, "memo": {"note"}, "carrier": {"carrier"}, "payer": {"carrier"}, "insurer": {"carrier"},
	"subscriber": {"subscriber"}, "sub": {"subscriber"}, "eff": {"effective"}, "term": {"term"}, "grp": {"group"},
	"txn": {"transaction"}, "trans": {"transaction"}, "pmt": {"payment"}, "pay": {"payment"}, "chg": {"amount"}, "fee": {"fee"},
	"charge": {"amount"}, "npi": {"npi"}, "yr": {"year"},
}

// stop words carry no meaning for matching.
var stopWords = map[string]bool{"of": true, "the": true, "a": true, "an": true, "and": true, "or": true, "to": true, "for": true, "in": true, "axium": true}

// synonyms are spellings of canonical columns that the catalog's aliases
// do not list: the practice-management words for the same thing, and the
// plain words for axiUm's cryptic form-table names (PFORM is a form
// instance, FITEM a question, PITEM an answer).
var synonyms = map[string][]string{
	"Name":                   {"Description", "Label", "Title"},
	"Address2":               {"Apt", "Suite", "Apt Suite", "Unit", "Address Line 2"},
	"Website":                {"Web Address", "URL", "Web Site", "Homepage"},
	"Category":               {"Type", "Kind"},
	"Discipline":             {"Department", "Specialty Department"},
	"ClassYear":              {"Grad Year", "Graduation Year", "Class Of"},
	"Notes":                  {"Note", "Remark", "Comment"},
	"PForm":                  {"Form Instance", "Patient Form"},
	"FItem":                  {"Question", "Question Number", "Form Item"},
	"ParentFItem":            {"Parent Question", "Parent Item"},
	"PItem":                  {"Answer Number", "Form Answer"},
	"AnsType":                {"Answer Type"},
	"AnsYes":                 {"Yes No", "Answer Yes"},
	"AnsText":                {"Answer Text"},
	"AppUser":                {"Entered By", "User", "Recorded By"},
	"EntryDateTime":          {"Entered", "Entry Date", "Entered At"},
	"ElectronicID":           {"Payer Number", "EDI Number", "Payor Number"},
	"SubscriberRelationship": {"Relationship Subscriber", "Subscriber Relationship"},
	"GuarantorRelationship":  {"Relationship Guarantor", "Guarantor Relationship"},
}

// words splits a header or canonical name into lower-case words, splitting
// CamelCase and digits and spelling out abbreviations.
func words(s string) []string {
	s = emailRE2.ReplaceAllString(s, "email")
	s = axiumRE.ReplaceAllString(s, " ")
	var raw []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			raw = append(raw, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '#':
			flush()
			raw = append(raw, "#")
		case unicode.IsLetter(r):
			if unicode.IsUpper(r) && len(cur) > 0 {
				prev := cur[len(cur)-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					flush()
				}
			} else if len(cur) > 0 && unicode.IsDigit(cur[len(cur)-1]) {
				flush()
			}
			cur = append(cur, r)
		case unicode.IsDigit(r):
			if len(cur) > 0 && !unicode.IsDigit(cur[len(cur)-1]) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	var out []string
	for _, w := range raw {
		if stopWords[w] {
			continue
		}
		if exp, ok := abbreviations[w]; ok {
			out = append(out, exp...)
			continue
		}
		w = singular(w)
		if exp, ok := abbreviations[w]; ok {
			out = append(out, exp...)
			continue
		}
		out = append(out, w)
	}
	return out
}

// singular folds a plain English plural ("notes" → "note").
func singular(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && w != "surfaces":
		return w[:len(w)-1]
	}
	return w
}

// norm folds a header to letters and digits, lower case ("Chart #" → "chart").
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// similarity is how alike two word lists are: the share of words they have
// in common (Dice), 0 to 1.
func similarity(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	count := func(l []string) map[string]int {
		m := map[string]int{}
		for _, w := range l {
			m[w]++
		}
		return m
	}
	ca, cb := count(a), count(b)
	common := 0
	for w, n := range ca {
		common += min(n, cb[w])
	}
	return 2 * float64(common) / float64(len(a)+len(b))
}
