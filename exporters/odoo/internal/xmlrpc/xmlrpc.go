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
