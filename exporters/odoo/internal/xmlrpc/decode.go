package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The decoder reads a whole document held in memory with a scanner made
// for XML-RPC's grammar: elements without attributes, text with the five
// predefined entities, character references and CDATA sections, comments
// and processing instructions anywhere. encoding/xml, which it replaces,
// spent some 58 µs a record of a verify's read in its general tokenizer;
// the one library tokenizer served here that is faster
// (github.com/muktihari/xmltokenizer) trims the spaces around text and
// leaves entities undecoded, which would change the strings it reads.
//
// It reads what encoding/xml read, to the same values (the differential
// tests in reference_test.go hold it to that), and refuses more: text
// outside a value, attributes, namespace prefixes, a DOCTYPE, anything
// after the root element.

// DecodeResponse reads a methodResponse: its value, or a *Fault.
func DecodeResponse(r io.Reader) (v any, err error) {
	err = ReadPooled(r, -1, func(b []byte) error {
		v, err = DecodeResponseBytes(b)
		return err
	})
	return v, err
}

// DecodeCall reads a methodCall: the method name and its parameters.
func DecodeCall(r io.Reader) (name string, params []any, err error) {
	err = ReadPooled(r, -1, func(b []byte) error {
		name, params, err = DecodeCallBytes(b)
		return err
	})
	return name, params, err
}

// ReadPooled reads r to its end into a buffer kept for the next read and
// hands the bytes to use, whose error it returns; the bytes are valid only
// during use. size, when known (≥ 0), is how many bytes r holds. A
// request or an answer of a few hundred records is megabytes: grown afresh
// each time, its buffer was a tenth of a verify's CPU.
func ReadPooled(r io.Reader, size int64, use func([]byte) error) error {
	buf := buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooled {
			buffers.Put(buf)
		}
	}()
	buf.Reset()
	if size > 0 && size <= maxPooled {
		buf.Grow(int(size) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return &ReadError{Err: err}
	}
	return use(buf.Bytes())
}

// ReadError is a failure to read a document, as opposed to one that does
// not parse.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "xml-rpc: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled is the largest buffer kept; a larger one is left to the
// garbage collector.
const maxPooled = 64 << 20

// DecodeResponseBytes is DecodeResponse of a document in memory. The
// values it returns do not share memory with doc.
func DecodeResponseBytes(doc []byte) (any, error) {
	s := newScanner(doc)
	if err := s.root("methodResponse"); err != nil {
		return nil, err
	}
	tag, empty, err := s.start()
	if err != nil {
		return nil, err
	}
	if tag == "" {
		return nil, s.errorf("expected <params> or <fault> in methodResponse")
	}
	switch {
	case tag == "fault" && !empty:
		v, err := s.valueElement()
		if err != nil {
			return nil, err
		}
		if err := s.closeAll("fault", "methodResponse"); err != nil {
			return nil, err
		}
		m, _ := v.(map[string]any)
		code, _ := m["faultCode"].(int64)
		msg, _ := m["faultString"].(string)
		if s, ok := m["faultCode"].(string); ok {
			// Odoo's legacy /xmlrpc endpoint sends string codes.
			msg = s + ": " + msg
		}
		return nil, &Fault{Code: int(code), String: msg}
	case tag == "params" && !empty:
		if err := s.open("param"); err != nil {
			return nil, err
		}
		v, err := s.valueElement()
		if err != nil {
			return nil, err
		}
		return v, s.closeAll("param", "params", "methodResponse")
	}
	return nil, s.errorf("unexpected <%s> in methodResponse", tag)
}

// DecodeCallBytes is DecodeCall of a document in memory.
func DecodeCallBytes(doc []byte) (string, []any, error) {
	s := newScanner(doc)
	if err := s.root("methodCall"); err != nil {
		return "", nil, err
	}
	if err := s.open("methodName"); err != nil {
		return "", nil, err
	}
	name, err := s.text("methodName")
	if err != nil {
		return "", nil, err
	}
	tag, empty, err := s.start()
	if err != nil {
		return "", nil, err
	}
	if tag == "" {
		return name, nil, s.closeAll("methodCall")
	}
	if tag != "params" {
		return "", nil, s.errorf("unexpected <%s> in methodCall", tag)
	}
	var params []any
	for !empty {
		tag, pempty, err := s.start()
		if err != nil {
			return "", nil, err
		}
		if tag == "" {
			break
		}
		if tag != "param" || pempty {
			return "", nil, s.errorf("unexpected <%s> in params", tag)
		}
		v, err := s.valueElement()
		if err != nil {
			return "", nil, err
		}
		params = append(params, v)
		if err := s.close("param"); err != nil {
			return "", nil, err
		}
	}
	if !empty {
		if err := s.close("params"); err != nil {
			return "", nil, err
		}
	}
	return name, params, s.closeAll("methodCall")
}

