package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/binary"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// A raw column the catalog does not know (an institution's remarks or
// free-text alert column) is carried to the destination as a custom field
// rather than left behind in raw.*. meta.carried_column records, per object
// and raw column, the Twenty and Odoo field names and label it was given
// and the decision: 'carry' (the default) or 'ignore' (a person's choice).
// The models read it through {{ carried }} (the values) and
// staging.source_column (the field plans and the column reconciliations).

//go:embed queries/carried_column.sql
var carriedColumnDDL string

// CarriedColumn is one row of meta.carried_column.
type CarriedColumn struct {
	Object      string
	RawColumn   string
	TwentyField string
	OdooField   string
	Label       string
	Decision    string // carry or ignore
}

// maxFieldName bounds both CRMs' names: Twenty refuses a field name over 63
// characters, and an Odoo field is a PostgreSQL column (63 bytes).
const maxFieldName = 63

// maxLabel bounds a label (Twenty's and Odoo's are free text).
const maxLabel = 255

// carryTarget is where an object's carried columns go and the names and
// labels already in use there.
type carryTarget struct {
	// twenty: the fields twenty.field_plan gives the object (and the join
	// column of each relation), the fields a Twenty workspace's object
	// already has or gains as the inverse of a planned relation, and the
	// names Twenty reserves (RESERVED_METADATA_NAME_KEYWORDS, as
	// exporters/twenty keeps them).
	twenty map[string]bool
	// labels: the labels of those fields; a carried header equal to one
	// gets " (axiUm column)" appended, as the CSV export names columns by
	// label.
	labels map[string]bool
	// odoo: the x_ fields odoo.field_plan gives the model (standard Odoo
	// fields never start with x_).
	odoo map[string]bool
}

const twentyReserved = `approvedAccessDomain approvedAccessDomains appToken appTokens billingCustomer
	billingCustomers billingEntitlement billingEntitlements billingMeter billingMeters billingProduct
	billingProducts billingSubscription billingSubscriptions billingSubscriptionItem billingSubscriptionItems
	featureFlag featureFlags job jobs keyValuePair keyValuePairs pageLayout pageLayouts pageLayoutTab
	pageLayoutTabs pageLayoutWidget pageLayoutWidgets postgresCredential postgresCredentials twoFactorMethod
	twoFactorMethods user users userWorkspace userWorkspaces workspace workspaces role roles userWorkspaceRole
	userWorkspaceRoles plan plans event events field fields link links currency currencies fullNames
	addresses type types object objects index relation relations aggregate
	id createdAt updatedAt deletedAt position createdBy searchVector attachments favorites timelineActivities`

