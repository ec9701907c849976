package twentytest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/google/uuid"
)

// handleMetadata serves /rest/metadata/{objects,fields}[/{id}], the REST
// face of Twenty's metadata API (accepted with API keys).
//
// 1.x answers have the legacy shapes (to-legacy-object-metadata-response.util.ts,
// to-legacy-field-metadata-response.util.ts): {"data":{"objects":[...]}}
// for lists, {"data":{"createOneObject":{...}}} for creations, and so on.
// 2.43 answers have the shapes of the IS_REST_METADATA_API_NEW_FORMAT_DIRECT
// flag, on in every new workspace (object-metadata.controller.ts and
// field-metadata.controller.ts, isNewMetadataFormat): lists are
// {"data":[...],"pageInfo":{...},"totalCount":n} paged by id, a create,
// update or delete answers the bare object or field.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request, parts []string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind := parts[0]
	// answer writes one object or field in the version's shape; legacy is
	// the key the 1.x shape wraps it in.
	answer := func(status int, legacy string, v any) {
		if s.v2() {
			writeJSON(w, status, v)
			return
		}
		writeJSON(w, status, map[string]any{"data": map[string]any{legacy: v}})
	}
	switch {
	case r.Method == http.MethodGet && kind == "objects" && len(parts) == 1:
		if s.v2() {
			page, err := pageByID(r, s.objects)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, page)
			return nil
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"objects": s.objects},
			"pageInfo": map[string]any{"hasNextPage": false}, "totalCount": len(s.objects)})
	case r.Method == http.MethodGet && kind == "fields" && len(parts) == 1:
		var all []*Field
		for _, o := range s.objects {
			all = append(all, o.Fields...)
		}
		if s.v2() {
			page, err := pageByID(r, all)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, page)
			return nil
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"fields": all},
			"pageInfo": map[string]any{"hasNextPage": false}, "totalCount": len(all)})
	case r.Method == http.MethodPost && kind == "objects" && len(parts) == 1:
		var in struct {
			NameSingular, NamePlural, LabelSingular, LabelPlural, Icon, Description string
		}
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		o, err := s.createObject(in.NameSingular, in.NamePlural, in.LabelSingular, in.LabelPlural, in.Icon, in.Description)
		if err != nil {
			return err
		}
		s.stats.MetaCreated++
		answer(http.StatusCreated, "createOneObject", o)
	case r.Method == http.MethodPost && kind == "fields" && len(parts) == 1:
		var in fieldInput
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		f, err := s.createField(in)
		if err != nil {
			return err
		}
		s.stats.MetaCreated++
		answer(http.StatusCreated, "createOneField", f)
	case (r.Method == http.MethodPatch || r.Method == http.MethodPut) && kind == "fields" && len(parts) == 2:
		var in struct {
			Label    *string  `json:"label"`
			Options  []Option `json:"options"`
			IsActive *bool    `json:"isActive"`
		}
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		var f *Field
		var fo *Object
		for _, o := range s.objects {
			for _, c := range o.Fields {
				if c.ID == parts[1] {
					f, fo = c, o
				}
			}
		}
		if f == nil {
			return &apiError{status: 404, msg: "Field metadata not found"}
		}
		if in.Options != nil {
			if f.Type != "SELECT" && f.Type != "MULTI_SELECT" {
				return badRequest("Options are only allowed on SELECT and MULTI_SELECT fields")
			}
			opts, err := checkOptions(in.Options)
			if err != nil {
				return err
			}
			f.Options = opts
			s.migrateEnumValues(fo, f)
		}
		if in.Label != nil {
			f.Label = *in.Label
		}
		if in.IsActive != nil {
			if !f.IsCustom && !*in.IsActive {
				return badRequest("Standard fields cannot be deactivated")
			}
			f.IsActive = *in.IsActive
		}
		answer(http.StatusOK, "updateOneField", f)
	case (r.Method == http.MethodPatch || r.Method == http.MethodPut) && kind == "objects" && len(parts) == 2:
		var in struct {
			IsActive *bool `json:"isActive"`
		}
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		o := s.objectByID(parts[1])
		if o == nil {
			return &apiError{status: 404, msg: "Object does not exist"}
		}
		if in.IsActive != nil {
			if !o.IsCustom {
				return badRequest("Standard objects cannot be deactivated")
			}
			o.IsActive = *in.IsActive
		}
		answer(http.StatusOK, "updateOneObject", o)
	case r.Method == http.MethodDelete && kind == "fields" && len(parts) == 2:
		f := s.fieldByID(parts[1])
		if err := s.deleteField(parts[1]); err != nil {
			return err
		}
		if s.v2() {
			writeJSON(w, http.StatusOK, f)
			return nil
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"deleteOneField": map[string]any{"id": parts[1]}}})
	case r.Method == http.MethodDelete && kind == "objects" && len(parts) == 2:
		o := s.objectByID(parts[1])
		if err := s.deleteObject(parts[1]); err != nil {
			return err
		}
		if s.v2() {
			c := *o
			c.Fields = nil
			writeJSON(w, http.StatusOK, &c)
			return nil
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"deleteOneObject": map[string]any{"id": parts[1]}}})
	default:
		return &apiError{status: 404, msg: "Cannot " + r.Method + " " + r.URL.Path}
	}
	return nil
}

