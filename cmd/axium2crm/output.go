package main

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table is a result set held for printing.
type table struct {
	columns []string
	rows    [][]any
}

// cell renders one value for text and CSV output.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 && x.Location() == time.UTC {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// jsonValue makes a scanned value JSON-friendly.
func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case nil, string, bool, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, time.Time, map[string]any, []any:
		return x
	}
	return cell(v)
}

// printAligned writes the table with columns padded to their widest cell;
// cells are shown on one line (newlines escaped) so rows stay rows.
func printAligned(w io.Writer, t table) error {
	width := make([]int, len(t.columns))
	cells := make([][]string, len(t.rows))
	for i, c := range t.columns {
		width[i] = utf8.RuneCountInString(c)
	}
	for r, row := range t.rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			s := strings.NewReplacer("\r", `\r`, "\n", `\n`, "\t", `\t`).Replace(cell(v))
			cells[r][i] = s
			if n := utf8.RuneCountInString(s); n > width[i] {
				width[i] = n
			}
		}
	}
	line := func(vals []string) string {
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(v)
			if i < len(vals)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(v)))
			}
		}
		return strings.TrimRight(b.String(), " ") + "\n"
	}
	var b strings.Builder
	b.WriteString(line(t.columns))
	sep := make([]string, len(width))
	for i, n := range width {
		sep[i] = strings.Repeat("-", n)
	}
	b.WriteString(strings.ReplaceAll(line(sep), " | ", "-+-"))
	for _, r := range cells {
		b.WriteString(line(r))
	}
	fmt.Fprintf(&b, "(%d row%s)\n", len(t.rows), plural(len(t.rows)))
	_, err := io.WriteString(w, b.String())
	return err
}

func printCSV(w io.Writer, t table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.columns); err != nil {
		return err
	}
	for _, row := range t.rows {
		rec := make([]string, len(row))
		for i, v := range row {
			if v != nil {
				rec[i] = cell(v)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func printJSONRows(w io.Writer, t table) error {
	out := make([]map[string]any, len(t.rows))
	for r, row := range t.rows {
		m := make(map[string]any, len(row))
		for i, v := range row {
			m[t.columns[i]] = jsonValue(v)
		}
		out[r] = m
	}
	enc := json.NewEncoder(w)
	return enc.Encode(out)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