// carryTargets are the objects whose carried columns reach a destination
// record: patients (twenty.person, odoo.res_partner_patient) and
// appointments (twenty.task, odoo.calendar_event). TestCarryReservedNames
// checks the names against the field plans.
var carryTargets = map[string]carryTarget{
	"patient": {
		twenty: lowerSet(twentyReserved + ` personType name middleName preferredName emails phones jobTitle city
			address company companyId birthDate gender chartNumber language patientStatus axiumDeleted axiumId
			axiumCreatedAt alertFlag medicalAlerts insurance guarantor assignedProvider assignedProviderId
			referredBy referredById homeClinic homeClinicId outstandingBalance lastPaymentDate providerRole npi
			extraFields linkedinLink xLink avatarUrl intro whatsapp workPreference performanceRating
			pointOfContactForOpportunities taskTargets noteTargets messageParticipants
			calendarEventParticipants assignedPatients providerTasks authoredNotes perioRecords workspaceMember`),
		labels: lowerSet(`Id|Person Type|Name|Middle Name|Preferred Name|Emails|Phones|Job Title|City|
			Address|Company|Birth Date|Gender|Chart Number|Language|Patient Status|Deleted in axiUm|axiUm ID|
			axiUm Created At|Creation date|Last update|Deleted|Alert Flag|Medical Alerts|Insurance|Guarantor|
			Assigned Provider|Referred By|Home Clinic|Outstanding Balance|Last Payment Date|Provider Role|NPI|
			Linkedin|X|Avatar|Position|Created by`),
		odoo: lowerSet(`x_partner_type x_source_system_id x_employer x_chart_number x_birth_date x_gender
			x_preferred_name x_language x_work_phone x_patient_status x_guarantor_relationship x_medical_alert
			x_allergy_list x_insurance_carrier x_insurance_carrier_id x_group_number x_subscriber_id
			x_coverage_type x_insurance_effective_date x_secondary_insurance_carrier
			x_secondary_insurance_carrier_id x_secondary_group_number x_secondary_subscriber_id
			x_secondary_coverage_type x_secondary_insurance_effective_date x_odontogram_ref
			x_referral_source_id x_referral_source x_clinic_id x_assigned_provider_id x_axium_created_at
			x_perio_record_ids`),
	},
	"appointment": {
		twenty: lowerSet(twentyReserved + ` taskType title bodyV2 dueAt status assignee assigneeId provider
			providerId procedureType appointmentStatus recallStatus recallType durationMinutes axiumId
			axiumCreatedAt taskTargets`),
		labels: lowerSet(`Id|Task Type|Title|Body|Due Date|Status|Assignee|Provider|Procedure Type|
			Appointment Status|Recall Status|Recall Type|Duration (min)|axiUm ID|axiUm Created At|
			Creation date|Last update|Deleted|Position|Created by`),
		odoo: lowerSet(`x_appointment_status x_procedure_type x_axium_created_at x_recall_type x_recall_status
			x_recall_due_date`),
	},
}

func lowerSet(s string) map[string]bool {
	sep := func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }
	if strings.Contains(s, "|") {
		sep = func(r rune) bool { return r == '|' }
	}
	m := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, sep) {
		if f = strings.TrimSpace(f); f != "" {
			m[strings.ToLower(f)] = true
		}
	}
	return m
}

var (
	apostropheRE  = regexp.MustCompile(`['’]`)
	nonAlnumRE    = regexp.MustCompile(`[^a-z0-9]+`)
	digitLetterRE = regexp.MustCompile(`([0-9])([a-z])`)
	letterDigitRE = regexp.MustCompile(`([a-z])([0-9])`)
	oneLettersRE  = regexp.MustCompile(`(^| )([a-z]) ([a-z])( |$)`)
	twentyNameRE  = regexp.MustCompile(`^[a-z][a-z0-9]*([A-Z0-9][a-z0-9]*)*$`)
	twentyCapsRE  = regexp.MustCompile(`[A-Z]{3}|[A-Z]{2}([0-9]|$)`)
	odooNameRE    = regexp.MustCompile(`^x_[a-z0-9_]+$`)
)

// nameWords splits a header into the words of a field name exactly as the
// SQL macro util.name_words does (form-question fields use it): lower
// case, apostrophes dropped, split at anything not a letter or digit and
// between letters and digits, runs of one-letter words joined.
func nameWords(s string) []string {
	s = apostropheRE.ReplaceAllString(s, "")
	s = nonAlnumRE.ReplaceAllString(strings.ToLower(s), " ")
	s = digitLetterRE.ReplaceAllString(s, "$1 $2")
	s = letterDigitRE.ReplaceAllString(s, "$1 $2")
	for range 3 {
		s = oneLettersRE.ReplaceAllString(s, "$1$2$3$4")
	}
	return strings.Fields(s)
}

