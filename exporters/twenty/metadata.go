package twenty

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Option is a SELECT or MULTI_SELECT option.
type Option struct {
	ID       string `json:"id,omitempty"`
	Value    string `json:"value"`
	Label    string `json:"label"`
	Position int    `json:"position"`
	Color    string `json:"color,omitempty"`
}

// FieldMeta is a field as the workspace describes it.
type FieldMeta struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	IsCustom bool     `json:"isCustom"`
	Options  []Option `json:"options"`
	Relation *struct {
		Type                   string `json:"type"`
		TargetObjectMetadataID string `json:"targetObjectMetadataId"`
	} `json:"relation"`
	// Settings of a relation in 2.x answers, which carry no "relation":
	// {relationType, joinColumnName} (FieldMetadataDTO.settings).
	Settings *struct {
		RelationType   string `json:"relationType"`
		JoinColumnName string `json:"joinColumnName"`
	} `json:"settings"`
}

// RelationType is MANY_TO_ONE or ONE_TO_MANY for a relation field, from
// "relation" (1.x) or "settings" (2.x); "" when neither says.
func (f FieldMeta) RelationType() string {
	if f.Relation != nil && f.Relation.Type != "" {
		return f.Relation.Type
	}
	if f.Settings != nil {
		return f.Settings.RelationType
	}
	return ""
}

// ObjectMeta is an object as the workspace describes it.
type ObjectMeta struct {
	ID            string      `json:"id"`
	NameSingular  string      `json:"nameSingular"`
	NamePlural    string      `json:"namePlural"`
	LabelSingular string      `json:"labelSingular"`
	LabelPlural   string      `json:"labelPlural"`
	IsCustom      bool        `json:"isCustom"`
	Fields        []FieldMeta `json:"fields"`
}

// Field finds a field by name.
func (o ObjectMeta) Field(name string) (FieldMeta, bool) {
	for _, f := range o.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return FieldMeta{}, false
}

// MetadataPage is the most a metadata list page may hold (Twenty 2.x:
// MAX_METADATA_REST_PAGE_SIZE; 60 by default).
const MetadataPage = 200

// Metadata formats, as the workspace answers GET /rest/metadata/objects.
const (
	// FormatPaged is Twenty 2.x with the workspace flag
	// IS_REST_METADATA_API_NEW_FORMAT_DIRECT (on for every new workspace):
	// {data: [...], pageInfo, totalCount}, and a create answers the bare
	// object (object-metadata.controller.ts, isNewMetadataFormat).
	FormatPaged = "paged"
	// FormatLegacyPaged is 2.x without the flag: {data: {objects: [...]},
	// pageInfo, totalCount}, paged the same way, and a create answers
	// {data: {createOneObject: ...}} (to-legacy-object-metadata-response.util.ts).
	FormatLegacyPaged = "legacy, paged"
	// FormatLegacy is 1.x: {data: {objects: [...]}} holding every object.
	FormatLegacy = "legacy"
)

// Objects reads the workspace's objects and their fields through the REST
// metadata API, which accepts API keys, every page of it: Twenty 2.x pages
// the list by id (60 a page unless asked, at most 200; cursor
// starting_after = pageInfo.endCursor; paginate-metadata-rest-items-by-id.util.ts).
// Either answer shape is read; the one seen is kept (MetadataFormat).
func (c *Client) Objects(ctx context.Context) ([]ObjectMeta, error) {
	var out []ObjectMeta
	seen := map[string]bool{}
	after := ""
	for page := 0; ; page++ {
		q := url.Values{"limit": {strconv.Itoa(MetadataPage)}}
		if after != "" {
			q.Set("starting_after", after)
		}
		b, err := c.do(ctx, http.MethodGet, "/rest/metadata/objects?"+q.Encode(), nil, "")
		if err != nil {
			return nil, err
		}
		objs, info, format, err := decodeObjectList(b)
		if err != nil {
			return nil, fmt.Errorf("twenty: read metadata (page %d): %w", page+1, err)
		}
		c.setFormat(format)
		for _, o := range objs {
			if !seen[o.ID] {
				seen[o.ID] = true
				out = append(out, o)
			}
		}
		if info == nil || !info.HasNextPage {
			return out, nil
		}
		if info.EndCursor == "" || info.EndCursor == after || len(objs) == 0 {
			return nil, fmt.Errorf("twenty: read metadata: page %d says there is a next page but gives no new cursor", page+1)
		}
		after = info.EndCursor
	}
}