// deleteField removes a custom field that was deactivated first (Twenty
// refuses to delete an active field), the reverse side of a relation, and
// the field's values.
func (s *Server) deleteField(id string) *apiError {
	for _, o := range s.objects {
		for i, f := range o.Fields {
			if f.ID != id {
				continue
			}
			if !f.IsCustom {
				return badRequest("Standard fields cannot be deleted")
			}
			if f.IsActive {
				return badRequest("Active fields cannot be deleted: deactivate the field first")
			}
			o.Fields = append(o.Fields[:i:i], o.Fields[i+1:]...)
			if f.Relation != nil {
				if t := s.objectByID(f.Relation.TargetObjectMetadataID); t != nil {
					t.Fields = slices.DeleteFunc(t.Fields, func(x *Field) bool {
						return x.Relation != nil && x.Relation.TargetObjectMetadataID == o.ID && x.Name == f.Relation.TargetFieldName
					})
				}
			}
			s.tables[o.NameSingular].update(func(rec map[string]any) bool {
				_, a := rec[f.Name]
				_, b := rec[f.Name+"Id"]
				delete(rec, f.Name)
				delete(rec, f.Name+"Id")
				return a || b
			})
			return nil
		}
	}
	return &apiError{status: 404, msg: "Field metadata not found"}
}

// deleteObject removes a deactivated custom object, its records and every
// relation field pointing at it.
func (s *Server) deleteObject(id string) *apiError {
	o := s.objectByID(id)
	if o == nil {
		return &apiError{status: 404, msg: "Object does not exist"}
	}
	if !o.IsCustom {
		return badRequest("Standard objects cannot be deleted")
	}
	if o.IsActive {
		return badRequest("Active objects cannot be deleted: deactivate the object first")
	}
	s.objects = slices.DeleteFunc(s.objects, func(x *Object) bool { return x.ID == id })
	for _, other := range s.objects {
		var gone []string
		other.Fields = slices.DeleteFunc(other.Fields, func(f *Field) bool {
			if f.Relation != nil && f.Relation.TargetObjectMetadataID == id {
				gone = append(gone, f.Name)
				return true
			}
			return false
		})
		s.tables[other.NameSingular].update(func(rec map[string]any) bool {
			changed := false
			for _, n := range gone {
				_, a := rec[n]
				_, b := rec[n+"Id"]
				changed = changed || a || b
				delete(rec, n)
				delete(rec, n+"Id")
			}
			return changed
		})
	}
	delete(s.tables, o.NameSingular)
	return nil
}

func checkName(name string) *apiError {
	switch {
	case name == "":
		return badRequest("Name is required")
	case len(name) > identifierMax:
		return badRequest("Name is too long: it exceeds the %d characters limit", identifierMax)
	case !nameRE.MatchString(name):
		return badRequest("%s should be in camelCase", name)
	case reservedNames[name]:
		return badRequest("The name \"%s\" is not available", name)
	}
	return nil
}

