package loaders

import (
	"errors"
	"io"
	"os"
	"unicode/utf8"
)

// The pre-scan reads a delimited file once in Go before DuckDB parses it,
// for what DuckDB's reader cannot tell: where a record with broken quoting
// ends (DuckDB reads on to the next quote and swallows the good records in
// between into one reject), and which bytes a record holds that must be
// flagged (NUL, a byte the code page leaves undefined). It also gives every
// record's physical line and exact bytes, so a reject keeps them whatever
// the encoding.
//
// It splits records as RFC 4180 does, like DuckDB's strict mode: a field
// that starts with a quote runs to the quote that is followed by the
// delimiter or the end of the line ("" is a quote inside it); a quote inside
// an unquoted field is text. Blank lines are not records (DuckDB skips them).

// csvShape is what the scanner needs to know of a file.
type csvShape struct {
	delim byte
	// ncols is the header's field count: a record that recovery may resume
	// at must have as many.
	ncols int
	// undefined marks the bytes the file's single-byte code page leaves
	// undefined; nil for UTF-8.
	undefined *[256]bool
}

// scanRecord is one record as the scanner split it.
type scanRecord struct {
	record     int64 // data record ordinal: header excluded, cut records counted
	line       int64 // physical line it starts on
	start, end int64 // its bytes in the scanned file, without the line end
	fields     int
	// badUTF8 is the 0-based field holding the first invalid UTF-8
	// sequence, or -1.
	badUTF8 int
}

// cutRecord is a record with broken quoting, cut out of what DuckDB reads.
type cutRecord struct {
	scanRecord
	lines int64 // physical lines it spans
	// field is the 0-based field whose quoting broke; quoteLine the line
	// its opening quote is on; brokeLine the line where the break showed.
	field                int
	quoteLine, brokeLine int64
	eof                  bool // the quote was still open at the end of the file
}

// byteFlag is a byte of a landed record that must be flagged.
type byteFlag struct {
	scanRecord
	field int
	b     byte
}

type scanResult struct {
	records int64
	cuts    []cutRecord
	flags   []byteFlag
	// want holds the records asked for by ordinal.
	want map[int64]scanRecord
	// crOnly says lines end in a lone CR (old Mac exports).
	crOnly bool
	// blanks are the blank lines DuckDB will read (those outside cut
	// records), by their index among the data lines of what it reads
	// (records and blank lines, 1-based): its reject line numbers count them.
	blanks []int64
}

// duckRecord turns DuckDB's line number of a rejected record (header line 1,
// blank lines counted, quoted line breaks not) into the record's ordinal in
// the file DuckDB read.
func (s scanResult) duckRecord(line int64) int64 {
	unit := line - 1
	n := int64(0)
	for _, b := range s.blanks {
		if b < unit {
			n++
		}
	}
	return unit - n
}

// reader is a buffered reader over a file that knows its offset and can
// jump back to re-read from an earlier one.
type reader struct {
	f    *os.File
	buf  []byte
	base int64 // file offset of buf[0]
	i, n int
	err  error
}

func newReader(f *os.File) *reader { return &reader{f: f, buf: make([]byte, 1<<20)} }

func (r *reader) offset() int64 { return r.base + int64(r.i) }

func (r *reader) seek(off int64) {
	if off >= r.base && off <= r.base+int64(r.n) {
		r.i = int(off - r.base)
		return
	}
	r.base, r.i, r.n, r.err = off, 0, 0, nil
}

// next returns the next byte; ok is false at the end of the file.
func (r *reader) next() (byte, bool) {
	if r.i < r.n {
		b := r.buf[r.i]
		r.i++
		return b, true
	}
	return r.fill()
}

func (r *reader) fill() (byte, bool) {
	if r.err != nil {
		return 0, false
	}
	r.base += int64(r.n)
	r.i = 0
	r.n, r.err = r.f.ReadAt(r.buf, r.base)
	if r.n == 0 {
		if r.err == nil {
			r.err = io.EOF
		}
		return 0, false
	}
	r.i = 1
	return r.buf[0], true
}

