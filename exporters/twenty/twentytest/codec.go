package twentytest

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/axium2crm/axium2crm/exporters/exportertest/arena"
)

// codec encodes a record for a compact table: field names by a number the
// server gives each name once, UUIDs in their 16 bytes, Twenty's
// timestamps and dates as numbers, whole numbers as varints. A record
// decodes to what a JSON round trip of it gives (numbers as float64,
// lists as []any), which is what every answer of the server sends.
type codec struct{ names arena.Names }

func newCodec() *codec { return &codec{} }

const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagString
	tagUUID
	tagTime // Twenty's timestamp text, in milliseconds since 1970
	tagDate // YYYY-MM-DD, in days since 1970
	tagInt  // a whole float64 up to 2^53, zigzag varint
	tagFloat
	tagMap
	tagList
	tagJSON // anything else, as JSON
)

const (
	timeLayout = "2006-01-02T15:04:05.000Z"
	dateLayout = "2006-01-02"
)

func (c *codec) encode(rec map[string]any) []byte {
	return arena.Frame(c.appendValue(make([]byte, 0, 256), rec))
}

// decode reads one record from the start of b.
func (c *codec) decode(b []byte) (map[string]any, int) {
	body, n := arena.Unframe(b)
	v, _ := c.value(body)
	m, _ := v.(map[string]any)
	return m, n
}

func (c *codec) appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, tagNil)
	case bool:
		if x {
			return append(b, tagTrue)
		}
		return append(b, tagFalse)
	case string:
		return appendString(b, x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			break
		}
		return appendFloat(b, f)
	case float64:
		return appendFloat(b, x)
	case int:
		return appendFloat(b, float64(x))
	case int64:
		return appendFloat(b, float64(x))
	case map[string]any:
		return c.names.AppendMap(append(b, tagMap), x, c.appendValue)
	case []any:
		b = append(b, tagList)
		b = binary.AppendUvarint(b, uint64(len(x)))
		for _, e := range x {
			b = c.appendValue(b, e)
		}
		return b
	}
	j, _ := json.Marshal(v)
	b = append(b, tagJSON)
	b = binary.AppendUvarint(b, uint64(len(j)))
	return append(b, j...)
}

func appendString(b []byte, s string) []byte {
	switch len(s) {
	case 36:
		if u, err := uuid.Parse(s); err == nil && u.String() == s {
			return append(append(b, tagUUID), u[:]...)
		}
	case len(timeLayout):
		if t, err := time.Parse(timeLayout, s); err == nil && t.Format(timeLayout) == s {
			return binary.AppendVarint(append(b, tagTime), t.UnixMilli())
		}
	case len(dateLayout):
		if t, err := time.Parse(dateLayout, s); err == nil && t.Format(dateLayout) == s {
			return binary.AppendVarint(append(b, tagDate), t.Unix()/86400)
		}
	}
	b = append(b, tagString)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) <= 1<<53 && !(f == 0 && math.Signbit(f)) {
		return binary.AppendVarint(append(b, tagInt), int64(f))
	}
	return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(f))
}

// value decodes one value from the start of b and says how many bytes it
// took.
func (c *codec) value(b []byte) (any, int) {
	tag, b := b[0], b[1:]
	switch tag {
	case tagNil:
		return nil, 1
	case tagFalse:
		return false, 1
	case tagTrue:
		return true, 1
	case tagString:
		n, w := binary.Uvarint(b)
		return string(b[w : w+int(n)]), 1 + w + int(n)
	case tagUUID:
		return uuid.UUID(b[:16]).String(), 17
	case tagTime:
		ms, w := binary.Varint(b)
		return time.UnixMilli(ms).UTC().Format(timeLayout), 1 + w
	case tagDate:
		d, w := binary.Varint(b)
		return time.Unix(d*86400, 0).UTC().Format(dateLayout), 1 + w
	case tagInt:
		i, w := binary.Varint(b)
		return float64(i), 1 + w
	case tagFloat:
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), 9
	case tagMap:
		m, w := c.names.ReadMap(b, c.value)
		return m, 1 + w
	case tagList:
		n, w := binary.Uvarint(b)
		used := 1 + w
		l := make([]any, 0, n)
		for range n {
			v, vw := c.value(b[used-1:])
			used += vw
			l = append(l, v)
		}
		return l, used
	case tagJSON:
		n, w := binary.Uvarint(b)
		var v any
		_ = json.Unmarshal(b[w:w+int(n)], &v)
		return v, 1 + w + int(n)
	}
	panic("twentytest: corrupt compact record")
}