func (s *Server) createObject(singular, plural, labelS, labelP, icon, desc string) (*Object, *apiError) {
	for _, n := range []string{singular, plural} {
		if err := checkName(n); err != nil {
			return nil, err
		}
	}
	if singular == plural {
		return nil, badRequest("The singular and plural name cannot be the same for an object")
	}
	if labelS == "" || labelP == "" {
		return nil, badRequest("Label is required")
	}
	for _, o := range s.objects {
		if o.NameSingular == singular || o.NamePlural == plural || o.NameSingular == plural || o.NamePlural == singular {
			return nil, s.metaDuplicate("objectMetadata", "object", "OBJECT_ALREADY_EXISTS", "Object already exists")
		}
	}
	o := &Object{ID: uuid.NewString(), NameSingular: singular, NamePlural: plural, LabelSingular: labelS,
		LabelPlural: labelP, Icon: icon, Description: desc, IsCustom: true, IsActive: true}
	// A custom object gets the base fields and a Name field, and can be the
	// target of notes, tasks and attachments (Twenty adds those relations).
	for _, fs := range append(append([]fieldSpec{}, baseFields...),
		fieldSpec{name: "name", label: "Name", typ: "TEXT"},
		fieldSpec{name: "position", label: "Position", typ: "POSITION"},
		fieldSpec{name: "createdBy", label: "Created by", typ: "ACTOR"}) {
		o.Fields = append(o.Fields, &Field{ID: uuid.NewString(), ObjectMetadataID: o.ID, Name: fs.name,
			Label: fs.label, Type: fs.typ, IsActive: true, IsNullable: fs.name != "id", IsUnique: fs.name == "id"})
	}
	for _, holder := range []string{"taskTarget", "noteTarget", "attachment"} {
		h := s.objectByName(holder)
		// 2.x names the holder's side target<Object>, as its standard
		// targetPerson; 1.x named it after the object.
		hname := singular
		if s.v2() {
			hname = "target" + capitalize(singular)
		}
		f := &Field{ID: uuid.NewString(), ObjectMetadataID: h.ID, Name: hname, Label: labelS, Type: "RELATION",
			IsActive: true, IsNullable: true, IsCustom: true,
			Relation: &Relation{Type: "MANY_TO_ONE", TargetObjectMetadataID: o.ID, TargetObject: singular, TargetFieldName: h.NamePlural}}
		h.Fields = append(h.Fields, f)
		o.Fields = append(o.Fields, &Field{ID: uuid.NewString(), ObjectMetadataID: o.ID, Name: h.NamePlural,
			Label: h.LabelPlural, Type: "RELATION", IsActive: true, IsNullable: true, IsCustom: true,
			Relation: &Relation{Type: "ONE_TO_MANY", TargetObjectMetadataID: h.ID, TargetObject: holder, TargetFieldName: hname}})
	}
	s.objects = append(s.objects, o)
	s.tables[singular] = s.newTable(o)
	return o, nil
}

// metaDuplicate is Twenty's refusal of a metadata create whose name is
// taken: in 2.x a validation failure of the flat metadata
// (validate-flat-object-metadata-name-and-labels.util.ts,
// validate-flat-field-metadata-name-availability.util.ts) thrown as a
// WorkspaceMigrationBuilderException by the object or field service
// ("Multiple validation errors occurred while creating object" /
// "... fields") and answered by workspace-migration-builder-rest-api-exception-handler.util.ts
// with build-metadata-validation-error-payload.util.ts: 400
// METADATA_VALIDATION_ERROR, the report under errors.<metadataName>, and the
// single error's userFriendlyMessage at the top. In 1.x a plain 400 with
// the message (object-metadata.service.ts:
// validatesNoOtherObjectWithSameNameExistsOrThrows; field-metadata.service.ts:
// validateFieldNameAvailabilityOrThrow).
func (s *Server) metaDuplicate(metadataName, what, code, msg string) *apiError {
	if !s.v2() {
		return badRequest("%s", msg)
	}
	return &apiError{status: http.StatusBadRequest, msg: msg, body: map[string]any{
		"statusCode": http.StatusBadRequest,
		"error":      "METADATA_VALIDATION_ERROR",
		"message":    "Multiple validation errors occurred while creating " + what,
		"errors": map[string]any{metadataName: []any{map[string]any{
			"errors": []any{map[string]any{"code": code, "message": msg, "userFriendlyMessage": msg}},
		}}},
		"summary":             map[string]any{"totalErrors": 1, metadataName: 1},
		"userFriendlyMessage": msg,
	}}
}

