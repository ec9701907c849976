package loaders

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// jsonLoader lands API JSON: one array of records, a wrapped page
// ({"data": [...]}), a single record, or newline-delimited records.
//
// It decodes in Go rather than with DuckDB's read_json because read_json
// rewrites numbers (12.50 becomes 12.5, 1e3 becomes 1000.0) and turns a
// malformed line into a row of nulls: neither is lossless. Values land as
// their JSON text: strings unquoted, numbers exactly as written, true/false,
// null as NULL, nested objects and arrays as their raw JSON.
type jsonLoader struct{}

// record is one decoded JSON object, in key order.
type record struct {
	keys []string
	vals []*string
}

// jsonReject is a record that is not a JSON object or not valid JSON.
type jsonReject struct {
	record int64
	line   int64
	reason string
	text   []byte
}

// wrapperKeys are the members API pages usually hold their records in.
var wrapperKeys = []string{"data", "items", "results", "records", "rows", "value"}

func (jsonLoader) Stage(ctx context.Context, conn *sql.Conn, p Prepared) (Staged, error) {
	st := Staged{Result: FileResult{Format: "json"}, record: `"_source_record"`}
	res := &st.Result
	b, err := os.ReadFile(p.ReadPath)
	if err != nil {
		return st, err
	}
	b = bytes.TrimPrefix(b, bomUTF8)

	// First pass: shape and column names, so the table exists before rows
	// are appended.
	var names []string
	seen := map[string]bool{}
	collect := func(_ int64, r record) error {
		for _, k := range r.keys {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
		return nil
	}
	shape, err := walkJSON(b, p.Spec.RecordsPath, collect, func(jsonReject) {})
	if err != nil {
		return st, fmt.Errorf("%s: %w", p.Rel, err)
	}
	if shape == "ndjson" {
		res.Format = "ndjson"
	}
	mapped, warnings, err := p.Spec.MapHeader(p.Rel, names)
	if err != nil {
		return st, err
	}
	res.Columns, res.Warnings = mapped, warnings
	cols := make([]landColumn, len(mapped))
	fieldOf := map[string]int{}
	for i, n := range mapped {
		cols[i] = landColumn{Name: n, Field: "c" + strconv.Itoa(i+1)}
		fieldOf[names[i]] = i
	}
	staging := "axium2crm_land_" + p.Spec.Object.Name
	st.table = staging
	q, err := render("create_staging.sql", map[string]any{"Staging": staging, "Columns": cols})
	if err != nil {
		return st, err
	}
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return st, err
	}

	// Second pass: append records to the staging table.
	var rejects []jsonReject
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", staging)
		if err != nil {
			return err
		}
		row := make([]driver.Value, len(cols)+1)
		_, walkErr := walkJSON(b, p.Spec.RecordsPath, func(ord int64, r record) error {
			for i := range row {
				row[i] = nil
			}
			row[0] = ord
			for i, k := range r.keys {
				if v := r.vals[i]; v != nil {
					row[fieldOf[k]+1] = *v
				}
			}
			return app.AppendRow(row...)
		}, func(rj jsonReject) { rejects = append(rejects, rj) })
		if err := app.Close(); err != nil && walkErr == nil {
			walkErr = err
		}
		return walkErr
	})
	if err != nil {
		return st, fmt.Errorf("%s: %w", p.Rel, err)
	}
	for _, rj := range rejects {
		text, raw := string(rj.text), []byte(nil)
		if !utf8.Valid(rj.text) {
			raw = rj.text
			text = string(bytes.ToValidUTF8(rj.text, []byte("\uFFFD")))
		}
		st.rejects = append(st.rejects, reject{record: rj.record, line: rj.line, errType: "INVALID JSON", reason: rj.reason, text: text, raw: raw})
	}
	st.cols = cols
	var staged int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM temp."+warehouse.QuoteIdent(staging)).Scan(&staged); err != nil {
		return st, err
	}
	res.RowsRejected = int64(len(rejects))
	res.RowsRead = staged + res.RowsRejected
	return st, nil
}

