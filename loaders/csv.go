package loaders

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
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
	// The pre-scan reads the source itself when its line structure is
	// ASCII's (UTF-8 and the single-byte code pages), so a reject keeps the
	// exact bytes exported; a UTF-16 file is scanned as its UTF-8 copy.
	scanPath, utf8Check := p.Path, p.Encoding == EncUTF8
	if p.Encoding == EncUTF16 {
		scanPath, utf8Check = p.ReadPath, true
	}
	shape := csvShape{delim: delim[0], ncols: len(headers), undefined: undefinedBytes(p.Encoding)}
	sc, err := scanCSV(scanPath, shape, utf8Check, nil)
	if err != nil {
		return st, fmt.Errorf("%s: %w", p.Rel, err)
	}
	// Records with broken quoting are cut out of what DuckDB reads, so its
	// reader cannot run on past them into the good records that follow.
	readPath := p.ReadPath
	if len(sc.cuts) > 0 {
		if readPath, err = withoutLines(p.ReadPath, p.TempDir, sc.cuts, sc.crOnly); err != nil {
			return st, fmt.Errorf("%s: %w", p.Rel, err)
		}
		defer os.Remove(readPath)
	}

	st.table = "axium2crm_land_" + p.Spec.Object.Name
	q, err := render("land_csv.sql", map[string]any{
		"Staging": st.table, "Columns": st.cols, "Path": readPath, "Delimiter": delim, "MaxLineSize": maxLineSize,
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
	rejects, err := readCSVRejects(ctx, conn)
	if err != nil {
		return st, fmt.Errorf("%s: rejects: %w", p.Rel, err)
	}
	// DuckDB numbers the records of what it read: shift them past the cut
	// records before them, then find each one's line and bytes.
	want := map[int64]bool{}
	for i := range rejects {
		rejects[i].record = originalRecord(sc.duckRecord(rejects[i].line), sc.cuts)
		want[rejects[i].record] = true
	}
	if len(want) > 0 {
		found, err := scanCSV(scanPath, shape, utf8Check, want)
		if err != nil {
			return st, fmt.Errorf("%s: rejects: %w", p.Rel, err)
		}
		sc.want = found.want
	}
	raw := func(r scanRecord) ([]byte, error) { return readSpan(scanPath, r.start, r.end) }
	for _, rj := range rejects {
		r, ok := sc.want[rj.record]
		out := reject{record: rj.record, errType: rj.errType, text: rj.text}
		if !ok {
			// The pre-scan and DuckDB split the file differently here: keep
			// what DuckDB saw.
			out.column = headerName(headers, rj.column)
			out.reason = fmt.Sprintf("%s record %d: %s", p.Rel, rj.record, firstSentence(rj.reason))
		} else {
			out.line = r.line
			out.column, out.reason = rejectReason(p.Rel, headers, r, rj)
			if out.raw, err = raw(r); err != nil {
				return st, err
			}
			out.text = decodeText(out.raw, p.Encoding)
		}
		st.rejects = append(st.rejects, out)
	}
	for _, c := range sc.cuts {
		out := reject{record: c.record, line: c.line, column: headerName(headers, c.field)}
		out.errType, out.reason = cutReason(p.Rel, out.column, c)
		if out.raw, err = raw(c.scanRecord); err != nil {
			return st, err
		}
		out.text = decodeText(out.raw, p.Encoding)
		st.rejects = append(st.rejects, out)
	}
	sort.Slice(st.rejects, func(i, j int) bool { return st.rejects[i].record < st.rejects[j].record })
	st.Result.RowsFlagged, st.Result.Warnings = flagWarnings(p, headers, sc.flags, want, st.Result.Warnings)
	for _, rj := range st.rejects {
		st.renumber = append(st.renumber, rj.record)
	}
	st.Result.RowsRejected = int64(len(st.rejects))
	st.Result.RowsRead = parsed + st.Result.RowsRejected
	if st.Result.RowsRead != sc.records {
		st.Result.Warnings = append(st.Result.Warnings, fmt.Sprintf(
			"%s: the pre-scan counted %d records where the CSV reader read %d; the lines given for rejects may be off",
			p.Rel, sc.records, st.Result.RowsRead))
	}
	return st, nil
}

// maxFlagWarnings bounds the flagged bytes named one by one in a file's
// warnings; staging.data_quality lists them all.
const maxFlagWarnings = 20

// flagWarnings names the landed records holding a NUL or a byte the code
// page leaves undefined. They load (a reject would keep a patient's whole
// record out of the CRM for one stray byte); raw keeps the exact byte and
// staging.data_quality lists each value.
func flagWarnings(p Prepared, headers []string, flags []byteFlag, rejected map[int64]bool, warnings []string) (int64, []string) {
	var n int64
	var last int64 = -1
	more := 0
	for _, fl := range flags {
		if rejected[fl.record] {
			continue
		}
		if fl.record != last {
			n++
			last = fl.record
		}
		if len(warnings) >= maxFlagWarnings {
			more++
			continue
		}
		at := where(p.Rel, fl.line, headerName(headers, fl.field))
		if fl.b == 0 {
			warnings = append(warnings, at+": a NUL byte, loaded as is and removed in staging (see staging.data_quality)")
		} else {
			warnings = append(warnings, fmt.Sprintf("%s: byte 0x%02X is undefined in %s, loaded as U+%04X (see staging.data_quality)", at, fl.b, p.Encoding, fl.b))
		}
	}
	if more > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d more flagged bytes (see staging.data_quality)", p.Rel, more))
	}
	return n, warnings
}

