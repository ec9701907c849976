package twenty

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/wallclock"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// DefaultTimeZone is the zone naive warehouse timestamps are read in when
// the project does not name one. axiUm records the clinic's wall clock;
// the zone must be the clinic's, never the machine's, so the same data
// gives the same instants wherever the export runs.
const DefaultTimeZone = "America/New_York"

// Row is one warehouse row made ready for Twenty.
type Row struct {
	ID           string
	SourceKey    string
	SourceObject string
	// Payload is the record as the REST API takes it.
	Payload Record
	// Meta holds the "_"-prefixed columns, which are never sent.
	Meta map[string]any
	// encoded is Payload as sent and hashed, where the push encoded it
	// once for both (nil for an attachment, whose upload changes it).
	encoded json.RawMessage
}

// Mapper turns warehouse rows into Twenty payloads.
type Mapper struct {
	Loc *time.Location
	// members points member relations at the workspace's members
	// (members.go); nil leaves them as the tables have them.
	members *members
}

// NewMapper reads naive timestamps in the named IANA zone ("" means
// DefaultTimeZone).
func NewMapper(zone string) (*Mapper, error) {
	if zone == "" {
		zone = DefaultTimeZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", zone, err)
	}
	return &Mapper{Loc: loc}, nil
}

// CamelCase turns a snake_case column name into Twenty's camelCase API
// name: created_at → createdAt, body_v2 → bodyV2, address_street1 →
// addressStreet1.
func CamelCase(s string) string {
	parts := strings.Split(s, "_")
	var b strings.Builder
	for i, p := range parts {
		if p == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			r := []rune(p)
			r[0] = unicode.ToUpper(r[0])
			p = string(r)
		}
		b.WriteString(p)
	}
	return b.String()
}

