// Package xmlrpc is the XML-RPC codec the Odoo client and its test server
// share: method calls, responses and faults as Odoo's Python marshaller
// writes and reads them.
//
// Values map to Go as: int/i4/i8 → int64, boolean → bool, double → float64,
// string (or untyped text) → string, base64 → []byte, array → []any,
// struct → map[string]any, nil → nil (Odoo never sends it; Python accepts
// it in requests but Odoo's own marshaller refuses it in responses, so the
// encoder writes nil as False, Odoo's empty value).
package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Fault is an XML-RPC fault as the server sent it.
type Fault struct {
	Code   int
	String string
}

func (f *Fault) Error() string { return fmt.Sprintf("xml-rpc fault %d: %s", f.Code, f.String) }

// EncodeCall writes a methodCall document.
func EncodeCall(method string, params ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><methodCall><methodName>`)
	xml.EscapeText(&b, []byte(method))
	b.WriteString(`</methodName><params>`)
	for i, p := range params {
		b.WriteString("<param>")
		if err := encodeAny(&b, p); err != nil {
			return nil, fmt.Errorf("param %d: %w", i+1, err)
		}
		b.WriteString("</param>")
	}
	b.WriteString("</params></methodCall>")
	return b.Bytes(), nil
}

// EncodeResponse writes a methodResponse holding one value.
func EncodeResponse(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><methodResponse><params><param>`)
	if err := encodeAny(&b, v); err != nil {
		return nil, err
	}
	b.WriteString("</param></params></methodResponse>")
	return b.Bytes(), nil
}