// peek returns the next byte without consuming it.
func (r *reader) peek() (byte, bool) {
	b, ok := r.next()
	if ok {
		r.i--
	}
	return b, ok
}

// parsed is one record read by readRecord.
type parsed struct {
	start, end int64 // bytes, without the line end
	next       int64 // where the next record starts
	lines      int64 // line ends consumed (0 for a last record without one)
	fields     int
	blank      bool
	eof        bool // nothing left to read
	// broken: the quoting is not well-formed; field and quoteLine/brokeLine
	// (relative to the record's first line) say where.
	broken               bool
	field                int
	quoteLine, brokeLine int64
	openAtEOF            bool
	badUTF8              int
	flags                []byteFlag // field and b set
}

// readRecord reads one record from r's offset. It stops at the first
// break in the quoting (the caller decides where to resume).
func readRecord(r *reader, sh csvShape, nl byte, utf8Check bool) (p parsed) {
	const (
		fieldStart = iota
		unquoted
		quoted
		afterQuote
	)
	p.start = r.offset()
	p.badUTF8 = -1
	state := fieldStart
	field := 0
	var line, quoteLine int64
	var pendingBuf [utf8.UTFMax]byte
	pending := pendingBuf[:0] // an incomplete UTF-8 sequence
	first := true
	for {
		b, ok := r.next()
		if !ok {
			if first {
				p.eof = true
				p.next = r.offset()
				return p
			}
			if state == quoted {
				p.broken, p.openAtEOF, p.field, p.quoteLine, p.brokeLine = true, true, field, quoteLine, line
			}
			return p.finish(r.offset(), r.offset(), field, pending)
		}
		at := r.offset() - 1
		// A line end outside a quoted value ends the record.
		if state != quoted && (b == nl || (nl == '\n' && b == '\r')) {
			if b == '\r' {
				if c, ok := r.peek(); ok && c == '\n' {
					r.next()
				} else if nl == '\n' {
					goto data // a lone CR in a LF file is text
				}
			}
			p.lines = line + 1
			if first {
				p.blank = true
				p.next = r.offset()
				return p
			}
			return p.finish(at, r.offset(), field, pending)
		}
	data:
		first = false
		if b == 0 || (sh.undefined != nil && sh.undefined[b]) {
			p.flag(field, b)
		}
		if utf8Check && p.badUTF8 < 0 {
			if len(pending) > 0 || b >= 0x80 {
				pending = append(pending, b)
				if utf8.FullRune(pending) {
					if r, size := utf8.DecodeRune(pending); r == utf8.RuneError && size <= 1 {
						p.badUTF8 = field
					}
					pending = pending[:0]
				} else if !utf8.RuneStart(pending[0]) {
					p.badUTF8 = field
				}
			}
		}
		switch state {
		case fieldStart, unquoted:
			switch {
			case b == sh.delim:
				field++
				state = fieldStart
			case b == '"' && state == fieldStart:
				state, quoteLine = quoted, line
			default:
				state = unquoted
			}
		case quoted:
			switch b {
			case '"':
				state = afterQuote
			case nl:
				line++
			}
		case afterQuote:
			switch b {
			case '"':
				state = quoted
			case sh.delim:
				field++
				state = fieldStart
			default:
				p.broken, p.field, p.quoteLine, p.brokeLine = true, field, quoteLine, line
				return p.finish(r.offset(), r.offset(), field, pending)
			}
		}
	}
}

// finish completes a record that ends at end (the next one starts at next).
// A method, not a closure, so that reading a record allocates nothing.
func (p parsed) finish(end, next int64, field int, pending []byte) parsed {
	p.end, p.next, p.fields = end, next, field+1
	if p.badUTF8 < 0 && len(pending) > 0 {
		p.badUTF8 = field
	}
	return p
}

// flag notes a byte to flag, once per field.
func (p *parsed) flag(field int, b byte) {
	for _, f := range p.flags {
		if f.field == field {
			return
		}
	}
	p.flags = append(p.flags, byteFlag{field: field, b: b})
}

