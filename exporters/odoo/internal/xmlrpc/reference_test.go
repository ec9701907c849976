package xmlrpc

// The decoder this package had before decode.go, on encoding/xml: the
// reference the differential tests hold the decoder to (whatever it reads,
// the reference reads the same).

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// refDecodeResponse reads a methodResponse: its value, or a *Fault.
func refDecodeResponse(r io.Reader) (any, error) {
	d := newRefDecoder(r)
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

// refDecodeCall reads a methodCall: the method name and its parameters.
func refDecodeCall(r io.Reader) (string, []any, error) {
	d := newRefDecoder(r)
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
	if err == refErrEnd {
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
		if err == refErrEnd {
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
		if _, err := d.nextStart(); err != refErrEnd {
			return "", nil, fmt.Errorf("xml-rpc: malformed param")
		}
	}
}

type refDecoder struct{ x *xml.Decoder }

var refErrEnd = errors.New("end of element")

func newRefDecoder(r io.Reader) *refDecoder {
	x := xml.NewDecoder(r)
	x.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return in, nil
		}
		return nil, fmt.Errorf("xml-rpc: unsupported charset %s", charset)
	}
	return &refDecoder{x: x}
}

// nextStart returns the next start tag, or refErrEnd at an end tag.
func (d *refDecoder) nextStart() (string, error) {
	for {
		t, err := d.x.Token()
		if err != nil {
			if err == io.EOF {
				return "", refErrEnd
			}
			return "", fmt.Errorf("xml-rpc: %w", err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			return t.Name.Local, nil
		case xml.EndElement:
			return "", refErrEnd
		}
	}
}

func (d *refDecoder) expect(tag string) error {
	got, err := d.nextStart()
	if err == refErrEnd {
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
func (d *refDecoder) text() (string, error) {
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
func (d *refDecoder) value() (any, error) {
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
			if _, err := d.nextStart(); err != refErrEnd {
				return nil, fmt.Errorf("xml-rpc: more than one type in <value>")
			}
			return v, nil
		}
	}
}

func (d *refDecoder) typed(tag string) (any, error) {
	switch tag {
	case "array":
		if err := d.expect("data"); err != nil {
			return nil, err
		}
		out := []any{}
		for {
			tag, err := d.nextStart()
			if err == refErrEnd {
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
		if _, err := d.nextStart(); err != refErrEnd { // </array>
			return nil, fmt.Errorf("xml-rpc: malformed array")
		}
		return out, nil
	case "struct":
		out := map[string]any{}
		for {
			tag, err := d.nextStart()
			if err == refErrEnd {
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
				if err == refErrEnd {
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
	// The scalars' text was read as the scanner's scalar reads it; what the
	// reference stands for is the XML beneath.
	return scalar(tag, s)
}
