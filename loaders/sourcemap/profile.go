package sourcemap

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// A profile says what a column's values look like, from a sample of them:
// the evidence a proposal gives next to the header's.

// Kind is what a column's values are.
type Kind string

const (
	KindEmpty    Kind = "empty"
	KindDate     Kind = "date"
	KindDateTime Kind = "datetime"
	KindTime     Kind = "time"
	KindPhone    Kind = "phone"
	KindEmail    Kind = "email"
	KindZip      Kind = "zip"
	KindCDT      Kind = "cdt code"
	KindTooth    Kind = "tooth number"
	KindSite     Kind = "perio site"
	KindMoney    Kind = "money"
	KindInteger  Kind = "integer"
	KindNumber   Kind = "number"
	KindFlag     Kind = "yes/no"
	KindCode     Kind = "code"
	KindText     Kind = "text"
)

// Profile describes a sample of a column's values.
type Profile struct {
	Kind Kind
	// Format is the layout of dates and times ("MM/DD/YYYY").
	Format string
	// Distinct are the distinct values when there are few (an
	// enumeration), sorted; nil when there are many.
	Distinct []string
	// Unique: every non-empty sampled value differs (a key candidate).
	Unique bool
	// NonEmpty counts the sampled values that are not blank.
	NonEmpty int
	// MaxLen is the longest sampled value, in runes.
	MaxLen int
}

// maxDistinct is how many distinct values still make an enumeration.
const maxDistinct = 12

var (
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)
	phoneRE = regexp.MustCompile(`^\+?1?[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(\s*(x|ext\.?)\s*\d+)?$`)
	zipRE   = regexp.MustCompile(`^\d{5}(-\d{4})?$`)
	cdtRE   = regexp.MustCompile(`^D\d{4}$`)
	toothRE = regexp.MustCompile(`^([1-9]|[1-2]\d|3[0-2]|[A-Ta-t])$`)
	siteRE  = regexp.MustCompile(`^(?i)(MB|B|DB|ML|L|DL|M|D|F)$`)
	moneyRE = regexp.MustCompile(`^-?\$?\s?\(?-?\d{1,3}(,?\d{3})*(\.\d{2})\)?$`)
	intRE   = regexp.MustCompile(`^-?\d+$`)
	numRE   = regexp.MustCompile(`^-?\d*\.\d+$`)
	flagRE  = regexp.MustCompile(`^(?i)(y|n|yes|no|true|false|t|f|0|1)$`)
)

// date and time layouts tried, as Go layouts with the name a person reads.
var dateLayouts = []struct{ layout, name string }{
	{"2006-01-02", "YYYY-MM-DD"}, {"01/02/2006", "MM/DD/YYYY"}, {"1/2/2006", "M/D/YYYY"},
	{"01-02-2006", "MM-DD-YYYY"}, {"20060102", "YYYYMMDD"}, {"02-Jan-2006", "DD-Mon-YYYY"},
	{"1/2/06", "M/D/YY"}, {"01/02/06", "MM/DD/YY"},
}

var dateTimeLayouts = []struct{ layout, name string }{
	{"2006-01-02 15:04:05", "YYYY-MM-DD HH:MM:SS"}, {"2006-01-02T15:04:05", "YYYY-MM-DDTHH:MM:SS"},
	{"2006-01-02 15:04", "YYYY-MM-DD HH:MM"}, {"01/02/2006 15:04", "MM/DD/YYYY HH:MM"},
	{"1/2/2006 15:04", "M/D/YYYY HH:MM"}, {"01/02/2006 03:04 PM", "MM/DD/YYYY hh:MM AM"},
	{"1/2/2006 3:04 PM", "M/D/YYYY h:MM AM"}, {"01/02/2006 15:04:05", "MM/DD/YYYY HH:MM:SS"},
}

var timeLayouts = []struct{ layout, name string }{
	{"15:04", "HH:MM"}, {"15:04:05", "HH:MM:SS"}, {"3:04 PM", "h:MM AM"}, {"03:04 PM", "hh:MM AM"},
	{"3:04PM", "h:MMAM"}, {"1504", "HHMM"},
}

// profileOf profiles a sample of values.
func profileOf(values []string) Profile {
	var p Profile
	seen := map[string]bool{}
	var vals []string
	for _, v := range values {
		t := strings.TrimSpace(v)
		if len([]rune(v)) > p.MaxLen {
			p.MaxLen = len([]rune(v))
		}
		if t == "" {
			continue
		}
		p.NonEmpty++
		vals = append(vals, t)
		seen[t] = true
	}
	if p.NonEmpty == 0 {
		p.Kind = KindEmpty
		return p
	}
	p.Unique = len(seen) == p.NonEmpty && p.NonEmpty > 1
	if len(seen) <= maxDistinct {
		for v := range seen {
			p.Distinct = append(p.Distinct, v)
		}
		sort.Strings(p.Distinct)
	}
	all := func(ok func(string) bool) bool {
		for _, v := range vals {
			if !ok(v) {
				return false
			}
		}
		return true
	}
	layoutOf := func(layouts []struct{ layout, name string }) (string, bool) {
		for _, l := range layouts {
			if all(func(v string) bool { _, err := time.Parse(l.layout, v); return err == nil }) {
				return l.name, true
			}
		}
		return "", false
	}
	switch {
	case all(emailRE.MatchString):
		p.Kind = KindEmail
	case all(cdtRE.MatchString):
		p.Kind = KindCDT
	case all(siteRE.MatchString) && len(seen) <= 9:
		p.Kind = KindSite
	case all(zipRE.MatchString) && !all(intRE.MatchString):
		p.Kind = KindZip
	}
	if p.Kind != "" {
		return p
	}
	if f, ok := layoutOf(dateTimeLayouts); ok {
		p.Kind, p.Format = KindDateTime, f
		return p
	}
	if f, ok := layoutOf(dateLayouts); ok && !all(intRE.MatchString) {
		p.Kind, p.Format = KindDate, f
		return p
	}
	if f, ok := layoutOf(timeLayouts); ok && !all(intRE.MatchString) {
		p.Kind, p.Format = KindTime, f
		return p
	}
	switch {
	case all(phoneRE.MatchString) && !all(intRE.MatchString):
		p.Kind = KindPhone
	case all(flagRE.MatchString) && len(seen) <= 2:
		p.Kind = KindFlag
	case all(zipRE.MatchString) && !p.Unique && len(seen) > maxDistinct:
		p.Kind = KindZip
	case all(toothRE.MatchString) && len(seen) > 4:
		p.Kind = KindTooth
	case all(intRE.MatchString):
		p.Kind = KindInteger
	case all(moneyRE.MatchString):
		p.Kind = KindMoney
	case all(numRE.MatchString):
		p.Kind = KindNumber
	case len(seen) <= maxDistinct && p.MaxLen <= 24:
		p.Kind = KindCode
	default:
		p.Kind = KindText
	}
	return p
}

// String is the profile as a person reads it in the map.
func (p Profile) String() string {
	s := string(p.Kind)
	if p.Format != "" {
		s += " " + p.Format
	}
	if p.Distinct != nil && (p.Kind == KindCode || p.Kind == KindFlag || p.Kind == KindSite) {
		s += " {" + strings.Join(p.Distinct, ", ") + "}"
	}
	if p.Unique {
		s += ", unique"
	}
	return s
}