// camelName is util.camel_name: the words in camelCase, "field" before a
// leading digit, "" when the header has no letter or digit.
func camelName(s string) string {
	var b strings.Builder
	for i, w := range nameWords(s) {
		if i > 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	n := b.String()
	if n != "" && n[0] >= '0' && n[0] <= '9' {
		n = "field" + n
	}
	return n
}

// odooName is x_ and the words in snake_case.
func odooName(s string) string {
	w := nameWords(s)
	if len(w) == 0 {
		return ""
	}
	return "x_" + strings.Join(w, "_")
}

// hashDigits is a stable six-digit number of a header (and attempt), the
// suffix that tells apart two headers wanting one name. Digits only: Twenty
// checks that lodash's camelCase gives a name back unchanged, and lodash
// splits letters from digits.
func hashDigits(header string, attempt int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", header, attempt)))
	return fmt.Sprintf("%06d", binary.BigEndian.Uint32(h[:4])%1000000)
}

func validTwenty(n string) bool {
	return len(n) <= maxFieldName && twentyNameRE.MatchString(n) && !twentyCapsRE.MatchString(n)
}

func validOdoo(n string) bool {
	return len(n) <= maxFieldName && odooNameRE.MatchString(n)
}

// pickName gives a header its name: base when it is valid and free, else
// base cut to fit and suffixed (sep + digits), trying further digits until
// one is free. taken is compared without case (DuckDB column names ignore
// it) and gains the name.
func pickName(header, base, fallback, sep string, valid func(string) bool, taken map[string]bool) string {
	if base == "" {
		base = fallback
	}
	if valid(base) && !taken[strings.ToLower(base)] {
		taken[strings.ToLower(base)] = true
		return base
	}
	for attempt := 0; ; attempt++ {
		suffix := sep + hashDigits(header, attempt)
		cut := base
		if len(cut) > maxFieldName-len(suffix) {
			cut = strings.TrimRight(cut[:maxFieldName-len(suffix)], "_")
		}
		n := cut + suffix
		if !valid(n) {
			n = fallback + suffix
		}
		if !taken[strings.ToLower(n)] {
			taken[strings.ToLower(n)] = true
			return n
		}
	}
}

// pickLabel is the header, cut to a label's length, with " (axiUm column)"
// when a field of the person already has that label.
func pickLabel(header string, taken map[string]bool) string {
	l := header
	if len(l) > maxLabel-len(" (axiUm column 99)") {
		l = strings.ToValidUTF8(l[:maxLabel-len(" (axiUm column 99)")], "")
	}
	for i := 1; ; i++ {
		n := l
		switch {
		case i == 2:
			n = l + " (axiUm column)"
		case i > 2:
			n = fmt.Sprintf("%s (axiUm column %d)", l, i-1)
		}
		if strings.TrimSpace(n) != "" && !taken[strings.ToLower(n)] {
			taken[strings.ToLower(n)] = true
			return n
		}
	}
}

// nameCarried names the new carried columns of one object, in raw column
// order, after the names its recorded rows already hold.
func nameCarried(object string, recorded []CarriedColumn, raw []string) []CarriedColumn {
	twenty, odoo, labels := map[string]bool{}, map[string]bool{}, map[string]bool{}
	if target, ok := carryTargets[object]; ok {
		maps.Copy(twenty, target.twenty)
		maps.Copy(odoo, target.odoo)
		maps.Copy(labels, target.labels)
	}
	for _, c := range recorded {
		twenty[strings.ToLower(c.TwentyField)] = true
		odoo[strings.ToLower(c.OdooField)] = true
		labels[strings.ToLower(c.Label)] = true
	}
	sorted := append([]string(nil), raw...)
	sort.Strings(sorted)
	out := make([]CarriedColumn, 0, len(sorted))
	for _, h := range sorted {
		out = append(out, CarriedColumn{
			Object:      object,
			RawColumn:   h,
			TwentyField: pickName(h, camelName(h), "carriedColumn", "Col", validTwenty, twenty),
			OdooField:   pickName(h, odooName(h), "x_carried_column", "_", validOdoo, odoo),
			Label:       pickLabel(h, labels),
			Decision:    "carry",
		})
	}
	return out
}

// rawColumns lists each raw table's columns in table order.
func rawColumns(ctx context.Context, conn *sql.Conn) (map[string][]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND database_name = current_database() ORDER BY table_name, column_index")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		out[t] = append(out[t], c)
	}
	return out, rows.Err()
}