// pageInfo is RestCursorPageInfo (rest-cursor-page-info.type.ts).
type pageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

// decodeObjectList reads a list answer in any of the formats.
func decodeObjectList(b []byte) ([]ObjectMeta, *pageInfo, string, error) {
	var resp struct {
		Data     json.RawMessage `json:"data"`
		PageInfo *pageInfo       `json:"pageInfo"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, nil, "", err
	}
	data := bytes.TrimSpace(resp.Data)
	switch {
	case len(data) > 0 && data[0] == '[':
		var objs []ObjectMeta
		if err := json.Unmarshal(data, &objs); err != nil {
			return nil, nil, "", err
		}
		return objs, resp.PageInfo, FormatPaged, nil
	case len(data) > 0 && data[0] == '{':
		var legacy struct {
			Objects *[]ObjectMeta `json:"objects"`
		}
		if err := json.Unmarshal(data, &legacy); err != nil {
			return nil, nil, "", err
		}
		if legacy.Objects == nil {
			return nil, nil, "", errors.New("the answer has neither data[] nor data.objects")
		}
		if resp.PageInfo != nil {
			return *legacy.Objects, resp.PageInfo, FormatLegacyPaged, nil
		}
		return *legacy.Objects, nil, FormatLegacy, nil
	}
	return nil, nil, "", errors.New("the answer has no data")
}

// MetadataFormat is the answer shape the last metadata list had ("" before
// one was read).
func (c *Client) MetadataFormat() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.format
}

func (c *Client) setFormat(f string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.format = f
}

// unwrapCreate reads a metadata create answer: the bare object (2.x new
// format) or {data: {<key>: object}} (legacy).
func unwrapCreate(b []byte, key string, out any) error {
	var wrapped struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if json.Unmarshal(b, &wrapped) == nil && wrapped.Data != nil {
		if inner, ok := wrapped.Data[key]; ok {
			return json.Unmarshal(inner, out)
		}
	}
	return json.Unmarshal(b, out)
}

// ObjectInput creates a custom object.
type ObjectInput struct {
	NameSingular  string `json:"nameSingular"`
	NamePlural    string `json:"namePlural"`
	LabelSingular string `json:"labelSingular"`
	LabelPlural   string `json:"labelPlural"`
	Icon          string `json:"icon,omitempty"`
	Description   string `json:"description,omitempty"`
}

// RelationInput is the relationCreationPayload of a RELATION field.
type RelationInput struct {
	Type                   string `json:"type"`
	TargetObjectMetadataID string `json:"targetObjectMetadataId"`
	TargetFieldLabel       string `json:"targetFieldLabel"`
	TargetFieldIcon        string `json:"targetFieldIcon,omitempty"`
}

// FieldInput creates a field.
type FieldInput struct {
	ObjectMetadataID        string         `json:"objectMetadataId"`
	Type                    string         `json:"type"`
	Name                    string         `json:"name"`
	Label                   string         `json:"label"`
	Description             string         `json:"description,omitempty"`
	Icon                    string         `json:"icon,omitempty"`
	IsNullable              bool           `json:"isNullable"`
	Options                 []Option       `json:"options,omitempty"`
	RelationCreationPayload *RelationInput `json:"relationCreationPayload,omitempty"`
}

// CreateObject creates a custom object and returns it. A create whose
// answer was lost is found in the data model (landedObject).
func (c *Client) CreateObject(ctx context.Context, in ObjectInput) (ObjectMeta, error) {
	var out ObjectMeta
	lost, err := c.postMetadata(ctx, "/rest/metadata/objects", "createOneObject", in, &out)
	if err != nil {
		return c.landedObject(ctx, in, lost, err)
	}
	if out.ID == "" {
		return out, fmt.Errorf("twenty: created object %s, but the answer gives no id", in.NameSingular)
	}
	return out, nil
}

// CreateField creates a field and returns it. A create whose answer was
// lost is found in the data model (landedField).
func (c *Client) CreateField(ctx context.Context, in FieldInput) (FieldMeta, error) {
	var out FieldMeta
	lost, err := c.postMetadata(ctx, "/rest/metadata/fields", "createOneField", in, &out)
	if err != nil {
		return c.landedField(ctx, in, lost, err)
	}
	if out.ID == "" {
		return out, fmt.Errorf("twenty: created field %s, but the answer gives no id", in.Name)
	}
	return out, nil
}

// landedObject settles a create of an object that Twenty refused (err)
// after an earlier attempt went unanswered (lost). That attempt may have
// created the object, and Twenty refuses the same create again: 400
// "Object already exists" (object-metadata.service.ts, and 2.x's
// flat-object-metadata validator inside a METADATA_VALIDATION_ERROR). So
// the objects are read again, and a custom object with the names sent is
// the one the lost attempt made: it is returned as created. Otherwise, or
// when the refusal followed no lost attempt, err is returned.
func (c *Client) landedObject(ctx context.Context, in ObjectInput, lost bool, err error) (ObjectMeta, error) {
	if _, refused := clientError(err); !lost || !refused {
		return ObjectMeta{}, err
	}
	ws, rerr := c.Objects(ctx)
	if rerr != nil {
		return ObjectMeta{}, fmt.Errorf("%w (a lost answer came before it; reading the objects back failed: %v)", err, rerr)
	}
	for _, o := range ws {
		if o.IsCustom && o.ID != "" && o.NameSingular == in.NameSingular && o.NamePlural == in.NamePlural {
			c.log.Warn("twenty: the object was created by an attempt whose answer was lost", "object", in.NameSingular, "id", o.ID)
			return o, nil
		}
	}
	return ObjectMeta{}, err
}

// landedField is landedObject for a field: Twenty refuses a second field
// of the same name on an object (Name "x" is not available ...,
// from validate-flat-field-metadata-name-availability.util.ts in 2.x,
// validateFieldNameAvailabilityOrThrow in 1.x). A custom field of the name
// sent on the object, of the type sent (a relation: to the target sent),
// is the one the lost attempt made.
func (c *Client) landedField(ctx context.Context, in FieldInput, lost bool, err error) (FieldMeta, error) {
	if _, refused := clientError(err); !lost || !refused {
		return FieldMeta{}, err
	}
	ws, rerr := c.Objects(ctx)
	if rerr != nil {
		return FieldMeta{}, fmt.Errorf("%w (a lost answer came before it; reading the fields back failed: %v)", err, rerr)
	}
	for _, o := range ws {
		if o.ID != in.ObjectMetadataID {
			continue
		}
		f, ok := o.Field(in.Name)
		if !ok || !f.IsCustom || f.ID == "" || !sameType(f.Type, in.Type) {
			break
		}
		if p := in.RelationCreationPayload; p != nil && f.Relation != nil && f.Relation.TargetObjectMetadataID != "" &&
			f.Relation.TargetObjectMetadataID != p.TargetObjectMetadataID {
			break
		}
		c.log.Warn("twenty: the field was created by an attempt whose answer was lost", "object", o.NameSingular, "field", in.Name, "id", f.ID)
		return f, nil
	}
	return FieldMeta{}, err
}

// SetOptions replaces a select field's options (existing ones keep their ids).
func (c *Client) SetOptions(ctx context.Context, fieldID string, opts []Option) error {
	b, err := json.Marshal(map[string]any{"options": opts})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPatch, "/rest/metadata/fields/"+url.PathEscape(fieldID), b, "application/json")
	return err
}

// postMetadata sends a metadata create; lost says an attempt before the
// answer went unanswered (doTracked).
func (c *Client) postMetadata(ctx context.Context, path, key string, in, out any) (lost bool, _ error) {
	b, err := json.Marshal(in)
	if err != nil {
		return false, err
	}
	resp, lost, err := c.doTracked(ctx, http.MethodPost, path, b, "application/json")
	if err != nil {
		return lost, err
	}
	if err := unwrapCreate(resp, key, out); err != nil {
		return lost, fmt.Errorf("twenty: %s: %w", path, err)
	}
	return lost, nil
}

// DeleteMetadata removes a custom field or object (kind "fields" or
// "objects"): Twenty deletes only inactive ones, so it is deactivated
// first. One already gone is not an error; found says whether it was there.
func (c *Client) DeleteMetadata(ctx context.Context, kind, id string) (found bool, err error) {
	path := "/rest/metadata/" + url.PathEscape(kind) + "/" + url.PathEscape(id)
	_, err = c.do(ctx, http.MethodPatch, path, []byte(`{"isActive":false}`), "application/json")
	if ae, isAPI := clientError(err); isAPI && ae.Status == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = c.do(ctx, http.MethodDelete, path, nil, "")
	if ae, isAPI := clientError(err); isAPI && ae.Status == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
}
