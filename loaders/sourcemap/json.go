package sourcemap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// JSON exports (an API's pages) are proposed like delimited files: the
// records' keys are the headers, in the order they first appear, and their
// values are profiled as the loader lands them (strings as they are,
// numbers and booleans as their JSON text, nested values as JSON).

// recordMembers are the members a page wraps its records in, tried in
// order (the loader's own list: records_path overrides it).
var recordMembers = []string{"data", "records", "items", "results", "rows", "value"}

// readJSONSample reads up to sampleRows records of a JSON file: an array
// of records, a page wrapping one ({"data": [...]}), or one record per
// line.
func readJSONSample(p string) (*sample, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSampleBytes))
	if err != nil {
		return nil, err
	}
	b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
	s := &sample{encoding: "utf-8", delimiter: ","}
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, errors.New("the file is empty")
	}
	var recs []json.RawMessage
	switch t[0] {
	case '[':
		recs, err = arrayHead(t)
	case '{':
		// A page wrapping its records, or the first of one record per line.
		var page map[string]json.RawMessage
		if json.Unmarshal(t, &page) == nil {
			for _, m := range recordMembers {
				if v, ok := page[m]; ok && len(bytes.TrimSpace(v)) > 0 && bytes.TrimSpace(v)[0] == '[' {
					recs, err = arrayHead(v)
					break
				}
			}
			if recs == nil && err == nil {
				recs = []json.RawMessage{t} // a single record
			}
		} else {
			dec := json.NewDecoder(bytes.NewReader(t))
			for len(recs) < sampleRows {
				var r json.RawMessage
				if err := dec.Decode(&r); err != nil {
					break // the line cut by the sample's end, or a bad one: the loader rejects it
				}
				recs = append(recs, r)
			}
		}
	default:
		return nil, fmt.Errorf("not a JSON array, page or records (starts with %q)", t[0])
	}
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	var rows []map[string]string
	for _, r := range recs {
		keys, vals, err := orderedRecord(r)
		if err != nil {
			continue
		}
		row := map[string]string{}
		for i, k := range keys {
			if _, ok := index[k]; !ok {
				index[k] = len(s.headers)
				s.headers = append(s.headers, k)
			}
			row[k] = vals[i]
		}
		rows = append(rows, row)
	}
	for _, r := range rows {
		rec := make([]string, len(s.headers))
		for k, v := range r {
			rec[index[k]] = v
		}
		s.rows = append(s.rows, rec)
	}
	if len(s.headers) == 0 {
		return nil, errors.New("no record with members in the sample")
	}
	return s, nil
}

// arrayHead decodes the first records of a JSON array, stopping at the
// sample's size (the array may be cut at the end of the sample).
func arrayHead(b []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out []json.RawMessage
	for dec.More() && len(out) < sampleRows {
		var r json.RawMessage
		if err := dec.Decode(&r); err != nil {
			break
		}
		out = append(out, r)
	}
	return out, nil
}

// orderedRecord reads a record's members in their order, values as the
// loader lands them.
func orderedRecord(r json.RawMessage) ([]string, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("not an object")
	}
	var keys, vals []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		vals = append(vals, jsonText(v))
	}
	return keys, vals, nil
}

func jsonText(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	switch {
	case len(t) == 0 || string(t) == "null":
		return ""
	case t[0] == '"':
		var s string
		if json.Unmarshal(t, &s) == nil {
			return s
		}
	}
	return string(t)
}
