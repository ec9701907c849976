package odoo

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/axium2crm/axium2crm/exporters/wallclock"
)

// Odoo's importer (ir.fields.converter, used by both the CSV import and the
// load method) reads every value as text: booleans as true/false, dates as
// YYYY-MM-DD, datetimes as YYYY-MM-DD HH:MM:SS in the importing user's (or
// the context's) time zone, selections by value, many2one by external id
// in "<field>/id" columns and many2many as comma-separated external ids.

// importColumns are the columns a table sends: id first, then every
// column not starting with "_".
func importColumns(t *tableData) []int {
	var out []int
	if i := t.col("id"); i >= 0 {
		out = append(out, i)
	}
	for i, c := range t.cols {
		if c.name != "id" && !strings.HasPrefix(c.name, "_") {
			out = append(out, i)
		}
	}
	return out
}

// importText renders one warehouse value as Odoo's importer reads it.
// Naive timestamps (the clinic's wall clock) become instants by
// wallclock's rule and are written in loc: the clinic's zone for a CSV
// file (Odoo converts from the importing user's zone), UTC for load over
// RPC (sent with context tz UTC).
func importText(v any, dbType string, loc *time.Location, clinic *time.Location) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case time.Time:
		switch {
		case dbType == "DATE":
			return x.Format(time.DateOnly), nil
		case strings.Contains(dbType, "TIME ZONE") || dbType == "TIMESTAMPTZ":
			return x.In(loc).Format(time.DateTime), nil
		}
		if clinic == nil {
			return "", ErrNoTimeZone
		}
		return wallclock.Instant(x, clinic).In(loc).Format(time.DateTime), nil
	case duckdb.Decimal:
		return x.String(), nil
	case *big.Int:
		return x.String(), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := importText(e, "", loc, clinic)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return fmt.Sprint(v), nil
}
