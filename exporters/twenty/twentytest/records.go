package twentytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// queryMaxRecords is QUERY_MAX_RECORDS (twenty-shared constants).
const queryMaxRecords = 200

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func decodeBody(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return badRequest("Invalid JSON body: %v", err)
	}
	return nil
}

func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request, plural string) *apiError {
	var body []map[string]any
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	upsert := r.URL.Query().Get("upsert") == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objectByPlural(plural)
	if o == nil {
		return badRequest("object '%s' not found", plural)
	}
	if len(body) == 0 {
		return badRequest("Input must not be empty")
	}
	if len(body) > queryMaxRecords {
		return badRequest("Maximum number of records to upsert is %d.", queryMaxRecords)
	}
	s.stats.BatchSizes = append(s.stats.BatchSizes, len(body))
	out, err := s.writeMany(o, body, upsert)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{o.NamePlural: out}})
	return nil
}

func (s *Server) handleCreateOne(w http.ResponseWriter, r *http.Request, plural string) *apiError {
	var body map[string]any
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objectByPlural(plural)
	if o == nil {
		return badRequest("object '%s' not found", plural)
	}
	out, err := s.writeMany(o, []map[string]any{body}, r.URL.Query().Get("upsert") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{"create" + capitalize(o.NameSingular): out[0]}})
	return nil
}

