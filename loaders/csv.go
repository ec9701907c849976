package loaders

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// csvLoader lands delimited text through DuckDB's read_csv. Go only reads the
// header line (to map names and pick the delimiter); DuckDB parses the
// records and collects the ones it cannot parse in its reject tables.
type csvLoader struct{}

// maxLineSize bounds one record; clinical notes can be long.
const maxLineSize = 16 << 20

func (csvLoader) Stage(ctx context.Context, conn *sql.Conn, p Prepared) (Staged, error) {
	st := Staged{Result: FileResult{Format: "csv"}, blankIsEmpty: true}
	line, err := firstLine(p.ReadPath)
	if err != nil {
		return st, fmt.Errorf("%s: %w", p.Rel, err)
	}
	delim, err := ParseDelimiter(p.Spec.Delimiter)
	if err != nil {
		return st, fmt.Errorf("%s: %w", p.Rel, err)
	}
	if delim == "" {
		delim = sniffDelimiter(line)
	}
	st.Result.Delimiter = delim
	headers, err := parseHeader(line, delim)
	if err != nil {
		return st, fmt.Errorf("%s:1: header: %w", p.Rel, err)
	}
	names, warnings, err := p.Spec.MapHeader(p.Rel, headers)
	if err != nil {
		return st, err
	}
	st.Result.Columns, st.Result.Warnings = names, warnings
	st.cols = make([]landColumn, len(names))
	for i, n := range names {
		st.cols[i] = landColumn{Name: n, Field: "c" + strconv.Itoa(i+1)}
	}
	for _, t := range []string{"axium2crm_reject_errors", "axium2crm_reject_scans"} {
		if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS temp."+t); err != nil {
			return st, err
		}
	}
	st.table = "axium2crm_land_" + p.Spec.Object.Name
	q, err := render("land_csv.sql", map[string]any{
		"Staging": st.table, "Columns": st.cols, "Path": p.ReadPath, "Delimiter": delim, "MaxLineSize": maxLineSize,
	})
	if err != nil {
		return st, err
	}
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return st, fmt.Errorf("%s: %w", p.Rel, err)
	}
	// The scan keeps file order, so rowid counts the parsed records.
	st.record = "rowid - (SELECT min(rowid) FROM temp." + warehouse.QuoteIdent(st.table) + ") + 1"
	var parsed int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM temp."+warehouse.QuoteIdent(st.table)).Scan(&parsed); err != nil {
		return st, err
	}
	rejects, err := readCSVRejects(ctx, conn, headers)
	if err != nil {
		return st, fmt.Errorf("%s: rejects: %w", p.Rel, err)
	}
	if err := locateRejects(p, rejects); err != nil {
		return st, fmt.Errorf("%s: rejects: %w", p.Rel, err)
	}
	for _, rj := range rejects {
		st.rejects = append(st.rejects, reject{record: rj.record, line: rj.physLine, column: rj.column,
			errType: rj.errType, reason: rj.reason, text: rj.text, raw: rj.raw})
		st.renumber = append(st.renumber, rj.record)
	}
	st.Result.RowsRejected = int64(len(rejects))
	st.Result.RowsRead = parsed + st.Result.RowsRejected
	return st, nil
}

type csvReject struct {
	record    int64 // data record ordinal (DuckDB's line minus the header)
	bytePos   int64
	physLine  int64
	column    string
	errType   string
	reason    string
	text      string
	raw       []byte
	badEncode bool
}

func readCSVRejects(ctx context.Context, conn *sql.Conn, headers []string) ([]csvReject, error) {
	q, err := render("csv_rejects.sql", nil)
	if err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return nil, nil // DuckDB creates the tables only when a scan rejects something
		}
		return nil, err
	}
	defer rows.Close()
	var out []csvReject
	for rows.Next() {
		var line, pos int64
		var errType, reason string
		var column, text sql.NullString
		if err := rows.Scan(&line, &pos, &errType, &reason, &column, &text); err != nil {
			return nil, err
		}
		rj := csvReject{record: line - 1, bytePos: pos, errType: errType, reason: reason, text: text.String}
		if column.Valid {
			rj.column = column.String
			// Fields were read as c1..cN; report the file's own header.
			if n, err := strconv.Atoi(strings.TrimPrefix(column.String, "c")); err == nil && n >= 1 && n <= len(headers) {
				rj.column = headers[n-1]
			}
		}
		rj.badEncode = strings.Contains(errType, "ENCODING") || strings.Contains(errType, "UNICODE")
		out = append(out, rj)
	}
	return out, rows.Err()
}

// locateRejects turns byte offsets into physical line numbers, and for
// records DuckDB could not decode keeps the exact bytes (its csv_line
// replaces bad bytes, which would lose them).
func locateRejects(p Prepared, rejects []csvReject) error {
	idx := make([]int, len(rejects))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return rejects[idx[a]].bytePos < rejects[idx[b]].bytePos })
	f, err := os.Open(p.ReadPath)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var pos, lines int64 = 0, 1
	for _, i := range idx {
		rj := &rejects[i]
		for pos < rj.bytePos {
			b, err := r.ReadByte()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			pos++
			if b == '\n' {
				lines++
			}
		}
		rj.physLine = lines
		if rj.badEncode {
			raw, err := readRaw(p.ReadPath, rj.bytePos, int64(len(rj.text)))
			if err != nil {
				return err
			}
			rj.raw = raw
		}
	}
	return nil
}

// readRaw reads n bytes (at least one line) of the file from off.
func readRaw(path string, off, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, err
	}
	if n < 1 {
		n = 1
	}
	buf := make([]byte, n)
	k, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return buf[:k], nil
}