// csvReject is one record DuckDB's reader rejected.
type csvReject struct {
	line    int64 // DuckDB's line number (see scanResult.duckRecord)
	record  int64 // data record ordinal in the export
	column  string
	errType string
	reason  string
	text    string
}

func readCSVRejects(ctx context.Context, conn *sql.Conn) ([]csvReject, error) {
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
		out = append(out, csvReject{line: line, errType: errType, reason: reason, column: column.String, text: text.String})
	}
	return out, rows.Err()
}

// originalRecord turns the ordinal of a record in the file DuckDB read into
// its ordinal in the export, counting the cut records before it.
func originalRecord(rec int64, cuts []cutRecord) int64 {
	k := int64(0)
	for int(k) < len(cuts) && cuts[k].record <= rec+k {
		k++
	}
	return rec + k
}

// headerName is the file's own header of a field: DuckDB names fields c1..cN
// (as read), the scanner by 0-based index (an int).
func headerName(headers []string, field any) string {
	n := -1
	switch f := field.(type) {
	case int:
		n = f
	case string:
		if f == "" {
			return ""
		}
		k, err := strconv.Atoi(strings.TrimPrefix(f, "c"))
		if err != nil {
			return f
		}
		n = k - 1
	}
	if n >= 0 && n < len(headers) {
		return headers[n]
	}
	if n >= 0 {
		return fmt.Sprintf("field %d", n+1)
	}
	return ""
}

// where begins a reject's reason: the file, the line and the field.
func where(file string, line int64, column string) string {
	if column == "" {
		return fmt.Sprintf("%s line %d", file, line)
	}
	return fmt.Sprintf("%s line %d, field %q", file, line, column)
}

// rejectReason turns DuckDB's messages about a record into one sentence
// that names the file, line and field.
func rejectReason(file string, headers []string, r scanRecord, rj csvReject) (column, reason string) {
	switch {
	case strings.Contains(rj.errType, "MISSING COLUMNS"):
		column = headerName(headers, r.fields)
		return column, fmt.Sprintf("%s: the field is missing, the record has %d of the header's %d fields",
			where(file, r.line, column), r.fields, len(headers))
	case strings.Contains(rj.errType, "TOO MANY COLUMNS"):
		return "", fmt.Sprintf("%s: the record has %d fields where the header has %d",
			where(file, r.line, ""), r.fields, len(headers))
	case strings.Contains(rj.errType, "ENCODING"), strings.Contains(rj.errType, "UNICODE"):
		column = headerName(headers, rj.column)
		if r.badUTF8 >= 0 {
			column = headerName(headers, r.badUTF8)
		}
		return column, fmt.Sprintf("%s: bytes that are not valid UTF-8 in a file read as UTF-8 (the exact bytes are in raw_bytes)",
			where(file, r.line, column))
	case strings.Contains(rj.errType, "LINE SIZE"):
		return "", fmt.Sprintf("%s: the record is longer than the %d MiB a record may hold", where(file, r.line, ""), maxLineSize>>20)
	}
	column = headerName(headers, rj.column)
	return column, fmt.Sprintf("%s: %s", where(file, r.line, column), firstSentence(rj.reason))
}

// cutReason says why a record with broken quoting was rejected.
func cutReason(file, column string, c cutRecord) (errType, reason string) {
	at := where(file, c.line, column)
	switch {
	case c.eof:
		return "UNTERMINATED QUOTES", fmt.Sprintf("%s: the quote that opens the value on line %d is still open at the end of the file, so the record is rejected alone", at, c.quoteLine)
	case c.line+c.lines <= c.brokeLine:
		return "UNTERMINATED QUOTES", fmt.Sprintf("%s: the quote that opens the value on line %d is not closed before line %d, where the next well-formed record starts, so the record is rejected alone", at, c.quoteLine, c.line+c.lines)
	}
	return "UNQUOTED VALUE", fmt.Sprintf("%s: text follows the closing quote of the value on line %d", at, c.brokeLine)
}

// firstSentence is the first line of a DuckDB message.
func firstSentence(msg string) string {
	msg, _, _ = strings.Cut(msg, "\n")
	msg, _, _ = strings.Cut(msg, "; ")
	return strings.TrimSuffix(strings.TrimSpace(msg), ".")
}

// withoutLines copies path into dir without the physical lines of the cut
// records; the caller removes the copy. The copy has the same line
// structure as the scanned file (transcoding keeps every line end).
func withoutLines(path, dir string, cuts []cutRecord, crOnly bool) (string, error) {
	nl := byte('\n')
	if crOnly {
		nl = '\r'
	}
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, "recovered-*.csv")
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) {
		out.Close()
		os.Remove(out.Name())
		return "", err
	}
	r := bufio.NewReaderSize(in, 1<<20)
	w := bufio.NewWriterSize(out, 1<<20)
	line, k := int64(1), 0
	for {
		for k < len(cuts) && line >= cuts[k].line+cuts[k].lines {
			k++
		}
		skip := k < len(cuts) && line >= cuts[k].line
		chunk, err := r.ReadSlice(nl)
		if !skip && len(chunk) > 0 {
			if _, werr := w.Write(chunk); werr != nil {
				return fail(werr)
			}
		}
		switch {
		case err == nil:
			line++
		case errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			if err := w.Flush(); err != nil {
				return fail(err)
			}
			if err := out.Close(); err != nil {
				os.Remove(out.Name())
				return "", err
			}
			return out.Name(), nil
		default:
			return fail(err)
		}
	}
}

// readSpan reads the bytes [start, end) of the file.
func readSpan(path string, start, end int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, max(0, end-start))
	n, err := f.ReadAt(buf, start)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}
