package loaders_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONShapes(t *testing.T) {
	cases := []struct {
		name     string
		files    map[string]string
		format   string
		loaded   int64
		rejected int64
		// want: "Transaction|Amount|Extra" per loaded row, by record ordinal
		want []string
		// wantRejects: source_record values of rejected records
		wantRejects []int64
	}{
		{
			name:   "array keeps number text",
			files:  map[string]string{"transaction.json": `[{"Transaction":1,"Amount":12.50,"Extra":{"a": [1, 2]}},{"Transaction":2,"Amount":1e3,"Extra":null}]`},
			format: "json", loaded: 2,
			want: []string{`1|12.50|{"a": [1, 2]}`, "2|1e3|<NULL>"},
		},
		{
			name: "wrapped pages",
			files: map[string]string{
				"transaction-00001.json": `{"object":"transaction","page":1,"data":[{"Transaction":1,"Amount":"5.00"}]}`,
				"transaction-00002.json": `{"page":2,"data":[{"Transaction":2,"Amount":-5,"Extra":true}]}`,
			},
			format: "json", loaded: 2,
			want: []string{"1|5.00|<NULL>", "2|-5|true"},
		},
		{
			name:   "ndjson with a malformed line",
			files:  map[string]string{"transaction.ndjson": "{\"Transaction\":1,\"Amount\":0.10}\n{\"Transaction\":2,\"Amount\":\n{\"Transaction\":3,\"Amount\":\"0\"}\n[1,2]\n"},
			format: "ndjson", loaded: 2, rejected: 2,
			want:        []string{"1|0.10|<NULL>", "3|0|<NULL>"},
			wantRejects: []int64{2, 4},
		},
		{
			name:   "newline-delimited in a .json file",
			files:  map[string]string{"transaction.json": "{\"Transaction\":1,\"Amount\":1}\n{\"Transaction\":2,\"Amount\":2}\n"},
			format: "ndjson", loaded: 2,
			want: []string{"1|1|<NULL>", "2|2|<NULL>"},
		},
		{
			name:   "truncated array keeps the good records and rejects the rest",
			files:  map[string]string{"transaction.json": "[{\"Transaction\":1,\"Amount\":1},\n {\"Transaction\":2,\"Amount\":\n"},
			format: "json", loaded: 1, rejected: 1,
			want:        []string{"1|1|<NULL>"},
			wantRejects: []int64{2},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			exp := t.TempDir()
			for name, body := range tc.files {
				writeFile(t, exp, name, []byte(body))
			}
			rep := p.load(exp, specs(nil))
			var loaded, rejected int64
			for _, f := range rep.Files {
				require.Equal(t, "loaded", f.Status, f.Message)
				assert.Equal(t, tc.format, f.Format)
				assert.Equal(t, f.RowsRead, f.RowsLoaded+f.RowsRejected)
				loaded += f.RowsLoaded
				rejected += f.RowsRejected
			}
			assert.Equal(t, tc.loaded, loaded)
			assert.Equal(t, tc.rejected, rejected)
			cols := p.strings(`SELECT string_agg(column_name, ',') FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'transaction' AND column_name = 'Extra'`)
			extra := `'<NULL>'`
			if cols[0] != "<NULL>" {
				extra = `coalesce("Extra", '<NULL>')`
			}
			got := p.strings(`SELECT concat_ws('|', "Transaction", "Amount", ` + extra + `) FROM raw."transaction" ORDER BY _source_file, _source_record`)
			assert.Equal(t, tc.want, got)
			var rj []int64
			for _, r := range p.rows(`SELECT source_record, reason, raw_text FROM meta.rejects ORDER BY source_record`) {
				rj = append(rj, r[0].(int64))
				assert.NotEmpty(t, r[1])
				assert.NotEmpty(t, r[2])
			}
			assert.Equal(t, tc.wantRejects, rj)
		})
	}
}

func TestNDJSONRecordOrdinalIsTheLine(t *testing.T) {
	p := newProject(t)
	exp := t.TempDir()
	writeFile(t, exp, "patient.jsonl", []byte("{\"Patient\":1}\n\n{\"Patient\":2}\n{bad\n{\"Patient\":3}\n"))
	p.load(exp, specs(nil))
	assert.Equal(t, []string{"1@1", "2@3", "3@5"}, p.strings(`SELECT "Patient" || '@' || _source_record FROM raw.patient ORDER BY _source_record`))
	assert.Equal(t, []string{"4"}, p.strings(`SELECT line::VARCHAR FROM meta.rejects`))
}