// scanCSV scans the file at path. want names records whose position the
// caller needs (for rejects); nil for none.
func scanCSV(path string, sh csvShape, utf8Check bool, want map[int64]bool) (scanResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return scanResult{}, err
	}
	defer f.Close()
	r := newReader(f)
	res := scanResult{want: map[int64]scanRecord{}}
	// Lines end in LF (or CRLF) unless the header ends in a lone CR.
	nl := byte('\n')
	for {
		b, ok := r.next()
		if !ok || b == '\n' {
			break
		}
		if b == '\r' {
			if c, ok := r.peek(); !ok || c != '\n' {
				nl, res.crOnly = '\r', true
			}
			break
		}
	}
	r.seek(0)
	var line int64 = 1
	// The header: its quoting is not checked (a bad header fails the file
	// earlier, in parseHeader).
	for {
		h := readRecord(r, sh, nl, false)
		if h.eof {
			return res, nil
		}
		if h.broken {
			r.seek(h.start)
			skipLine(r, nl)
			line++
		} else {
			line += h.lines
		}
		if !h.blank {
			break
		}
	}
	var rec int64
	for {
		p := readRecord(r, sh, nl, utf8Check)
		if p.eof {
			break
		}
		if p.blank {
			line += p.lines
			res.blanks = append(res.blanks, rec-int64(len(res.cuts))+int64(len(res.blanks))+1)
			continue
		}
		rec++
		sr := scanRecord{record: rec, line: line, start: p.start, end: p.end, fields: p.fields, badUTF8: p.badUTF8}
		if !p.broken {
			for _, fl := range p.flags {
				fl.scanRecord = sr
				res.flags = append(res.flags, fl)
			}
			if want[rec] {
				res.want[rec] = sr
			}
			line += p.lines
			r.seek(p.next)
			continue
		}
		// Broken quoting: the record ends where the next physical line
		// starts a well-formed record (one with the header's field count
		// and sound quoting), so the records after it still load.
		cut := cutRecord{scanRecord: sr, field: p.field, quoteLine: line + p.quoteLine, brokeLine: line + p.brokeLine, eof: p.openAtEOF}
		r.seek(p.start)
		lines := int64(0)
		resume := int64(-1)
		// A value closed on the line it opened, with text after its closing
		// quote, ends the record at that line's end, as DuckDB reads it; a
		// quote left open searches for the next record.
		closed := !p.openAtEOF && p.quoteLine == p.brokeLine
		for {
			more := skipLine(r, nl)
			lines++
			if !more {
				break
			}
			at := r.offset()
			if closed && lines > p.brokeLine {
				resume = at
				break
			}
			q := readRecord(r, sh, nl, false)
			if q.eof {
				break
			}
			if !q.blank && !q.broken && q.fields == sh.ncols {
				resume = at
				break
			}
			r.seek(at)
		}
		if resume < 0 {
			cut.end = lineEndBefore(f, r.offset(), nl)
			r.seek(r.offset())
		} else {
			cut.end = lineEndBefore(f, resume, nl)
			r.seek(resume)
		}
		cut.lines = lines
		cut.eof = p.openAtEOF && resume < 0
		line += lines
		res.cuts = append(res.cuts, cut)
		if want[rec] {
			res.want[rec] = cut.scanRecord
		}
	}
	res.records = rec
	if r.err != nil && !errors.Is(r.err, io.EOF) {
		return res, r.err
	}
	return res, nil
}

// skipLine consumes the rest of the physical line; false at the end of the
// file.
func skipLine(r *reader, nl byte) bool {
	for {
		b, ok := r.next()
		if !ok {
			return false
		}
		if b == nl {
			return true
		}
	}
}

// lineEndBefore is off without the line end just before it.
func lineEndBefore(f *os.File, off int64, nl byte) int64 {
	var b [2]byte
	if off >= 2 {
		if n, _ := f.ReadAt(b[:], off-2); n == 2 && b[0] == '\r' && b[1] == '\n' {
			return off - 2
		}
	}
	if off >= 1 {
		if n, _ := f.ReadAt(b[:1], off-1); n == 1 && b[0] == nl {
			return off - 1
		}
	}
	return off
}