// writeMany validates every record, then writes all or none: Twenty runs a
// create-many in one transaction.
func (s *Server) writeMany(o *Object, body []map[string]any, upsert bool) ([]map[string]any, *apiError) {
	store := s.tables[o.NameSingular]
	type op struct {
		id     string
		rec    map[string]any
		update bool
	}
	var ops []op
	pending := map[string]map[string]any{} // ids written earlier in this batch
	// The stored unique values (soft-deleted rows included, as in Twenty's
	// unique indexes).
	index := store.uniques()
	for _, in := range body {
		rec, err := s.validate(o, in, true)
		if err != nil {
			return nil, err
		}
		id, _ := rec["id"].(string)
		matches := map[string]bool{}
		if id != "" {
			if store.has(id) {
				matches[id] = true
			} else if _, ok := pending[id]; ok {
				matches[id] = true
			}
		}
		for _, uf := range uniqueFields(o) {
			v := uniqueValue(uf, rec)
			if v == "" {
				continue
			}
			for _, oid := range index[uf.Name][v] {
				if !upsert && oid != id {
					return nil, badRequest("Duplicate %s. Please set a unique one.", uf.Label)
				}
				matches[oid] = true
			}
			for oid, other := range pending {
				if uniqueValue(uf, other) == v && oid != id {
					return nil, badRequest("Duplicate %s. Please set a unique one.", uf.Label)
				}
			}
		}
		if !upsert && id != "" && matches[id] {
			return nil, badRequest("A duplicate entry was detected")
		}
		if len(matches) > 1 {
			return nil, badRequest("Multiple records found with the same unique field values for %s. Cannot determine which record to update.", describeUnique(o, rec))
		}
		if len(matches) == 1 {
			for mid := range matches {
				rec["id"] = mid
				ops = append(ops, op{id: mid, rec: rec, update: true})
				pending[mid] = rec
			}
			continue
		}
		if id == "" {
			id = uuid.NewString()
			rec["id"] = id
		}
		ops = append(ops, op{id: id, rec: rec})
		pending[id] = rec
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	out := make([]map[string]any, 0, len(ops))
	for _, p := range ops {
		if p.update {
			cur, _ := store.edit(p.id)
			if cur == nil {
				cur = map[string]any{}
			}
			for k, v := range p.rec {
				cur[k] = v
			}
			cur["deletedAt"] = nil // upsert revives a soft-deleted match
			cur["updatedAt"] = now
			s.stats.Updated[o.NameSingular]++
			out = append(out, cloneRecord(cur))
			store.put(p.id, s.keep(o, cur))
			continue
		}
		rec := p.rec
		if rec["createdAt"] == nil {
			rec["createdAt"] = now
		}
		rec["updatedAt"] = now
		rec["deletedAt"] = nil
		s.stats.Created[o.NameSingular]++
		out = append(out, cloneRecord(rec))
		store.put(p.id, s.keep(o, rec))
	}
	return out, nil
}

// keep is the record as the store keeps it: under Options.Lean a new map
// with only the fields a later call checks (a map the other fields were
// deleted from would keep their room), otherwise the record itself.
func (s *Server) keep(o *Object, rec map[string]any) map[string]any {
	if !s.opt.Lean {
		return rec
	}
	out := make(map[string]any, 8)
	for _, k := range []string{"id", "createdAt", "updatedAt", "deletedAt"} {
		if v, ok := rec[k]; ok {
			out[k] = v
		}
	}
	for _, f := range o.Fields {
		if f.IsUnique || f.Relation != nil || f.Type == "FILES" {
			for _, k := range []string{f.Name, f.Name + "Id"} {
				if v, ok := rec[k]; ok {
					out[k] = v
				}
			}
		}
	}
	return out
}

func uniqueFields(o *Object) []*Field {
	var out []*Field
	for _, f := range o.Fields {
		if f.IsUnique && f.Name != "id" {
			out = append(out, f)
		}
	}
	return out
}

// uniqueValue is the normalised value a unique index compares, "" when
// unset.
func uniqueValue(f *Field, rec map[string]any) string {
	v := rec[f.Name]
	if f.uniqueSub != "" {
		m, _ := v.(map[string]any)
		v = m[f.uniqueSub]
	}
	str, _ := v.(string)
	return strings.ToLower(strings.TrimSpace(str))
}

func describeUnique(o *Object, rec map[string]any) string {
	parts := []string{}
	if id, ok := rec["id"].(string); ok {
		parts = append(parts, "id (id: "+id+")")
	}
	for _, f := range uniqueFields(o) {
		if v := uniqueValue(f, rec); v != "" {
			p := f.Name
			if f.uniqueSub != "" {
				p += "." + f.uniqueSub
			}
			parts = append(parts, fmt.Sprintf("%s (%s: %s)", f.Name, p, v))
		}
	}
	return strings.Join(parts, "; ")
}

// validate checks one input record against the object's fields and returns
// the record as stored. create is false for PATCH.
func (s *Server) validate(o *Object, in map[string]any, create bool) (map[string]any, *apiError) {
	rec := map[string]any{}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := in[k]
		if jc := o.fieldByJoinColumn(k); jc != nil {
			if v == nil {
				rec[k] = nil
				continue
			}
			id, ok := v.(string)
			if !ok || uuid.Validate(id) != nil {
				return nil, badRequest("Invalid UUID format for %s", k)
			}
			target := s.objectByID(jc.Relation.TargetObjectMetadataID)
			if !s.tables[target.NameSingular].has(id) {
				return nil, badRequest("insert or update on table \"%s\" violates foreign key constraint: %s %s does not exist in %s",
					o.NameSingular, k, id, target.NameSingular)
			}
			rec[k] = id
			continue
		}
		f := o.field(k)
		if f == nil {
			return nil, badRequest("Object %s doesn't have any \"%s\" field.", o.NameSingular, k)
		}
		var cv any
		var err *apiError
		if f.Type == "FILES" && s.v2() {
			cv, err = s.checkFiles(o, f, v)
		} else {
			cv, err = checkValue(o, f, v)
		}
		if err != nil {
			return nil, err
		}
		// Stricter than Twenty, which stores any text: in 1.x an attachment
		// must point at a file this server received, so tests prove the
		// upload (2.43 checks the file field's fileIds instead).
		if !s.v2() && o.NameSingular == "attachment" && k == "fullPath" && cv != nil {
			if _, ok := s.files[cv.(string)]; !ok {
				return nil, badRequest("fullPath %q is not an uploaded file", cv)
			}
		}
		rec[k] = cv
	}
	if id, ok := rec["id"]; ok && id != nil {
		str, ok := id.(string)
		if !ok || uuid.Validate(str) != nil {
			return nil, badRequest("Invalid UUID format: %v", id)
		}
	}
	return rec, nil
}