// subFields are the sub-field names of Twenty's composite types. Not all
// follow camelCase word splits ("addressPostcode", not addressPostCode),
// so a column's sub-field is matched to them ignoring case.
var subFields = func() map[string]string {
	m := map[string]string{}
	for _, n := range strings.Fields(`amountMicros currencyCode primaryEmail additionalEmails
		primaryLinkLabel primaryLinkUrl secondaryLinks primaryPhoneNumber primaryPhoneCountryCode
		primaryPhoneCallingCode additionalPhones firstName lastName addressStreet1 addressStreet2
		addressCity addressState addressCountry addressPostcode addressLat addressLng blocknote markdown
		source workspaceMemberId context`) {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// SubFieldName is the API name of a composite column's sub-field
// (address__address_postcode → addressPostcode; address__address_post_code matches too).
func SubFieldName(column string) string {
	c := CamelCase(column)
	if n, ok := subFields[strings.ToLower(c)]; ok {
		return n
	}
	return c
}

// ExtraFieldsColumn holds per-record custom-form answers as a JSON object
// of camelCase field name → value, merged into the record's top level.
const ExtraFieldsColumn = "extra_fields"

// columnInfo is how one column maps.
type columnInfo struct {
	name   string
	dbType string
	meta   bool
	extra  bool
	field  string // camelCase field
	sub    string // camelCase sub-field of a composite, or ""
}

func describeColumns(cols []*sql.ColumnType) []columnInfo {
	out := make([]columnInfo, len(cols))
	for i, c := range cols {
		ci := columnInfo{name: c.Name(), dbType: strings.ToUpper(c.DatabaseTypeName())}
		switch {
		case strings.HasPrefix(ci.name, "_"):
			ci.meta = true
		case ci.name == ExtraFieldsColumn:
			ci.extra = true
		default:
			f, sub, composite := strings.Cut(ci.name, "__")
			ci.field = CamelCase(f)
			if composite {
				ci.sub = SubFieldName(sub)
			}
		}
		out[i] = ci
	}
	return out
}

// TableQuery is the statement that reads a destination table in id order.
func TableQuery(table string) string {
	return "SELECT * FROM twenty." + warehouse.QuoteIdent(table) + " ORDER BY " + warehouse.QuoteIdent("id")
}

// ReadTable reads every row of twenty.<table> (keep selects a subset by
// id; nil keeps all). Rows are read whole before returning: the warehouse
// has one connection, and the caller writes the audit log through it.
func (m *Mapper) ReadTable(ctx context.Context, db *sql.DB, table string, keep map[string]bool) ([]Row, error) {
	var out []Row
	err := m.EachRow(ctx, db, table, func(r Row) error {
		if keep == nil || keep[r.ID] {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// EachRow hands every row of twenty.<table>, in id order, to fn, one at a
// time. The table is read in pages (exporters.NewOrderedPager: a sorted
// copy DuckDB spills, read by row-id ranges), not by one query: the
// driver materializes a query's whole result before the first row, which
// held a 14-million-row table in memory (9 GB resident for the CSV export
// of 1,000,000 patients under a 2 GB memory_limit). fn must not query the
// warehouse while a page is read.
func (m *Mapper) EachRow(ctx context.Context, db *sql.DB, table string, fn func(Row) error) error {
	p, err := exporters.NewOrderedPager(ctx, db, "twenty", table, "id", 0)
	if err != nil {
		return fmt.Errorf("read twenty.%s: %w", table, err)
	}
	defer p.Close()
	var cols []columnInfo
	line := 0
	for {
		_, more, err := p.Next(ctx, func(cts []*sql.ColumnType, vals []any) error {
			if cols == nil {
				cols = describeColumns(cts)
			}
			line++
			r, err := m.row(cols, vals)
			if err != nil {
				return fmt.Errorf("twenty.%s row %d (id %v): %w", table, line, r.ID, err)
			}
			m.members.adjust(table, r.Payload)
			return fn(r)
		})
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// Page is one page of a destination table, ready for Twenty.
type Page struct {
	Rows []Row
	// Level is the self-reference level of the page's rows.
	Level int64
	// Read is how many rows the page held before keep filtered them.
	Read int
	// Columns are the table's column names.
	Columns []string
}

// ReadPage reads the next page of twenty.<table> from pager (keep selects
// a subset by id; nil keeps all). ok is false once the table is read. A
// page is read whole before returning: the warehouse has one connection,
// and the caller writes the audit log through it.
func (m *Mapper) ReadPage(ctx context.Context, pager *exporters.Pager, table string, keep map[string]bool) (pg Page, ok bool, err error) {
	var cols []columnInfo
	p, ok, err := pager.Next(ctx, func(cts []*sql.ColumnType, vals []any) error {
		if cols == nil {
			cols = describeColumns(cts)
			for _, c := range cts {
				pg.Columns = append(pg.Columns, c.Name())
			}
		}
		r, err := m.row(cols, vals)
		if err != nil {
			return fmt.Errorf("twenty.%s (id %v): %w", table, r.ID, err)
		}
		m.members.adjust(table, r.Payload)
		if keep == nil || keep[r.ID] {
			pg.Rows = append(pg.Rows, r)
		}
		return nil
	})
	pg.Level, pg.Read = p.Level, p.Rows
	return pg, ok, err
}

func (m *Mapper) row(cols []columnInfo, vals []any) (r Row, err error) {
	r = Row{Payload: Record{}, Meta: map[string]any{}}
	// Set on every return, so an error names the row.
	defer func() {
		r.ID, _ = r.Payload["id"].(string)
		r.SourceKey = fmt.Sprint(orEmpty(r.Meta["_source_key"]))
		r.SourceObject = fmt.Sprint(orEmpty(r.Meta["_source_object"]))
	}()
	composites := map[string]map[string]any{}
	var extra any
	for i, c := range cols {
		v := vals[i]
		switch {
		case c.meta:
			r.Meta[c.name] = v
			continue
		case c.extra:
			extra = v
			continue
		}
		cv, err := m.Value(v, c.dbType)
		if err != nil {
			return r, fmt.Errorf("column %s: %w", c.name, err)
		}
		if c.sub == "" {
			r.Payload[c.field] = cv
			continue
		}
		if composites[c.field] == nil {
			composites[c.field] = map[string]any{}
		}
		// A null sub-field is left out: Twenty keeps its default for it.
		if cv != nil {
			composites[c.field][c.sub] = cv
		}
	}
	for f, sub := range composites {
		if _, clash := r.Payload[f]; clash {
			return r, fmt.Errorf("field %s is both a column and a composite prefix", f)
		}
		if len(sub) > 0 {
			r.Payload[f] = sub
		}
	}
	return r, mergeExtra(r.Payload, extra)
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func mergeExtra(p Record, extra any) error {
	var raw []byte
	switch x := extra.(type) {
	case nil:
		return nil
	case string:
		raw = []byte(x)
	case []byte:
		raw = x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Errorf("column %s: %w", ExtraFieldsColumn, err)
		}
		raw = b
	}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("column %s: not a JSON object: %w", ExtraFieldsColumn, err)
	}
	for k, v := range m {
		if _, clash := p[k]; clash {
			return fmt.Errorf("column %s: field %q is also a column", ExtraFieldsColumn, k)
		}
		p[k] = v
	}
	return nil
}

// Value converts one DuckDB value to its JSON form for Twenty: naive
// TIMESTAMP read in the mapper's zone and written ISO-8601 with offset,
// TIMESTAMPTZ as the same instant in that zone, DATE as YYYY-MM-DD,
// DECIMAL exactly (as a JSON number, never through float), lists as
// arrays.
func (m *Mapper) Value(v any, dbType string) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		switch {
		case dbType == "DATE":
			return x.Format(time.DateOnly), nil
		case strings.Contains(dbType, "TIME ZONE") || dbType == "TIMESTAMPTZ":
			return x.In(m.Loc).Format(time.RFC3339Nano), nil
		case strings.HasPrefix(dbType, "TIMESTAMP"):
			// The clinic's wall clock, by the rule every destination uses.
			return wallclock.Instant(x, m.Loc).Format(time.RFC3339Nano), nil
		case dbType == "TIME":
			return x.Format("15:04:05"), nil
		}
		return x.Format(time.RFC3339Nano), nil
	case duckdb.Decimal:
		return json.Number(x.String()), nil
	case *big.Int:
		return json.Number(x.String()), nil
	case duckdb.UUID:
		return x.String(), nil
	case []byte:
		if dbType == "UUID" && len(x) == 16 {
			var u duckdb.UUID
			copy(u[:], x)
			return u.String(), nil
		}
		return nil, fmt.Errorf("binary values (%s) cannot be sent to Twenty", dbType)
	case []any:
		elem := strings.TrimSuffix(dbType, "[]")
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := m.Value(e, elem)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	case duckdb.Interval:
		return nil, fmt.Errorf("INTERVAL values cannot be sent to Twenty")
	}
	if dbType == "JSON" {
		if s, ok := v.(string); ok {
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			var out any
			if err := dec.Decode(&out); err != nil {
				return nil, fmt.Errorf("invalid JSON: %w", err)
			}
			return out, nil
		}
	}
	return v, nil
}
