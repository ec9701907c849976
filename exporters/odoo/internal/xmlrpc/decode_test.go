package xmlrpc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wireWriter writes a value as XML-RPC in one of the many ways a server
// may: Python's line breaks, untyped strings, <i4>, <nil/>, comments,
// CDATA, character references, CRLF line ends. Every document it writes
// is one XML-RPC allows.
type wireWriter struct {
	r *rand.Rand
	b strings.Builder
}

func (w *wireWriter) gap() {
	switch w.r.IntN(6) {
	case 0:
		w.b.WriteString("\n")
	case 1:
		w.b.WriteString(" \r\n\t")
	case 2:
		w.b.WriteString("<!-- note -->")
	}
}

func (w *wireWriter) text(s string) {
	for _, r := range s {
		switch {
		case r == '<':
			w.b.WriteString([]string{"&lt;", "&#60;", "&#x3c;"}[w.r.IntN(3)])
		case r == '&':
			w.b.WriteString([]string{"&amp;", "&#38;"}[w.r.IntN(2)])
		case r == '>':
			w.b.WriteString([]string{"&gt;", ">"}[w.r.IntN(2)])
		case r == '\r':
			w.b.WriteString("&#xD;")
		case r == '\n' && w.r.IntN(3) == 0:
			w.b.WriteString("\r\n") // read back as \n
		case r > 0x7f && w.r.IntN(3) == 0:
			fmt.Fprintf(&w.b, "&#x%X;", r)
		case r == '"' && w.r.IntN(2) == 0:
			w.b.WriteString("&quot;")
		case r == '\'' && w.r.IntN(2) == 0:
			w.b.WriteString("&apos;")
		default:
			w.b.WriteRune(r)
		}
	}
}

func (w *wireWriter) value(v any) {
	w.gap()
	w.b.WriteString("<value>")
	switch x := v.(type) {
	case string:
		switch w.r.IntN(4) {
		case 0:
			w.text(x) // untyped
		case 1:
			if !strings.Contains(x, "]]>") && !strings.Contains(x, "\r") {
				w.b.WriteString("<string><![CDATA[" + x + "]]></string>")
				break
			}
			fallthrough
		default:
			if x == "" && w.r.IntN(2) == 0 {
				w.b.WriteString("<string/>")
				break
			}
			w.b.WriteString("<string>")
			w.text(x)
			w.b.WriteString("</string>")
		}
	case int64:
		tag := []string{"int", "i4", "i8"}[w.r.IntN(3)]
		fmt.Fprintf(&w.b, "<%s>%d</%s>", tag, x, tag)
	case float64:
		fmt.Fprintf(&w.b, "<double>%s</double>", strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		if x {
			w.b.WriteString("<boolean>1</boolean>")
		} else {
			w.b.WriteString("<boolean> 0 </boolean>")
		}
	case nil:
		w.b.WriteString([]string{"<nil/>", "<nil></nil>"}[w.r.IntN(2)])
	case []any:
		if len(x) == 0 && w.r.IntN(2) == 0 {
			w.b.WriteString("<array><data/></array>")
			break
		}
		w.b.WriteString("<array>")
		w.gap()
		w.b.WriteString("<data>")
		for _, e := range x {
			w.value(e)
		}
		w.gap()
		w.b.WriteString("</data></array>")
	case map[string]any:
		if len(x) == 0 && w.r.IntN(2) == 0 {
			w.b.WriteString("<struct/>")
			break
		}
		w.b.WriteString("<struct>")
		for k, e := range x {
			w.gap()
			w.b.WriteString("<member>")
			w.gap()
			w.b.WriteString("<name>")
			w.text(k)
			w.b.WriteString("</name>")
			w.value(e)
			w.gap()
			w.b.WriteString("</member>")
		}
		w.gap()
		w.b.WriteString("</struct>")
	default:
		panic(fmt.Sprintf("%T", v))
	}
	w.b.WriteString("</value>")
	w.gap()
}

func (w *wireWriter) response(v any) string {
	w.b.Reset()
	w.b.WriteString([]string{"<?xml version='1.0'?>\n", `<?xml version="1.0" encoding="UTF-8"?>`, ""}[w.r.IntN(3)])
	w.b.WriteString("<methodResponse>")
	w.gap()
	w.b.WriteString("<params><param>")
	w.value(v)
	w.b.WriteString("</param>")
	w.gap()
	w.b.WriteString("</params></methodResponse>\n")
	return w.b.String()
}

var sampleRunes = []rune("aZ09 <>&\"'\t\n\réñ€😀\u00a0;#x]")

func randomString(r *rand.Rand) string {
	n := r.IntN(12)
	var b strings.Builder
	for range n {
		b.WriteRune(sampleRunes[r.IntN(len(sampleRunes))])
	}
	return b.String()
}

func randomValue(r *rand.Rand, depth int) any {
	switch k := r.IntN(9); {
	case k == 0 && depth < 4:
		l := make([]any, r.IntN(4))
		for i := range l {
			l[i] = randomValue(r, depth+1)
		}
		return l
	case k == 1 && depth < 4:
		m := map[string]any{}
		for range r.IntN(5) {
			m[randomString(r)] = randomValue(r, depth+1)
		}
		return m
	case k == 2:
		return r.Int64N(1<<40) - 1<<39
	case k == 3:
		return float64(r.IntN(100000)) / 8
	case k == 4:
		return r.IntN(2) == 0
	case k == 5:
		return nil
	}
	return randomString(r)
}

// The decoder reads every way of writing a value the same as the
// encoding/xml decoder it replaced, and reads our own encoding back to
// the value encoded.
func TestDecodeMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	w := &wireWriter{r: r}
	for i := range 3000 {
		v := randomValue(r, 0)
		doc := w.response(v)
		got, err := DecodeResponseBytes([]byte(doc))
		require.NoError(t, err, "document %d:\n%s", i, doc)
		want, err := refDecodeResponse(strings.NewReader(doc))
		require.NoError(t, err, "document %d:\n%s", i, doc)
		require.Equal(t, want, got, "document %d:\n%s", i, doc)

		enc, err := EncodeResponse(v)
		if err != nil {
			continue // an int beyond 32 bits
		}
		got, err = DecodeResponseBytes(enc)
		require.NoError(t, err)
		want, err = refDecodeResponse(bytes.NewReader(enc))
		require.NoError(t, err)
		require.Equal(t, want, got, "%s", enc)
	}
}