func checkValue(o *Object, f *Field, v any) (any, *apiError) {
	if v == nil {
		return nil, nil
	}
	bad := func(want string) *apiError {
		return badRequest("Invalid value for field \"%s\" of object %s: expected %s, got %v", f.Name, o.NameSingular, want, v)
	}
	switch f.Type {
	case "TEXT", "UUID":
		str, ok := v.(string)
		if !ok {
			return nil, bad("a string")
		}
		if f.Type == "UUID" && uuid.Validate(str) != nil {
			return nil, badRequest("Invalid UUID format: %s", str)
		}
		return str, nil
	case "NUMBER", "NUMERIC", "RATING", "POSITION":
		n, ok := v.(json.Number)
		if !ok {
			if str, isStr := v.(string); isStr && f.Type == "NUMERIC" {
				n = json.Number(str)
			} else {
				return nil, bad("a number")
			}
		}
		if _, err := strconv.ParseFloat(string(n), 64); err != nil {
			return nil, bad("a number")
		}
		return n, nil
	case "BOOLEAN":
		if _, ok := v.(bool); !ok {
			return nil, bad("a boolean")
		}
		return v, nil
	case "DATE":
		str, ok := v.(string)
		if !ok || !dateRE.MatchString(str) {
			return nil, bad("a date YYYY-MM-DD")
		}
		if _, err := time.Parse("2006-01-02", str); err != nil {
			return nil, bad("a date YYYY-MM-DD")
		}
		return str, nil
	case "DATE_TIME":
		str, ok := v.(string)
		if !ok {
			return nil, bad("an ISO-8601 date-time")
		}
		if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
			return nil, bad("an ISO-8601 date-time with offset")
		}
		return str, nil
	case "SELECT":
		str, ok := v.(string)
		if !ok {
			return nil, bad("an option value")
		}
		if !hasOption(f, str) {
			return nil, badRequest("Invalid value '%s' for field \"%s\": expected one of %s", str, f.Name, optionValues(f))
		}
		return str, nil
	case "MULTI_SELECT", "ARRAY":
		arr, ok := v.([]any)
		if !ok {
			return nil, bad("an array")
		}
		for _, e := range arr {
			str, ok := e.(string)
			if !ok {
				return nil, bad("an array of strings")
			}
			if f.Type == "MULTI_SELECT" && !hasOption(f, str) {
				return nil, badRequest("Invalid value '%s' for field \"%s\": expected one of %s", str, f.Name, optionValues(f))
			}
		}
		return arr, nil
	case "RAW_JSON":
		return v, nil
	case "RELATION", "MORPH_RELATION", "ACTOR", "TS_VECTOR", "FILES":
		return nil, badRequest("Field \"%s\" of object %s cannot be written directly", f.Name, o.NameSingular)
	}
	subs, composite := compositeSubFields[f.Type]
	if !composite {
		return nil, badRequest("Unsupported field type %s", f.Type)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, bad("an object")
	}
	for k, sv := range m {
		known := false
		for _, s := range subs {
			known = known || s == k
		}
		if !known {
			return nil, badRequest("Invalid composite field: \"%s\" is not a sub-field of %s (%s)", k, f.Name, f.Type)
		}
		switch {
		case f.Type == "CURRENCY" && k == "amountMicros":
			if _, isNum := sv.(json.Number); !isNum && sv != nil {
				return nil, bad("amountMicros as a number")
			}
		case k == "additionalEmails" || k == "additionalPhones" || k == "secondaryLinks":
			if _, isArr := sv.([]any); !isArr && sv != nil {
				return nil, bad(k + " as an array")
			}
		case k == "addressLat" || k == "addressLng":
		default:
			if _, isStr := sv.(string); !isStr && sv != nil {
				return nil, bad(k + " as a string")
			}
		}
	}
	if f.Type == "EMAILS" {
		if pe, ok := m["primaryEmail"].(string); ok {
			m["primaryEmail"] = strings.ToLower(pe)
		}
	}
	return m, nil
}