// maxDepth bounds the nesting of arrays and structs a document may have
// (Odoo's answers nest a few levels).
const maxDepth = 512

type scanner struct {
	b     []byte
	i     int
	depth int
	// names keeps each member name once: a read's records repeat them.
	names map[string]string
	// hint is the size of the last struct read, the likely size of the
	// next (a page of records).
	hint int
}

func newScanner(b []byte) *scanner {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a byte order mark
	return &scanner{b: b, names: map[string]string{}}
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("xml-rpc: "+format+" (at byte %d)", append(args, s.i)...)
}

// misc skips white space, comments and processing instructions, checking
// the encoding an XML declaration names.
func (s *scanner) misc() error {
	for {
		for s.i < len(s.b) && isSpace(s.b[s.i]) {
			s.i++
		}
		rest := s.b[s.i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := s.comment(); err != nil {
				return err
			}
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := s.instruction(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

func (s *scanner) comment() error {
	end := bytes.Index(s.b[s.i+4:], []byte("-->"))
	if end < 0 {
		return s.errorf("unterminated comment")
	}
	body := s.b[s.i+4 : s.i+4+end]
	if bytes.Contains(body, []byte("--")) || bytes.HasSuffix(body, []byte("-")) {
		return s.errorf("invalid comment")
	}
	s.i += 4 + end + 3
	return nil
}

// instruction skips <?target ...?>; an XML declaration's encoding must be
// UTF-8 or US-ASCII, what the server writes.
func (s *scanner) instruction() error {
	end := bytes.Index(s.b[s.i+2:], []byte("?>"))
	if end < 0 {
		return s.errorf("unterminated processing instruction")
	}
	body := s.b[s.i+2 : s.i+2+end]
	n := 0
	for n < len(body) && isNameByte(body[n]) {
		n++
	}
	if n == 0 || !isNameStart(body[0]) || n < len(body) && !isSpace(body[n]) {
		return s.errorf("malformed processing instruction %q", snippet(body))
	}
	if target, rest := body[:n], body[n:]; string(target) == "xml" {
		if v := pseudoAttr(rest, "version"); v != "" && v != "1.0" {
			return s.errorf("unsupported XML version %s", v)
		}
		if enc := pseudoAttr(rest, "encoding"); enc != "" && !strings.EqualFold(enc, "utf-8") && !strings.EqualFold(enc, "us-ascii") {
			return s.errorf("unsupported charset %s", enc)
		}
	}
	s.i += 2 + end + 2
	return nil
}

// pseudoAttr is the value of name="value" (or 'value') in an XML
// declaration.
func pseudoAttr(b []byte, name string) string {
	i := bytes.Index(b, []byte(name))
	if i < 0 {
		return ""
	}
	b = bytes.TrimLeft(b[i+len(name):], " \t\r\n")
	if len(b) == 0 || b[0] != '=' {
		return ""
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) == 0 || (b[0] != '"' && b[0] != '\'') {
		return ""
	}
	v, _, ok := bytes.Cut(b[1:], b[:1])
	if !ok {
		return ""
	}
	return string(v)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// root reads the prolog and the root element's start tag, which must be
// name.
func (s *scanner) root(name string) error {
	if err := s.misc(); err != nil {
		return err
	}
	if bytes.HasPrefix(s.b[s.i:], []byte("<!")) {
		return s.errorf("unsupported markup declaration")
	}
	return s.open(name)
}

// start reads the next start tag after white space and comments: its
// name and whether it closed itself (<name/>). At an end tag it answers
// "" and leaves the end tag to be read.
func (s *scanner) start() (string, bool, error) {
	if err := s.misc(); err != nil {
		return "", false, err
	}
	if s.i >= len(s.b) {
		return "", false, s.errorf("unexpected end of document")
	}
	if s.b[s.i] != '<' {
		return "", false, s.errorf("unexpected text %q", snippet(s.b[s.i:]))
	}
	if s.i+1 < len(s.b) && s.b[s.i+1] == '/' {
		return "", false, nil
	}
	return s.tag()
}

// tag reads the start tag at s.i.
func (s *scanner) tag() (string, bool, error) {
	j := s.i + 1
	for j < len(s.b) && isNameByte(s.b[j]) {
		j++
	}
	if j == s.i+1 || !isNameStart(s.b[s.i+1]) {
		return "", false, s.errorf("malformed tag %q", snippet(s.b[s.i:]))
	}
	name := s.b[s.i+1 : j]
	for j < len(s.b) && isSpace(s.b[j]) {
		j++
	}
	empty := false
	if j < len(s.b) && s.b[j] == '/' {
		empty = true
		j++
	}
	if j >= len(s.b) || s.b[j] != '>' {
		return "", false, s.errorf("malformed tag %q", snippet(s.b[s.i:]))
	}
	s.i = j + 1
	return tagName(name), empty, nil
}

// tagName is an XML-RPC element's name without allocating.
func tagName(b []byte) string {
	for _, n := range knownTags {
		if string(b) == n {
			return n
		}
	}
	return string(b)
}

var knownTags = []string{"value", "member", "name", "string", "int", "i4", "i8", "double", "boolean",
	"struct", "array", "data", "nil", "base64", "dateTime.iso8601", "param", "params",
	"methodResponse", "methodCall", "methodName", "fault"}

// isNameByte is a byte an XML-RPC element's name may hold. A namespace
// prefix (a colon) is not one.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
}

func isNameStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// open reads a start tag that must be name and must have content.
func (s *scanner) open(name string) error {
	tag, empty, err := s.start()
	if err != nil {
		return err
	}
	if tag == "" {
		return s.errorf("expected <%s>", name)
	}
	if tag != name {
		return s.errorf("expected <%s>, got <%s>", name, tag)
	}
	if empty {
		return s.errorf("<%s/> is empty", name)
	}
	return nil
}

// close reads the end tag of name after white space and comments.
func (s *scanner) close(name string) error {
	if err := s.misc(); err != nil {
		return err
	}
	return s.endTag(name)
}

// endTag reads </name> at s.i.
func (s *scanner) endTag(name string) error {
	rest := s.b[s.i:]
	if len(rest) < 3+len(name) || rest[0] != '<' || rest[1] != '/' || string(rest[2:2+len(name)]) != name {
		if len(rest) == 0 {
			return s.errorf("unexpected end of document: <%s> not closed", name)
		}
		return s.errorf("<%s> closed by %q", name, snippet(rest))
	}
	j := 2 + len(name)
	for j < len(rest) && isSpace(rest[j]) {
		j++
	}
	if j >= len(rest) || rest[j] != '>' {
		return s.errorf("<%s> closed by %q", name, snippet(rest))
	}
	s.i += j + 1
	return nil
}

// closeAll reads the end tags of names in turn, then the end of the
// document.
func (s *scanner) closeAll(names ...string) error {
	for _, n := range names {
		if err := s.close(n); err != nil {
			return err
		}
	}
	if err := s.misc(); err != nil {
		return err
	}
	if s.i < len(s.b) {
		return s.errorf("unexpected %q after the document", snippet(s.b[s.i:]))
	}
	return nil
}

// valueElement reads <value>…</value>.
func (s *scanner) valueElement() (any, error) {
	tag, empty, err := s.start()
	if err != nil {
		return nil, err
	}
	if tag != "value" {
		if tag == "" {
			return nil, s.errorf("expected <value>")
		}
		return nil, s.errorf("expected <value>, got <%s>", tag)
	}
	if empty {
		return "", nil
	}
	return s.value()
}

// value reads the inside of a <value> element and its end tag: a typed
// element, or text (a string).
func (s *scanner) value() (any, error) {
	txt, plain, err := s.chars()
	if err != nil {
		return nil, err
	}
	if s.i+1 < len(s.b) && s.b[s.i+1] == '/' {
		if err := s.endTag("value"); err != nil {
			return nil, err
		}
		return txt, nil
	}
	if !plain {
		return nil, s.errorf("text before a typed value")
	}
	tag, empty, err := s.tag()
	if err != nil {
		return nil, err
	}
	v, err := s.typed(tag, empty)
	if err != nil {
		return nil, err
	}
	if err := s.close("value"); err != nil {
		return nil, fmt.Errorf("%w (more than one type in <value>?)", err)
	}
	return v, nil
}

func (s *scanner) typed(tag string, empty bool) (any, error) {
	switch tag {
	case "array":
		if empty {
			return nil, s.errorf("expected <data>")
		}
		s.depth++
		defer func() { s.depth-- }()
		if s.depth > maxDepth {
			return nil, s.errorf("values nested more than %d deep", maxDepth)
		}
		tag, dempty, err := s.start()
		if err != nil {
			return nil, err
		}
		if tag != "data" {
			return nil, s.errorf("expected <data> in <array>")
		}
		out := []any{}
		for !dempty {
			tag, vempty, err := s.start()
			if err != nil {
				return nil, err
			}
			if tag == "" {
				if err := s.close("data"); err != nil {
					return nil, err
				}
				break
			}
			if tag != "value" {
				return nil, s.errorf("unexpected <%s> in array", tag)
			}
			var v any = ""
			if !vempty {
				if v, err = s.value(); err != nil {
					return nil, err
				}
			}
			out = append(out, v)
		}
		return out, s.close("array")
	case "struct":
		out := make(map[string]any, s.hint)
		if empty {
			return out, nil
		}
		s.depth++
		defer func() { s.depth-- }()
		if s.depth > maxDepth {
			return nil, s.errorf("values nested more than %d deep", maxDepth)
		}
		for {
			tag, mempty, err := s.start()
			if err != nil {
				return nil, err
			}
			if tag == "" {
				s.hint = len(out)
				return out, s.close("struct")
			}
			if tag != "member" {
				return nil, s.errorf("unexpected <%s> in struct", tag)
			}
			name, val, err := s.member(mempty)
			if err != nil {
				return nil, err
			}
			out[name] = val
		}
	case "nil":
		if !empty {
			if _, err := s.text(tag); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	if (tag == "int" || tag == "i4" || tag == "i8") && !empty {
		if n, ok := s.smallInt(tag); ok {
			return n, nil
		}
	}
	var txt string
	if !empty {
		var err error
		if txt, err = s.text(tag); err != nil {
			return nil, err
		}
	}
	return scalar(tag, txt)
}

// smallInt reads <int>N</int>'s text and end tag when N is plain
// decimal digits (an optional minus) that fit 18 digits, the ids and
// counts Odoo sends, without making a string of them. Otherwise it reads
// nothing and answers false.
func (s *scanner) smallInt(tag string) (int64, bool) {
	b := s.b[s.i:]
	j, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		j, neg = 1, true
	}
	var n int64
	k := j
	for ; k < len(b) && k-j < 18 && b[k] >= '0' && b[k] <= '9'; k++ {
		n = n*10 + int64(b[k]-'0')
	}
	if k == j || k >= len(b) || b[k] != '<' {
		return 0, false
	}
	at := s.i
	s.i += k
	if s.endTag(tag) != nil {
		s.i = at
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// member reads a struct member's name and value, and its end tag.
func (s *scanner) member(empty bool) (string, any, error) {
	var name string
	var val any
	seen := false
	for !empty {
		tag, tempty, err := s.start()
		if err != nil {
			return "", nil, err
		}
		if tag == "" {
			if err := s.close("member"); err != nil {
				return "", nil, err
			}
			break
		}
		switch tag {
		case "name":
			name = ""
			if !tempty {
				if name, err = s.internedText("name"); err != nil {
					return "", nil, err
				}
			}
		case "value":
			if tempty {
				val = ""
			} else if val, err = s.value(); err != nil {
				return "", nil, err
			}
			seen = true
		default:
			return "", nil, s.errorf("unexpected <%s> in member", tag)
		}
	}
	if !seen {
		return "", nil, s.errorf("member %q has no value", name)
	}
	return name, val, nil
}

func scalar(tag, s string) (any, error) {
	switch tag {
	case "int", "i4", "i8":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("xml-rpc: bad int %q", s)
		}
		return n, nil
	case "boolean":
		switch strings.TrimSpace(s) {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return nil, fmt.Errorf("xml-rpc: bad boolean %q", s)
	case "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("xml-rpc: bad double %q", s)
		}
		return f, nil
	case "string", "dateTime.iso8601":
		return s, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, fmt.Errorf("xml-rpc: bad base64: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("xml-rpc: unknown type <%s>", tag)
}

// text reads an element's text and its end tag, </tag>.
func (s *scanner) text(tag string) (string, error) {
	txt, _, err := s.chars()
	if err != nil {
		return "", err
	}
	if err := s.endTag(tag); err != nil {
		if s.i+1 < len(s.b) && s.b[s.i+1] != '/' {
			return "", s.errorf("unexpected markup in <%s>", tag)
		}
		return "", err
	}
	return txt, nil
}

// internedText is text for a member's name, kept once per document.
func (s *scanner) internedText(tag string) (string, error) {
	start := s.i
	end := bytes.IndexByte(s.b[s.i:], '<')
	if end >= 0 && plainText(s.b[start:start+end]) {
		if n, ok := s.names[string(s.b[start:start+end])]; ok {
			s.i += end
			return n, s.endTag(tag)
		}
	}
	txt, err := s.text(tag)
	if err == nil && len(s.names) < 4096 {
		s.names[txt] = txt
	}
	return txt, err
}

// chars reads character data up to the next tag (start or end), decoding
// entities, character references and CDATA sections and skipping comments
// and processing instructions, as XML does: a carriage return (and the
// line feed after it) is read as a line feed, and a character XML 1.0
// cannot hold is an error. plain is whether the text was only white space.
func (s *scanner) chars() (string, bool, error) {
	start := s.i
	end := bytes.IndexByte(s.b[s.i:], '<')
	if end < 0 {
		return "", false, s.errorf("unexpected end of document")
	}
	seg := s.b[start : start+end]
	next := s.b[start+end:]
	if plainText(seg) && !bytes.HasPrefix(next, []byte("<!")) && !bytes.HasPrefix(next, []byte("<?")) {
		s.i += end
		return string(seg), allSpace(seg), nil
	}
	var out strings.Builder
	out.Grow(end)
	plain := true
	for {
		end := bytes.IndexByte(s.b[s.i:], '<')
		if end < 0 {
			return "", false, s.errorf("unexpected end of document")
		}
		seg := s.b[s.i : s.i+end]
		plain = plain && allSpace(seg)
		if err := s.appendText(&out, seg, true); err != nil {
			return "", false, err
		}
		s.i += end
		rest := s.b[s.i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			close := bytes.Index(rest, []byte("]]>"))
			if close < 0 {
				return "", false, s.errorf("unterminated CDATA section")
			}
			cdata := rest[len("<![CDATA["):close]
			plain = plain && len(cdata) == 0
			if err := s.appendText(&out, cdata, false); err != nil {
				return "", false, err
			}
			s.i += close + 3
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := s.comment(); err != nil {
				return "", false, err
			}
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := s.instruction(); err != nil {
				return "", false, err
			}
		case bytes.HasPrefix(rest, []byte("<!")):
			return "", false, s.errorf("unexpected markup declaration")
		default:
			return out.String(), plain, nil
		}
	}
}

// plainText is text that reads as itself: printable ASCII, tabs and line
// feeds, no entity.
func plainText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' || c >= 0x7f || c == '&' || c == '>' {
			return false
		}
	}
	return true
}

func allSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// appendText appends seg decoded: entities and character references
// (when refs), line ends normalized, every character checked.
func (s *scanner) appendText(out *strings.Builder, seg []byte, refs bool) error {
	for i := 0; i < len(seg); {
		c := seg[i]
		switch {
		case c == '&' && refs:
			r, n, err := entity(seg[i:])
			if err != nil {
				return s.errorf("%v", err)
			}
			out.WriteRune(r)
			i += n
		case c == '\r':
			out.WriteByte('\n')
			i++
			if i < len(seg) && seg[i] == '\n' {
				i++
			}
		case c == '>' && refs && i >= 2 && seg[i-1] == ']' && seg[i-2] == ']':
			return s.errorf("unescaped ]]> in text")
		case c < utf8.RuneSelf:
			if c < 0x20 && c != '\t' && c != '\n' {
				return s.errorf("illegal character code U+%04X", c)
			}
			out.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRune(seg[i:])
			if r == utf8.RuneError && n == 1 {
				return s.errorf("invalid UTF-8")
			}
			if !validXMLChar(r) {
				return s.errorf("illegal character code U+%04X", r)
			}
			out.Write(seg[i : i+n])
			i += n
		}
	}
	return nil
}

// entity reads the reference at the start of b (&name; or &#N; or &#xH;):
// the character and the bytes it took.
func entity(b []byte) (rune, int, error) {
	semi := bytes.IndexByte(b, ';')
	if semi < 0 || semi > 12 {
		return 0, 0, fmt.Errorf("invalid character entity %q", snippet(b))
	}
	name := string(b[1:semi])
	switch name {
	case "lt":
		return '<', semi + 1, nil
	case "gt":
		return '>', semi + 1, nil
	case "amp":
		return '&', semi + 1, nil
	case "apos":
		return '\'', semi + 1, nil
	case "quot":
		return '"', semi + 1, nil
	}
	var n uint64
	var err error
	switch {
	case strings.HasPrefix(name, "#x"):
		n, err = strconv.ParseUint(name[2:], 16, 32)
	case strings.HasPrefix(name, "#"):
		n, err = strconv.ParseUint(name[1:], 10, 32)
	default:
		err = fmt.Errorf("unknown")
	}
	if err != nil || n > utf8.MaxRune || !validXMLChar(rune(n)) || strings.ContainsAny(name, "+-") {
		return 0, 0, fmt.Errorf("invalid character entity &%s;", name)
	}
	return rune(n), semi + 1, nil
}

// snippet is the start of b, for an error message.
func snippet(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