// EncodeFault writes a methodResponse holding a fault.
func EncodeFault(code int, msg string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><methodResponse><fault>`)
	_ = encodeValue(&b, reflect.ValueOf(map[string]any{"faultCode": code, "faultString": stripControl(msg)}))
	b.WriteString("</fault></methodResponse>")
	return b.Bytes()
}

// stripControl drops the characters XML 1.0 cannot hold, as Odoo does on
// the strings it sends.
func stripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if !validXMLChar(r) {
			return -1
		}
		return r
	}, s)
}

func validXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// ErrInvalidChar reports a string holding a character XML 1.0 cannot carry.
var ErrInvalidChar = errors.New("string holds a character XML-RPC cannot carry")

// encodeAny writes the types a call or an answer is made of (the values
// of maps and slices of any) without reflection, and hands any other to
// encodeValue; both write the same document for the same value.
func encodeAny(b *bytes.Buffer, x any) error {
	switch x := x.(type) {
	case nil:
		b.WriteString("<value><boolean>0</boolean></value>")
	case bool:
		if x {
			b.WriteString("<value><boolean>1</boolean></value>")
		} else {
			b.WriteString("<value><boolean>0</boolean></value>")
		}
	case string:
		b.WriteString("<value>")
		if err := encodeString(b, x); err != nil {
			return err
		}
		b.WriteString("</value>")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("<value><struct>")
		for _, k := range keys {
			b.WriteString("<member><name>")
			escape(b, k)
			b.WriteString("</name>")
			if err := encodeAny(b, x[k]); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			b.WriteString("</member>")
		}
		b.WriteString("</struct></value>")
	case []any:
		b.WriteString("<value><array><data>")
		for _, e := range x {
			if err := encodeAny(b, e); err != nil {
				return err
			}
		}
		b.WriteString("</data></array></value>")
	default:
		return encodeValue(b, reflect.ValueOf(x))
	}
	return nil
}

// encodeString writes a <string> element.
func encodeString(b *bytes.Buffer, s string) error {
	for _, r := range s {
		if !validXMLChar(r) {
			return fmt.Errorf("%w: %q", ErrInvalidChar, r)
		}
	}
	b.WriteString("<string>")
	escape(b, s)
	b.WriteString("</string>")
	return nil
}

// escape writes s as xml.EscapeText does, without copying a string that
// has nothing to escape.
func escape(b *bytes.Buffer, s string) {
	if !strings.ContainsAny(s, "\"'&<>\t\n\r") {
		b.WriteString(s)
		return
	}
	xml.EscapeText(b, []byte(s))
}

func encodeValue(b *bytes.Buffer, v reflect.Value) error {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			v = reflect.Value{}
			break
		}
		v = v.Elem()
	}
	b.WriteString("<value>")
	if !v.IsValid() {
		b.WriteString("<boolean>0</boolean></value>")
		return nil
	}
	if t, ok := v.Interface().(time.Time); ok {
		b.WriteString("<dateTime.iso8601>" + t.Format("20060102T15:04:05") + "</dateTime.iso8601></value>")
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			b.WriteString("<boolean>1</boolean>")
		} else {
			b.WriteString("<boolean>0</boolean>")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		if n > math.MaxInt32 || n < math.MinInt32 {
			// Python's marshaller refuses ints beyond 32 bits; Odoo ids fit.
			return fmt.Errorf("int %d exceeds XML-RPC limits", n)
		}
		b.WriteString("<int>" + strconv.FormatInt(n, 10) + "</int>")
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := v.Uint()
		if n > math.MaxInt32 {
			return fmt.Errorf("int %d exceeds XML-RPC limits", n)
		}
		b.WriteString("<int>" + strconv.FormatUint(n, 10) + "</int>")
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("double %v cannot be sent", f)
		}
		b.WriteString("<double>" + strconv.FormatFloat(f, 'f', -1, 64) + "</double>")
	case reflect.String:
		if err := encodeString(b, v.String()); err != nil {
			return err
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b.WriteString("<base64>" + base64.StdEncoding.EncodeToString(v.Bytes()) + "</base64>")
			break
		}
		b.WriteString("<array><data>")
		for i := 0; i < v.Len(); i++ {
			if err := encodeValue(b, v.Index(i)); err != nil {
				return err
			}
		}
		b.WriteString("</data></array>")
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("struct keys must be strings, not %s", v.Type().Key())
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		b.WriteString("<struct>")
		for _, k := range keys {
			b.WriteString("<member><name>")
			xml.EscapeText(b, []byte(k))
			b.WriteString("</name>")
			if err := encodeValue(b, v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			b.WriteString("</member>")
		}
		b.WriteString("</struct>")
	default:
		return fmt.Errorf("cannot encode %s", v.Type())
	}
	b.WriteString("</value>")
	return nil
}

// DecodeResponse reads a methodResponse: its value, or a *Fault.
func DecodeResponse(r io.Reader) (any, error) {
	d := newDecoder(r)
	if err := d.expect("methodResponse"); err != nil {
		return nil, err
	}
	tag, err := d.nextStart()
	if err != nil {
		return nil, err
	}
	switch tag {
	case "fault":
		if err := d.expect("value"); err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
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
	case "params":
		if err := d.expect("param"); err != nil {
			return nil, err
		}
		if err := d.expect("value"); err != nil {
			return nil, err
		}
		return d.value()
	}
	return nil, fmt.Errorf("xml-rpc: unexpected <%s> in methodResponse", tag)
}

// DecodeCall reads a methodCall: the method name and its parameters.
func DecodeCall(r io.Reader) (string, []any, error) {
	d := newDecoder(r)
	if err := d.expect("methodCall"); err != nil {
		return "", nil, err
	}
	if err := d.expect("methodName"); err != nil {
		return "", nil, err
	}
	name, err := d.text()
	if err != nil {
		return "", nil, err
	}
	var params []any
	tag, err := d.nextStart()
	if err == errEnd {
		return name, nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	if tag != "params" {
		return "", nil, fmt.Errorf("xml-rpc: unexpected <%s> in methodCall", tag)
	}
	for {
		tag, err := d.nextStart()
		if err == errEnd {
			return name, params, nil
		}
		if err != nil {
			return "", nil, err
		}
		if tag != "param" {
			return "", nil, fmt.Errorf("xml-rpc: unexpected <%s> in params", tag)
		}
		if err := d.expect("value"); err != nil {
			return "", nil, err
		}
		v, err := d.value()
		if err != nil {
			return "", nil, err
		}
		params = append(params, v)
		if _, err := d.nextStart(); err != errEnd {
			return "", nil, fmt.Errorf("xml-rpc: malformed param")
		}
	}
}

type decoder struct{ x *xml.Decoder }

var errEnd = errors.New("end of element")

func newDecoder(r io.Reader) *decoder {
	x := xml.NewDecoder(r)
	x.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return in, nil
		}
		return nil, fmt.Errorf("xml-rpc: unsupported charset %s", charset)
	}
	return &decoder{x: x}
}

// nextStart returns the next start tag, or errEnd at an end tag.
func (d *decoder) nextStart() (string, error) {
	for {
		t, err := d.x.Token()
		if err != nil {
			if err == io.EOF {
				return "", errEnd
			}
			return "", fmt.Errorf("xml-rpc: %w", err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			return t.Name.Local, nil
		case xml.EndElement:
			return "", errEnd
		}
	}
}

func (d *decoder) expect(tag string) error {
	got, err := d.nextStart()
	if err == errEnd {
		return fmt.Errorf("xml-rpc: expected <%s>", tag)
	}
	if err != nil {
		return err
	}
	if got != tag {
		return fmt.Errorf("xml-rpc: expected <%s>, got <%s>", tag, got)
	}
	return nil
}

// text reads character data up to the current element's end.
func (d *decoder) text() (string, error) {
	var b strings.Builder
	for {
		t, err := d.x.Token()
		if err != nil {
			return "", fmt.Errorf("xml-rpc: %w", err)
		}
		switch t := t.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("xml-rpc: unexpected <%s> in text", t.Name.Local)
		}
	}
}

// value reads the inside of a <value> element, consuming its end tag.
func (d *decoder) value() (any, error) {
	var text strings.Builder
	for {
		t, err := d.x.Token()
		if err != nil {
			return nil, fmt.Errorf("xml-rpc: %w", err)
		}
		switch t := t.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			// Untyped text is a string.
			return text.String(), nil
		case xml.StartElement:
			v, err := d.typed(t.Name.Local)
			if err != nil {
				return nil, err
			}
			if _, err := d.nextStart(); err != errEnd {
				return nil, fmt.Errorf("xml-rpc: more than one type in <value>")
			}
			return v, nil
		}
	}
}

func (d *decoder) typed(tag string) (any, error) {
	switch tag {
	case "array":
		if err := d.expect("data"); err != nil {
			return nil, err
		}
		out := []any{}
		for {
			tag, err := d.nextStart()
			if err == errEnd {
				break
			}
			if err != nil {
				return nil, err
			}
			if tag != "value" {
				return nil, fmt.Errorf("xml-rpc: unexpected <%s> in array", tag)
			}
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if _, err := d.nextStart(); err != errEnd { // </array>
			return nil, fmt.Errorf("xml-rpc: malformed array")
		}
		return out, nil
	case "struct":
		out := map[string]any{}
		for {
			tag, err := d.nextStart()
			if err == errEnd {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			if tag != "member" {
				return nil, fmt.Errorf("xml-rpc: unexpected <%s> in struct", tag)
			}
			var name string
			var val any
			var seen bool
			for {
				tag, err := d.nextStart()
				if err == errEnd {
					break
				}
				if err != nil {
					return nil, err
				}
				switch tag {
				case "name":
					if name, err = d.text(); err != nil {
						return nil, err
					}
				case "value":
					if val, err = d.value(); err != nil {
						return nil, err
					}
					seen = true
				default:
					return nil, fmt.Errorf("xml-rpc: unexpected <%s> in member", tag)
				}
			}
			if !seen {
				return nil, fmt.Errorf("xml-rpc: member %q has no value", name)
			}
			out[name] = val
		}
	case "nil":
		if _, err := d.text(); err != nil {
			return nil, err
		}
		return nil, nil
	}
	s, err := d.text()
	if err != nil {
		return nil, err
	}
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
	case "string":
		return s, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, fmt.Errorf("xml-rpc: bad base64: %w", err)
		}
		return b, nil
	case "dateTime.iso8601":
		return s, nil
	}
	return nil, fmt.Errorf("xml-rpc: unknown type <%s>", tag)
}