type fieldInput struct {
	ObjectMetadataID        string   `json:"objectMetadataId"`
	Type                    string   `json:"type"`
	Name                    string   `json:"name"`
	Label                   string   `json:"label"`
	Description             string   `json:"description"`
	Icon                    string   `json:"icon"`
	IsNullable              *bool    `json:"isNullable"`
	Options                 []Option `json:"options"`
	RelationCreationPayload *struct {
		Type                   string `json:"type"`
		TargetObjectMetadataID string `json:"targetObjectMetadataId"`
		TargetFieldLabel       string `json:"targetFieldLabel"`
		TargetFieldIcon        string `json:"targetFieldIcon"`
	} `json:"relationCreationPayload"`
}

func (s *Server) createField(in fieldInput) (*Field, *apiError) {
	o := s.objectByID(in.ObjectMetadataID)
	if o == nil {
		return nil, badRequest("Object metadata does not exist")
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if in.Label == "" {
		return nil, badRequest("Label is required")
	}
	if !fieldTypes[in.Type] {
		return nil, badRequest("Invalid field type %s", in.Type)
	}
	if o.field(in.Name) != nil || o.fieldByJoinColumn(in.Name) != nil {
		if !s.v2() {
			return nil, badRequest("Name \"%s\" is not available, check that it is not duplicating another field's name.", in.Name)
		}
		return nil, s.metaDuplicate("fieldMetadata", "fields", "NOT_AVAILABLE",
			fmt.Sprintf("Name \"%s\" is not available as it is already used by another field", in.Name))
	}
	f := &Field{ID: uuid.NewString(), ObjectMetadataID: o.ID, Name: in.Name, Label: in.Label, Type: in.Type,
		Description: in.Description, Icon: in.Icon, IsCustom: true, IsActive: true, IsNullable: true}
	if in.IsNullable != nil {
		f.IsNullable = *in.IsNullable
	}
	switch in.Type {
	case "SELECT", "MULTI_SELECT":
		opts, err := checkOptions(in.Options)
		if err != nil {
			return nil, err
		}
		f.Options = opts
	case "RELATION":
		p := in.RelationCreationPayload
		if p == nil {
			return nil, badRequest("Relation creation payload is required for RELATION fields")
		}
		if p.Type != "MANY_TO_ONE" && p.Type != "ONE_TO_MANY" {
			return nil, badRequest("Invalid relation type %s", p.Type)
		}
		t := s.objectByID(p.TargetObjectMetadataID)
		if t == nil {
			return nil, badRequest("Target object metadata does not exist")
		}
		revName := lowerCamel(p.TargetFieldLabel)
		if err := checkName(revName); err != nil {
			return nil, err
		}
		if t.field(revName) != nil {
			return nil, badRequest("Field with name \"%s\" already exists on object %s", revName, t.NameSingular)
		}
		if o.field(in.Name+"Id") != nil {
			return nil, badRequest("Field with name \"%sId\" already exists on object %s", in.Name, o.NameSingular)
		}
		revType := "ONE_TO_MANY"
		if p.Type == "ONE_TO_MANY" {
			revType = "MANY_TO_ONE"
		}
		f.Relation = &Relation{Type: p.Type, TargetObjectMetadataID: t.ID, TargetObject: t.NameSingular, TargetFieldName: revName}
		t.Fields = append(t.Fields, &Field{ID: uuid.NewString(), ObjectMetadataID: t.ID, Name: revName,
			Label: p.TargetFieldLabel, Icon: p.TargetFieldIcon, Type: "RELATION", IsCustom: true, IsActive: true, IsNullable: true,
			Relation: &Relation{Type: revType, TargetObjectMetadataID: o.ID, TargetObject: o.NameSingular, TargetFieldName: in.Name}})
	default:
		if len(in.Options) > 0 {
			return nil, badRequest("Options are only allowed on SELECT and MULTI_SELECT fields")
		}
	}
	o.Fields = append(o.Fields, f)
	return f, nil
}

// checkOptions applies Twenty's option rules: present, UPPER_SNAKE_CASE
// values, labels of 1..63 characters without commas, no duplicates. Ids
// are generated when absent.
func checkOptions(in []Option) ([]Option, *apiError) {
	if len(in) == 0 {
		return nil, badRequest("Options are required for enum fields")
	}
	out := make([]Option, len(in))
	for i, o := range in {
		switch {
		case o.Value == "":
			return nil, badRequest("Option value is required")
		case len(o.Value) > identifierMax:
			return nil, badRequest("Option value exceeds 63 characters")
		case !optionValueRE.MatchString(o.Value):
			return nil, badRequest("Value must be in UPPER_CASE and follow snake_case \"%s\"", o.Value)
		case o.Label == "" || o.Label == " ":
			return nil, badRequest("Label must not be empty")
		case len(o.Label) > identifierMax:
			return nil, badRequest("Option label exceeds 63 characters")
		case strings.Contains(o.Label, ","):
			return nil, badRequest("Label must not contain a comma")
		}
		// prepareCustomFieldMetadataOptions gives an option without an id
		// one before the validation.
		if o.ID == "" {
			o.ID = uuid.NewString()
		} else if uuid.Validate(o.ID) != nil {
			return nil, badRequest("Option id is invalid")
		}
		out[i] = o
	}
	// FieldMetadataEnumValidationService.validateDuplicates.
	ids, values, positions := map[string]bool{}, map[string]bool{}, map[int]bool{}
	for _, o := range out {
		switch {
		case ids[o.ID]:
			return nil, badRequest("Duplicated option id \"%s\"", o.ID)
		case values[o.Value]:
			return nil, badRequest("Duplicated option value \"%s\"", o.Value)
		case positions[o.Position]:
			return nil, badRequest("Duplicated option position \"%d\"", o.Position)
		}
		ids[o.ID], values[o.Value], positions[o.Position] = true, true, true
	}
	return out, nil
}

// migrateEnumValues does what Twenty's enum migration does to the records
// when a field's options change (WorkspaceMigrationEnumService): a value
// no longer an option becomes null, and leaves a multi-select's list.
func (s *Server) migrateEnumValues(o *Object, f *Field) {
	if o == nil {
		return
	}
	s.tables[o.NameSingular].update(func(r map[string]any) bool {
		switch v := r[f.Name].(type) {
		case string:
			if !hasOption(f, v) {
				r[f.Name] = nil
				return true
			}
		case []any:
			kept := []any{}
			for _, x := range v {
				if str, ok := x.(string); ok && hasOption(f, str) {
					kept = append(kept, x)
				}
			}
			r[f.Name] = kept
			return len(kept) != len(v)
		}
		return false
	})
}

// lowerCamel turns a label into a camelCase name ("Perio Records" →
// "perioRecords"), as Twenty computes relation target field names.
func lowerCamel(label string) string {
	words := strings.FieldsFunc(label, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var b strings.Builder
	for i, w := range words {
		w = strings.ToLower(w)
		if i > 0 {
			w = capitalize(w)
		}
		b.WriteString(w)
	}
	return b.String()
}

// handleGraphQL serves the GraphQL multipart file upload (the
// graphql-multipart-request spec Twenty uses through graphql-upload):
// parts "operations" (the uploadFile mutation), "map" and the file.
func (s *Server) handleGraphQL(w http.ResponseWriter, r *http.Request) {
	gqlError := func(msg string) {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": "BAD_USER_INPUT"}}}})
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		var req gqlRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err == nil && strings.Contains(req.Query, "clientConfig") {
			// ClientConfigResolver.clientConfig, the GraphQL face of
			// GET /client-config.
			writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"clientConfig": s.clientConfig()}})
			return
		}
		gqlError("this test server only serves the uploadFile multipart mutation")
		return
	}
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		gqlError("invalid multipart body: " + err.Error())
		return
	}
	var ops struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.Unmarshal([]byte(r.FormValue("operations")), &ops); err != nil {
		gqlError("invalid operations: " + err.Error())
		return
	}
	if s.v2() && strings.Contains(ops.Query, "uploadFile") {
		// 2.x removed uploadFile (Files v2: createFileUpload on /metadata).
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{
			"message":    "Cannot query field \"uploadFile\" on type \"Mutation\".",
			"extensions": map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}}})
		return
	}
	if !strings.Contains(ops.Query, "uploadFile") {
		gqlError("this test server only serves the uploadFile mutation")
		return
	}
	var fmap map[string][]string
	if err := json.Unmarshal([]byte(r.FormValue("map")), &fmap); err != nil {
		gqlError("invalid map: " + err.Error())
		return
	}
	var part string
	for k, v := range fmap {
		if len(v) == 1 && v[0] == "variables.file" {
			part = k
		}
	}
	file, hdr, err := r.FormFile(part)
	if part == "" || err != nil {
		gqlError("Variable \"$file\" of required type \"Upload!\" was not provided.")
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		gqlError(err.Error())
		return
	}
	folder, _ := ops.Variables["fileFolder"].(string)
	if folder == "" {
		folder = "Attachment"
	}
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	p := strings.ToLower(folder) + "/" + uuid.NewString() + path.Ext(hdr.Filename)
	s.mu.Lock()
	s.files[p] = data
	s.stats.Uploads++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"uploadFile": map[string]any{
		"path": p, "token": hex.EncodeToString(tok[:])}}})
}

