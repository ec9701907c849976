package xmlrpc

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The testdata files were written by Python's xmlrpc.client, which Odoo's
// marshaller extends: they are the wire format Odoo sends and reads.
func TestDecodePythonWireFormat(t *testing.T) {
	f, err := os.Open("testdata/response.xml")
	require.NoError(t, err)
	defer f.Close()
	v, err := DecodeResponse(f)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"ids": []any{int64(1), int64(2)}, "ok": true, "f": 1.5, "s": "a<b&c é", "b": []byte("hi"),
		"e": []any{}, "none": false, "nested": map[string]any{"k": []any{int64(1), "x"}},
	}, v)

	f2, err := os.Open("testdata/fault.xml")
	require.NoError(t, err)
	defer f2.Close()
	_, err = DecodeResponse(f2)
	var fault *Fault
	require.ErrorAs(t, err, &fault)
	assert.Equal(t, 2, fault.Code)
	assert.Equal(t, "The operation cannot be completed: mandatory", fault.String)

	f3, err := os.Open("testdata/call.xml")
	require.NoError(t, err)
	defer f3.Close()
	name, params, err := DecodeCall(f3)
	require.NoError(t, err)
	assert.Equal(t, "execute_kw", name)
	assert.Equal(t, []any{"db", int64(2), "pw", "res.partner", "create",
		[]any{[]any{map[string]any{"name": "A"}}}, map[string]any{}}, params)
}

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want any
	}{
		{"nil is False", nil, false},
		{"ints", []int64{1, -2, 2147483647}, []any{int64(1), int64(-2), int64(2147483647)}},
		{"double", 12.5, 12.5},
		{"string escapes", "<a & 'b'>\n\t", "<a & 'b'>\n\t"},
		{"bytes are base64", []byte{0, 1, 255}, []byte{0, 1, 255}},
		{"nested", map[string]any{"a": []any{true, "x", map[string]string{"k": "v"}}},
			map[string]any{"a": []any{true, "x", map[string]any{"k": "v"}}}},
		{"empty list", []any{}, []any{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := EncodeResponse(tc.in)
			require.NoError(t, err)
			got, err := DecodeResponse(bytes.NewReader(b))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	cases := []struct {
		name string
		in   any
		msg  string
	}{
		{"control character", "a\x01b", "cannot carry"},
		{"int beyond 32 bits", int64(1) << 40, "exceeds XML-RPC limits"},
		{"non-string keys", map[int]string{1: "a"}, "keys must be strings"},
		{"channels", make(chan int), "cannot encode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EncodeCall("m", tc.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

// malformed are documents no decoder may read.
var malformed = []string{
	"<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
	"<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>",
	"<methodResponse><params><param><value><foo>1</foo></value></param></params></methodResponse>",
	"<methodResponse><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodResponse>",
	"<html>502 Bad Gateway</html>",
	"",
	// An end tag that closes another element, and a document cut
	// short inside a value.
	"<methodResponse><params><param><value><int>1</string></value></param></params></methodResponse>",
	"<methodResponse><params><param><value><array><data><value><int>1</int></value>",
	"<methodResponse><params><param><value><struct><member><name>a</name><value>x</value></member>",
}

func TestDecodeRejectsMalformed(t *testing.T) {
	for _, doc := range malformed {
		_, err := DecodeResponse(bytes.NewReader([]byte(doc)))
		assert.Error(t, err, doc)
	}
}

// Python's own parser (the one Odoo uses) reads what we encode.
func TestPythonReadsOurCalls(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	b, err := EncodeCall("execute_kw", "db", 2, "pw", "res.partner", "create",
		[]any{[]any{map[string]any{"name": "Zoë <A&B>", "active": true, "x_n": 1.25, "parent_id": false, "datas": "aGk="}}},
		map[string]any{})
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", "import sys, xmlrpc.client as x; p, m = x.loads(sys.stdin.buffer.read()); print(m, repr(p))")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "execute_kw ('db', 2, 'pw', 'res.partner', 'create', [[{'active': True, 'datas': 'aGk=', 'name': 'Zoë <A&B>', 'parent_id': False, 'x_n': 1.25}]], {})\n", string(out))
}

// BenchmarkDecodeResponse reads what a verify's read of 200 records
// brings back: the cost per record of the client's XML-RPC side, with the
// scanner and with the encoding/xml decoder it replaced.
func BenchmarkDecodeResponse(b *testing.B) {
	recs := make([]any, 200)
	for i := range recs {
		r := map[string]any{"id": int64(i + 1), "display_name": "Patient " + strconv.Itoa(i), "active": true,
			"partner_id": []any{int64(7), "Dental School"}, "amount_total": 123.45, "tag_ids": []any{int64(1), int64(2)}}
		for f := range 14 {
			r["x_field_"+strconv.Itoa(f)] = "value & <text> " + strconv.Itoa(i*f)
		}
		recs[i] = r
	}
	doc, err := EncodeResponse(recs)
	require.NoError(b, err)
	for _, dec := range []struct {
		name string
		fn   func([]byte) (any, error)
	}{
		{"scanner", DecodeResponseBytes},
		{"encoding-xml", func(d []byte) (any, error) { return refDecodeResponse(bytes.NewReader(d)) }},
	} {
		b.Run(dec.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := dec.fn(doc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs))/1000, "µs/record")
		})
	}
}

// BenchmarkEncodeCall writes what a push's create of 500 records sends.
func BenchmarkEncodeCall(b *testing.B) {
	recs := make([]any, 500)
	for i := range recs {
		r := map[string]any{"name": "Patient " + strconv.Itoa(i), "active": true, "partner_id": int64(7), "amount": 12.5, "note": nil}
		for f := range 15 {
			r["x_field_"+strconv.Itoa(f)] = "value & <text> " + strconv.Itoa(i*f)
		}
		recs[i] = r
	}
	for b.Loop() {
		if _, err := EncodeCall("execute_kw", "odoo", int64(2), "secret", "x_perio_record", "create", []any{recs}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs))/1000, "µs/record")
}