// walkJSON calls rec for every record and rej for every record it cannot
// read, and returns the shape it found: array, page, object or ndjson.
func walkJSON(b []byte, recordsPath string, rec func(int64, record) error, rej func(jsonReject)) (string, error) {
	start := bytes.IndexFunc(b, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' })
	if start < 0 {
		return "empty", nil
	}
	if b[start] == '{' && isNDJSON(b[start:]) {
		return "ndjson", walkLines(b, rec, rej)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	switch b[start] {
	case '[':
		return "array", walkArray(b, dec, rec, rej)
	case '{':
		// A page wrapping its records, or one record.
		if _, err := dec.Token(); err != nil {
			return "", jsonErr(b, dec, err)
		}
		var fallback record
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", jsonErr(b, dec, err)
			}
			key, _ := kt.(string)
			isWrapper := key == recordsPath || (recordsPath == "" && slices.Contains(wrapperKeys, key))
			if isWrapper && peekByte(b, dec.InputOffset()) == '[' {
				return "page", walkArray(b, dec, rec, rej)
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return "", jsonErr(b, dec, err)
			}
			fallback.keys = append(fallback.keys, key)
			fallback.vals = append(fallback.vals, jsonText(raw))
		}
		if recordsPath != "" {
			return "", fmt.Errorf("records_path %q: no such array member in the page", recordsPath)
		}
		return "object", rec(1, fallback)
	}
	return "", fmt.Errorf("line %d: expected a JSON array or object, found %q", lineAt(b, int64(start)), b[start])
}

// isNDJSON reports whether b holds more than one top-level value, one per
// line.
func isNDJSON(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		// A broken first line: still newline-delimited if a later line
		// starts a new object.
		nl := bytes.IndexByte(b, '\n')
		return nl >= 0 && bytes.HasPrefix(bytes.TrimLeft(b[nl+1:], " \t\r"), []byte("{"))
	}
	rest := bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")
	return len(rest) > 0
}

func walkLines(b []byte, rec func(int64, record) error, rej func(jsonReject)) error {
	r := bufio.NewReader(bytes.NewReader(b))
	var lineNo int64
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			lineNo++
			trimmed := bytes.TrimRight(line, "\r\n")
			if len(bytes.TrimSpace(trimmed)) > 0 {
				if r1, ok := parseRecord(trimmed); ok {
					if e := rec(lineNo, r1); e != nil {
						return e
					}
				} else {
					rej(jsonReject{record: lineNo, line: lineNo, reason: describeJSONError(trimmed), text: trimmed})
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// walkArray reads an array starting at off. A value that breaks the JSON
// ends the walk: the rest of the file, from that record on, is one reject.
func walkArray(b []byte, dec *json.Decoder, rec func(int64, record) error, rej func(jsonReject)) error {
	if _, err := dec.Token(); err != nil { // [
		return jsonErr(b, dec, err)
	}
	var i int64
	for dec.More() {
		i++
		at := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			from := skipSpaceComma(b, at)
			rej(jsonReject{record: i, line: lineAt(b, from),
				reason: fmt.Sprintf("invalid JSON from here to the end of the file: %v", err), text: b[from:]})
			return nil
		}
		r, ok := parseRecord(raw)
		if !ok {
			rej(jsonReject{record: i, line: lineAt(b, skipSpaceComma(b, at)), reason: "record is not a JSON object", text: raw})
			continue
		}
		if err := rec(i, r); err != nil {
			return err
		}
	}
	return nil
}

func parseRecord(raw []byte) (record, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return record{}, false
	}
	var r record
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return record{}, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return record{}, false
		}
		key := kt.(string)
		if i := slices.Index(r.keys, key); i >= 0 {
			r.vals[i] = jsonText(v) // a repeated key: the last one wins, as in most JSON readers
			continue
		}
		r.keys = append(r.keys, key)
		r.vals = append(r.vals, jsonText(v))
	}
	if _, err := dec.Token(); err != nil {
		return record{}, false
	}
	if rest := bytes.TrimSpace(raw[dec.InputOffset():]); len(rest) > 0 {
		return record{}, false
	}
	return r, true
}

// jsonText is a value as the text it was exported as.
func jsonText(v json.RawMessage) *string {
	switch {
	case len(v) == 0 || string(v) == "null":
		return nil
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			return &s
		}
	}
	s := string(v)
	return &s
}

func describeJSONError(line []byte) string {
	var v any
	err := json.Unmarshal(line, &v)
	if err == nil {
		return "record is not a JSON object"
	}
	return "invalid JSON: " + err.Error()
}

func jsonErr(b []byte, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	return fmt.Errorf("line %d: invalid JSON: %w", lineAt(b, off), err)
}

func lineAt(b []byte, off int64) int64 {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return int64(bytes.Count(b[:off], []byte{'\n'})) + 1
}

func peekByte(b []byte, off int64) byte {
	for i := off; i < int64(len(b)); i++ {
		switch b[i] {
		case ' ', '\t', '\r', '\n', ':':
			continue
		}
		return b[i]
	}
	return 0
}

func skipSpaceComma(b []byte, off int64) int64 {
	for off < int64(len(b)) {
		switch b[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
			continue
		}
		break
	}
	return off
}