// ReadCarried returns the rows of meta.carried_column (none before the
// first run), by object and raw column. It writes nothing.
func ReadCarried(ctx context.Context, db *sql.DB) ([]CarriedColumn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if ok, err := carriedTableExists(ctx, conn); err != nil || !ok {
		return nil, err
	}
	return readCarried(ctx, conn)
}

func carriedTableExists(ctx context.Context, conn *sql.Conn) (bool, error) {
	var n int
	err := conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'meta' AND table_name = 'carried_column'").Scan(&n)
	return n > 0, err
}

func readCarried(ctx context.Context, conn *sql.Conn) ([]CarriedColumn, error) {
	rows, err := conn.QueryContext(ctx, "SELECT object, raw_column, twenty_field, odoo_field, label, decision FROM meta.carried_column ORDER BY object, raw_column")
	if err != nil {
		return nil, fmt.Errorf("read meta.carried_column: %w", err)
	}
	defer rows.Close()
	var out []CarriedColumn
	for rows.Next() {
		var c CarriedColumn
		if err := rows.Scan(&c.Object, &c.RawColumn, &c.TwentyField, &c.OdooField, &c.Label, &c.Decision); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// syncCarried records a 'carry' row for every column of the objects' raw
// tables that is neither a catalog column nor a bookkeeping column and has
// no row yet, then returns the columns to carry: decision 'carry' and
// present in raw, per object.
// With record false (data tests) nothing is written: the rows a run
// recorded are read, if any.
func syncCarried(ctx context.Context, conn *sql.Conn, objects []SourceObject, raw map[string][]string, record bool) (map[string][]CarriedColumn, error) {
	if record {
		if _, err := conn.ExecContext(ctx, carriedColumnDDL); err != nil {
			return nil, fmt.Errorf("meta.carried_column: %w", err)
		}
	} else if ok, err := carriedTableExists(ctx, conn); err != nil || !ok {
		return map[string][]CarriedColumn{}, err
	}
	recorded, err := readCarried(ctx, conn)
	if err != nil {
		return nil, err
	}
	byObject := map[string][]CarriedColumn{}
	known := map[string]bool{}
	for _, c := range recorded {
		byObject[c.Object] = append(byObject[c.Object], c)
		known[c.Object+"\x00"+strings.ToLower(c.RawColumn)] = true
	}
	var add []CarriedColumn
	// A person's confirmed source map decides over the default: a column
	// it ignores is ignored, one a reshaping reads is mapped.
	ignored := map[string]bool{}
	for _, o := range objects {
		for _, c := range o.Ignored {
			ignored[o.Name+"\x00"+strings.ToLower(c)] = true
		}
	}
	for i, c := range recorded {
		if ignored[c.Object+"\x00"+strings.ToLower(c.RawColumn)] && c.Decision != "ignore" {
			recorded[i].Decision = "ignore"
			if record {
				if _, err := conn.ExecContext(ctx, "UPDATE meta.carried_column SET decision = 'ignore' WHERE object = ? AND lower(raw_column) = lower(?)",
					c.Object, c.RawColumn); err != nil {
					return nil, fmt.Errorf("record the source map's decision on %s.%s: %w", c.Object, c.RawColumn, err)
				}
			}
		}
	}
	byObject = map[string][]CarriedColumn{}
	for _, c := range recorded {
		byObject[c.Object] = append(byObject[c.Object], c)
	}
	for _, o := range objects {
		catalog := map[string]bool{}
		for _, c := range o.Columns {
			catalog[strings.ToLower(c)] = true
		}
		for _, c := range o.Reshaping {
			catalog[strings.ToLower(c)] = true
		}
		var unknown []string
		for _, c := range raw[o.Name] {
			if !catalog[strings.ToLower(c)] && !loaders.IsProvenanceColumn(c) && !known[o.Name+"\x00"+strings.ToLower(c)] {
				unknown = append(unknown, c)
			}
		}
		if len(unknown) > 0 {
			named := nameCarried(o.Name, byObject[o.Name], unknown)
			for i := range named {
				if ignored[o.Name+"\x00"+strings.ToLower(named[i].RawColumn)] {
					named[i].Decision = "ignore"
				}
			}
			byObject[o.Name] = append(byObject[o.Name], named...)
			add = append(add, named...)
		}
	}
	if len(add) > 0 && record {
		if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
			return nil, err
		}
		now := time.Now().UTC()
		for _, c := range add {
			if _, err := conn.ExecContext(ctx, "INSERT INTO meta.carried_column VALUES (?, ?, ?, ?, ?, ?, ?)",
				c.Object, c.RawColumn, c.TwentyField, c.OdooField, c.Label, c.Decision, now); err != nil {
				_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
				return nil, fmt.Errorf("record carried column %s.%s: %w", c.Object, c.RawColumn, err)
			}
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return nil, err
		}
	}
	carry := map[string][]CarriedColumn{}
	for _, o := range objects {
		present := map[string]bool{}
		for _, c := range raw[o.Name] {
			present[strings.ToLower(c)] = true
		}
		for _, c := range byObject[o.Name] {
			if c.Decision == "carry" && present[strings.ToLower(c.RawColumn)] {
				carry[o.Name] = append(carry[o.Name], c)
			}
		}
		sort.Slice(carry[o.Name], func(i, j int) bool { return carry[o.Name][i].RawColumn < carry[o.Name][j].RawColumn })
	}
	return carry, nil
}

// carriedSQL is {{ carried "object" "twenty|odoo" "relation" }}: a SELECT
// of every column of relation (a CTE of the model, with the provenance of
// its raw row) plus one text column per carried column of the object,
// named as the destination's field, holding the raw value exactly (a blank
// field is no value). The raw row is found by its provenance, which names
// one row of the warehouse.
func carriedSQL(cols []CarriedColumn, object, crm, relation string) (string, error) {
	if crm != "twenty" && crm != "odoo" {
		return "", fmt.Errorf("carried %q %q: the destination is twenty or odoo", object, crm)
	}
	rel := warehouse.QuoteIdent(relation)
	if len(cols) == 0 {
		return "SELECT * FROM " + rel, nil
	}
	sel := []string{"t.*"}
	inner := []string{`"_batch_id"`, `"_source_file"`, `"_source_record"`}
	for i, c := range cols {
		field := c.TwentyField
		if crm == "odoo" {
			field = c.OdooField
		}
		alias := warehouse.QuoteIdent(fmt.Sprintf("_carried_%d", i+1))
		inner = append(inner, "CAST("+warehouse.QuoteIdent(c.RawColumn)+" AS VARCHAR) AS "+alias)
		sel = append(sel, "nullif(c."+alias+", '') AS "+warehouse.QuoteIdent(field))
	}
	return "SELECT " + strings.Join(sel, ", ") +
		"\nFROM " + rel + " t\nLEFT JOIN (SELECT " + strings.Join(inner, ", ") + " FROM raw." + warehouse.QuoteIdent(object) + ") c" +
		`
    ON c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"`, nil
}

// sourceColumnsSQL is {{ source_columns }}: the columns the catalog (and
// axium2crm.yaml) gives each object the models read, as a relation
// (object, column_name).
func sourceColumnsSQL(objects []SourceObject) string {
	var rows []string
	for _, o := range objects {
		for _, c := range append(append([]string(nil), o.Columns...), o.Reshaping...) {
			rows = append(rows, "("+warehouse.QuoteLiteral(o.Name)+", "+warehouse.QuoteLiteral(c)+")")
		}
	}
	if len(rows) == 0 {
		return "(SELECT NULL::VARCHAR AS object, NULL::VARCHAR AS column_name WHERE false)"
	}
	return "(SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") AS catalog(object, column_name))"
}