func hasOption(f *Field, v string) bool {
	for _, o := range f.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

func optionValues(f *Field) string {
	vals := make([]string, len(f.Options))
	for i, o := range f.Options {
		vals[i] = o.Value
	}
	return strings.Join(vals, ", ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *Server) handleGetOne(w http.ResponseWriter, plural, id string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objectByPlural(plural)
	if o == nil {
		return badRequest("object '%s' not found", plural)
	}
	if uuid.Validate(id) != nil {
		return badRequest("Invalid UUID format: %s", id)
	}
	rec, ok := s.tables[o.NameSingular].get(id)
	if !ok || rec["deletedAt"] != nil {
		return &apiError{status: 404, msg: "Record not found"}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{o.NameSingular: cloneRecord(rec)}})
	return nil
}

// filterRE reads the filters the exporter uses: <field>[in]:[...] and
// <field>[eq]:x on a top-level field (id, personId, ...) or on a
// composite field's sub-field (emails.primaryEmail, domainName.primaryLinkUrl),
// as Twenty's REST filter parser splits "field.subField".
var filterRE = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z][a-zA-Z0-9]*)?)\[(in|eq)\]:(.*)$`)

// filterValue is the value a filter's field names in rec.
func filterValue(rec map[string]any, field string) string {
	name, sub, ok := strings.Cut(field, ".")
	if !ok {
		return fmt.Sprint(rec[field])
	}
	m, _ := rec[name].(map[string]any)
	v, _ := m[sub].(string)
	return v
}

// parseFilter reads a filter of the form the exporter sends; values is
// nil when there is none.
func parseFilter(o *Object, f string) (string, map[string]bool, *apiError) {
	if f == "" {
		return "", nil, nil
	}
	m := filterRE.FindStringSubmatch(f)
	if m == nil {
		return "", nil, badRequest("this test server only filters by <field>[in] and <field>[eq]: %s", f)
	}
	field := m[1]
	if name, sub, ok := strings.Cut(field, "."); ok {
		f := o.field(name)
		if f == nil || !slices.Contains(compositeSubFields[f.Type], sub) {
			return "", nil, badRequest("Object %s doesn't have any \"%s\" field.", o.NameSingular, field)
		}
	} else if o.field(field) == nil && o.fieldByJoinColumn(field) == nil {
		return "", nil, badRequest("Object %s doesn't have any \"%s\" field.", o.NameSingular, field)
	}
	values := map[string]bool{}
	if m[2] == "eq" {
		values[strings.Trim(m[3], `"`)] = true
		return field, values, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(m[3]), &list); err != nil {
		return "", nil, badRequest("Invalid filter value: %s", m[3])
	}
	for _, v := range list {
		if field == "id" && uuid.Validate(v) != nil {
			return "", nil, badRequest("Invalid UUID format: %s", v)
		}
		values[v] = true
	}
	return field, values, nil
}

// mutationMaxAffected is MUTATION_MAXIMUM_AFFECTED_RECORDS, Twenty's cap
// on the records one update-, delete- or destroy-many touches.
const mutationMaxAffected = 100

// handleDeleteMany is the REST DELETE without an id: Twenty's destroy-many
// (hard delete) over the records the mandatory filter matches, or its
// delete-many (soft) with soft_delete=true. More than
// MUTATION_MAXIMUM_AFFECTED_RECORDS records in one call is refused, and
// nothing is deleted (the message is this server's own).
func (s *Server) handleDeleteMany(w http.ResponseWriter, r *http.Request, plural string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objectByPlural(plural)
	if o == nil {
		return badRequest("object '%s' not found", plural)
	}
	field, values, err := parseFilter(o, r.URL.Query().Get("filter"))
	if err != nil {
		return err
	}
	if values == nil {
		return badRequest("Filters are mandatory for bulk destroy operations. Please provide at least one filter to prevent accidental deletion of all records.")
	}
	soft := r.URL.Query().Get("soft_delete") == "true"
	t := s.tables[o.NameSingular]
	var ids []string
	t.match(field, values, func(id string, rec map[string]any) bool {
		if !soft || rec["deletedAt"] == nil {
			ids = append(ids, id)
		}
		return true
	})
	if len(values) > mutationMaxAffected || len(ids) > mutationMaxAffected {
		return badRequest("Cannot affect more than %d records in one mutation (MUTATION_MAXIMUM_AFFECTED_RECORDS)", mutationMaxAffected)
	}
	sort.Strings(ids)
	out := make([]map[string]any, len(ids))
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	for i, id := range ids {
		rec, _ := t.edit(id)
		if soft {
			rec["deletedAt"] = now
			t.put(id, rec)
		} else {
			s.dropFiles(o, rec)
			t.del(id)
		}
		s.stats.Destroyed[o.NameSingular]++
		out[i] = map[string]any{"id": id}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"delete" + capitalize(o.NamePlural): out}})
	return nil
}

