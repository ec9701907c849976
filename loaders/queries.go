package loaders

import (
	"bytes"
	"embed"
	"fmt"
	"text/template"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

//go:embed queries/*.sql
var queryFS embed.FS

var queries = template.Must(template.New("queries").Funcs(template.FuncMap{
	"ident": warehouse.QuoteIdent,
	"lit":   warehouse.QuoteLiteral,
}).ParseFS(queryFS, "queries/*.sql"))

// render expands one of the loader's SQL templates. Identifiers are quoted
// by the template; values are bound by the caller.
func render(name string, data any) (string, error) {
	var buf bytes.Buffer
	if err := queries.ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return buf.String(), nil
}

// landColumn pairs a raw-table column with the field that feeds it.
type landColumn struct {
	Name  string // raw table column
	Field string // read_csv / staging column (c1, c2, ...)
}