// Whatever the decoder reads, the reference reads the same; it may refuse
// more (text outside values, attributes, trailing content).
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"testdata/response.xml", "testdata/fault.xml", "testdata/call.xml"} {
		b, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(b)
	}
	for _, doc := range malformed {
		f.Add([]byte(doc))
	}
	r := rand.New(rand.NewPCG(3, 4))
	w := &wireWriter{r: r}
	for range 20 {
		f.Add([]byte(w.response(randomValue(r, 0))))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if got, err := DecodeResponseBytes(doc); err == nil {
			want, rerr := refDecodeResponse(bytes.NewReader(doc))
			require.NoError(t, rerr, "%q", doc)
			require.Equal(t, want, got, "%q", doc)
		} else if f, ok := err.(*Fault); ok {
			_, rerr := refDecodeResponse(bytes.NewReader(doc))
			require.Equal(t, f, rerr, "%q", doc)
		}
		if name, params, err := DecodeCallBytes(doc); err == nil {
			rname, rparams, rerr := refDecodeCall(bytes.NewReader(doc))
			require.NoError(t, rerr, "%q", doc)
			require.Equal(t, rname, name)
			require.Equal(t, rparams, params, "%q", doc)
		}
	})
}

// What the decoder refuses that encoding/xml read: XML-RPC has none of it,
// and a server that sends it is not one the client knows.
func TestDecodeRefusesWhatXMLRPCHasNot(t *testing.T) {
	wrap := func(v string) string {
		return "<methodResponse><params><param><value>" + v + "</value></param></params></methodResponse>"
	}
	for _, doc := range []string{
		wrap(`<int a="1">1</int>`),
		wrap(`<x:int>1</x:int>`),
		wrap(`junk<int>1</int>`),
		wrap(`<int>1</int>`) + "<more/>",
		"<!DOCTYPE x><methodResponse/>",
		wrap("<string>a\x01</string>"),
		wrap("<string>\xff</string>"),
		wrap("<string>&bogus;</string>"),
		wrap("<string>&#0;</string>"),
		wrap(strings.Repeat("<array><data><value>", maxDepth+1) + "1"),
	} {
		_, err := DecodeResponseBytes([]byte(doc))
		assert.Error(t, err, doc)
	}
}
