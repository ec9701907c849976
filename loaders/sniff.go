package loaders

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// probe is what one pass over a source file learns before loading it.
type probe struct {
	SHA256 string
	Size   int64
	// BOM is the byte-order mark found at the start, if any.
	BOM []byte
	// ValidUTF8 is true when every byte sequence is valid UTF-8.
	ValidUTF8 bool
	// Multibyte counts valid non-ASCII UTF-8 sequences; Invalid counts
	// invalid ones. Together they tell a UTF-8 file with a few corrupt bytes
	// from a legacy Windows-1252 file.
	Multibyte, Invalid int64
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// probeFile hashes the file and checks its UTF-8 validity in one pass.
func probeFile(p string) (probe, error) {
	f, err := os.Open(p)
	if err != nil {
		return probe{}, err
	}
	defer f.Close()
	h := sha256.New()
	pr := probe{ValidUTF8: true}
	buf := make([]byte, 1<<20)
	var carry []byte
	first := true
	for {
		n, err := io.ReadFull(f, buf[len(carry):])
		chunk := buf[:len(carry)+n]
		if n > 0 {
			h.Write(buf[len(carry) : len(carry)+n])
			pr.Size += int64(n)
		}
		if first {
			first = false
			for _, b := range [][]byte{bomUTF8, bomUTF16LE, bomUTF16BE} {
				if bytes.HasPrefix(chunk, b) {
					pr.BOM = b
				}
			}
		}
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return probe{}, err
		}
		// Keep an incomplete trailing sequence for the next chunk.
		cut := len(chunk)
		if !eof {
			cut = completePrefix(chunk)
		}
		pr.scan(chunk[:cut])
		carry = append(carry[:0], chunk[cut:]...)
		copy(buf, carry)
		if eof {
			break
		}
	}
	pr.SHA256 = hex.EncodeToString(h.Sum(nil))
	return pr, nil
}

// completePrefix returns the length of b without a trailing, possibly
// incomplete UTF-8 sequence.
func completePrefix(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

func (pr *probe) scan(b []byte) {
	if utf8.Valid(b) {
		if n := utf8.RuneCount(b); n != len(b) && pr.Multibyte < 1<<40 {
			pr.Multibyte += int64(n) // a lower bound is enough for the heuristic
		}
		return
	}
	pr.ValidUTF8 = false
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1:
			pr.Invalid++
		case size > 1:
			pr.Multibyte++
		}
		b = b[size:]
	}
}

// resolveEncoding picks the file's encoding: the configured one, or for auto
// UTF-16 by BOM; UTF-8 when valid, or when it holds any valid multi-byte
// sequence (legacy text practically never does, so the invalid bytes are
// corruption and their records are rejected rather than every accented
// letter silently turned into mojibake); else Windows-1252, the usual legacy
// Windows export (a superset of Latin-1's printable range).
func resolveEncoding(configured Encoding, pr probe) Encoding {
	if configured != EncAuto && configured != "" {
		return configured
	}
	switch {
	case bytes.Equal(pr.BOM, bomUTF16LE) || bytes.Equal(pr.BOM, bomUTF16BE):
		return EncUTF16
	case pr.ValidUTF8:
		return EncUTF8
	case pr.Multibyte > 0:
		return EncUTF8
	}
	return EncWindows1252
}

func decoderFor(e Encoding) encoding.Encoding {
	switch e {
	case EncWindows1252:
		return charmap.Windows1252
	case EncLatin1:
		return charmap.ISO8859_1
	case EncUTF16:
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	}
	return nil
}

// undefinedBytes marks the bytes a single-byte code page leaves undefined
// (Windows-1252: 0x81, 0x8D, 0x8F, 0x90, 0x9D); nil for other encodings.
func undefinedBytes(e Encoding) *[256]bool {
	cm, ok := decoderFor(e).(*charmap.Charmap)
	if !ok {
		return nil
	}
	var u [256]bool
	any := false
	for b := 0; b < 256; b++ {
		if cm.DecodeByte(byte(b)) == utf8.RuneError {
			u[b], any = true, true
		}
	}
	if !any {
		return nil
	}
	return &u
}

// decodeText is a record's bytes as text for meta.rejects.raw_text: decoded
// from the file's code page, invalid UTF-8 shown as U+FFFD (raw_bytes keeps
// the exact bytes).
func decodeText(b []byte, e Encoding) string {
	if cm, ok := decoderFor(e).(*charmap.Charmap); ok {
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(decodeByte(cm, c))
		}
		return sb.String()
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// decodeByte decodes one byte of a single-byte code page. A byte the code
// page leaves undefined becomes the C1 control character of the same number
// (as the WHATWG Encoding Standard decodes windows-1252), not U+FFFD: the
// text keeps the exact byte, and staging flags it.
func decodeByte(cm *charmap.Charmap, b byte) rune {
	if r := cm.DecodeByte(b); r != utf8.RuneError {
		return r
	}
	return rune(b)
}

// transcodeSingleByte writes in, read in a single-byte code page, to w as
// UTF-8 (see decodeByte).
func transcodeSingleByte(w *bufio.Writer, in io.Reader, cm *charmap.Charmap) error {
	var table [256][]byte
	for b := range table {
		table[b] = utf8.AppendRune(nil, decodeByte(cm, byte(b)))
	}
	buf := make([]byte, 1<<20)
	for {
		n, err := in.Read(buf)
		for _, b := range buf[:n] {
			if b < 0x80 {
				w.WriteByte(b)
			} else {
				w.Write(table[b])
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

// transcode writes src decoded from e as UTF-8 into a new file in dir and
// returns its path; the caller removes it.
func transcode(src, dir string, e Encoding) (string, error) {
	enc := decoderFor(e)
	if enc == nil {
		return "", fmt.Errorf("no decoder for %s", e)
	}
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, "transcoded-*.utf8")
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	if cm, ok := enc.(*charmap.Charmap); ok {
		err = transcodeSingleByte(w, in, cm)
	} else {
		_, err = io.Copy(w, transform.NewReader(in, enc.NewDecoder()))
	}
	if err != nil {
		out.Close()
		os.Remove(out.Name())
		return "", fmt.Errorf("decode %s as %s: %w", src, e, err)
	}
	if err := w.Flush(); err != nil {
		out.Close()
		os.Remove(out.Name())
		return "", err
	}
	if err := out.Close(); err != nil {
		os.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

// firstLine returns the file's first line (up to 1 MiB), without a BOM.
func firstLine(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var line []byte
	for len(line) < 1<<20 {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if err == nil || errors.Is(err, io.EOF) {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
	return bytes.TrimPrefix(line, bomUTF8), nil
}

// sniffDelimiter picks the candidate that occurs most often outside quotes
// in the header line; a tie or none means ",".
func sniffDelimiter(header []byte) string {
	counts := map[byte]int{}
	inQuote := false
	for _, c := range header {
		switch {
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == ',' || c == ';' || c == '\t' || c == '|'):
			counts[c]++
		}
	}
	best, bestN := byte(','), counts[',']
	for _, c := range []byte{';', '\t', '|'} {
		if counts[c] > bestN {
			best, bestN = c, counts[c]
		}
	}
	return string(best)
}

// parseHeader splits the header line into fields.
func parseHeader(line []byte, delim string) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(line))
	r.Comma = rune(delim[0])
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errEmptyFile
	}
	return fields, err
}

var errEmptyFile = errors.New("file is empty (no header row)")