// handleList lists records in id order, filtered, limit at most 200, with
// cursor pagination: pageInfo.endCursor passed back as starting_after.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request, plural string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objectByPlural(plural)
	if o == nil {
		return badRequest("object '%s' not found", plural)
	}
	limit := 60
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return badRequest("limit must be a positive integer")
		}
		if n > queryMaxRecords {
			return badRequest("Limit cannot exceed %d", queryMaxRecords)
		}
		limit = n
	}
	field, values, err := parseFilter(o, r.URL.Query().Get("filter"))
	if err != nil {
		return err
	}
	after := r.URL.Query().Get("starting_after")
	// totalCount counts every live record the filter matches, whatever
	// the cursor: Twenty counts on a copy of the query made before the
	// cursor joins the filter (engine/api/common/common-query-runners/
	// common-find-many-query-runner.service.ts, aggregateQueryBuilder).
	t := s.tables[o.NameSingular]
	var keys []string
	var out []map[string]any
	total := 0
	take := func(id string, rec map[string]any) bool {
		if rec["deletedAt"] != nil || id <= after {
			return true
		}
		keys, out = append(keys, id), append(out, cloneRecord(rec))
		return len(keys) <= limit
	}
	switch {
	case values == nil:
		// The ids in order from the cursor: a page costs its records.
		total = t.live
		t.after(after, func(id string) bool {
			rec, _ := t.get(id)
			return take(id, rec)
		})
	default:
		// An id filter looks its records up; another reads them all.
		var ids []string
		t.match(field, values, func(id string, rec map[string]any) bool {
			if rec["deletedAt"] == nil {
				total++
				if id > after {
					ids = append(ids, id)
				}
			}
			return true
		})
		sort.Strings(ids)
		for _, id := range ids {
			rec, _ := t.get(id)
			if !take(id, rec) {
				break
			}
		}
	}
	more := len(keys) > limit
	if more {
		keys, out = keys[:limit], out[:limit]
	}
	if out == nil {
		out = []map[string]any{}
	}
	end := ""
	if len(keys) > 0 {
		end = keys[len(keys)-1]
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data":       map[string]any{o.NamePlural: out},
		"pageInfo":   map[string]any{"hasNextPage": more, "endCursor": end},
		"totalCount": total,
	})
	return nil
}

func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request, plural, id string) *apiError {
	var body map[string]any
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objectByPlural(plural)
	if o == nil {
		return badRequest("object '%s' not found", plural)
	}
	t := s.tables[o.NameSingular]
	cur, ok := t.edit(id)
	if !ok || cur["deletedAt"] != nil {
		return &apiError{status: 404, msg: "Record not found"}
	}
	delete(body, "id")
	rec, err := s.validate(o, body, false)
	if err != nil {
		return err
	}
	for _, uf := range uniqueFields(o) {
		v := uniqueValue(uf, rec)
		if v == "" {
			continue
		}
		for _, oid := range t.uniques()[uf.Name][v] {
			if oid != id {
				return badRequest("Duplicate %s. Please set a unique one.", uf.Label)
			}
		}
	}
	for k, v := range rec {
		cur[k] = v
	}
	cur["updatedAt"] = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	s.stats.Updated[o.NameSingular]++
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"update" + capitalize(o.NameSingular): cloneRecord(cur)}})
	t.put(id, s.keep(o, cur))
	return nil
}

// handleDelete destroys the record (hard delete) unless soft_delete=true,
// as Twenty's REST DELETE does.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, plural, id string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objectByPlural(plural)
	if o == nil {
		return badRequest("object '%s' not found", plural)
	}
	t := s.tables[o.NameSingular]
	cur, ok := t.edit(id)
	if !ok {
		return &apiError{status: 404, msg: "Record not found"}
	}
	if r.URL.Query().Get("soft_delete") == "true" {
		cur["deletedAt"] = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		t.put(id, cur)
	} else {
		s.dropFiles(o, cur)
		t.del(id)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"delete" + capitalize(o.NameSingular): map[string]any{"id": id}}})
	return nil
}