func (s *Server) fieldByID(id string) *Field {
	for _, o := range s.objects {
		for _, f := range o.Fields {
			if f.ID == id {
				return f
			}
		}
	}
	return nil
}

// pageByID pages metadata items as Twenty 2.43's REST metadata lists do
// (paginate-by-id-cursor.util.ts, parse-metadata-rest-pagination.util.ts,
// paginate-metadata-query-builder.util.ts, build-cursor-page.util.ts,
// build-metadata-cursor-page.util.ts): ordered by id descending,
// starting_after=<id> the items after it in that order, ending_before=<id>
// the items before it; limit defaults to QUERY_DEFAULT_LIMIT_RECORDS (60)
// and is clamped to QUERY_MAX_RECORDS (200) by parseLimitRestRequest;
// pageInfo {hasNextPage, hasPreviousPage, startCursor, endCursor};
// totalCount counts every item, not the page.
func pageByID[T interface{ metaID() string }](r *http.Request, items []T) (map[string]any, *apiError) {
	q := r.URL.Query()
	after, before := q.Get("starting_after"), q.Get("ending_before")
	if after != "" && before != "" {
		return nil, badRequest("'starting_after' and 'ending_before' cannot be used together.")
	}
	for _, c := range []string{after, before} {
		if c != "" && uuid.Validate(c) != nil {
			return nil, badRequest("Invalid cursor: %s", c)
		}
	}
	after, before = strings.ToLower(after), strings.ToLower(before)
	limit := 60
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return nil, badRequest("limit '%s' is invalid. Should be an integer", l)
		}
		limit = min(n, queryMaxRecords)
	}
	sorted := slices.Clone(items)
	backward := before != ""
	slices.SortFunc(sorted, func(a, b T) int {
		if backward {
			return strings.Compare(a.metaID(), b.metaID())
		}
		return strings.Compare(b.metaID(), a.metaID())
	})
	fetched := sorted[:0:0]
	for _, it := range sorted {
		id := it.metaID()
		if (after != "" && id >= after) || (before != "" && id <= before) {
			continue
		}
		fetched = append(fetched, it)
	}
	more := len(fetched) > limit
	page := fetched[:min(limit, len(fetched))]
	if backward {
		slices.Reverse(page)
	}
	info := map[string]any{"hasNextPage": more, "hasPreviousPage": after != "", "startCursor": nil, "endCursor": nil}
	if backward {
		info["hasNextPage"], info["hasPreviousPage"] = true, more
	}
	if len(page) > 0 {
		info["startCursor"], info["endCursor"] = page[0].metaID(), page[len(page)-1].metaID()
	}
	return map[string]any{"data": page, "pageInfo": info, "totalCount": len(items)}, nil
}

func (o *Object) metaID() string { return o.ID }
func (f *Field) metaID() string  { return f.ID }
