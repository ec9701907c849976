package twenty

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

// Objects reads the workspace's objects and their fields through the REST
// metadata API, which accepts API keys.
func (c *Client) Objects(ctx context.Context) ([]ObjectMeta, error) {
	b, err := c.do(ctx, http.MethodGet, "/rest/metadata/objects", nil, "")
	if err != nil {
		return nil, err
	}
	var resp struct {
		Data struct {
			Objects []ObjectMeta `json:"objects"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, fmt.Errorf("twenty: read metadata: %w", err)
	}
	return resp.Data.Objects, nil
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

// CreateObject creates a custom object and returns it.
func (c *Client) CreateObject(ctx context.Context, in ObjectInput) (ObjectMeta, error) {
	var out struct {
		Data struct {
			CreateOneObject ObjectMeta `json:"createOneObject"`
		} `json:"data"`
	}
	if err := c.postJSON(ctx, "/rest/metadata/objects", in, &out); err != nil {
		return ObjectMeta{}, err
	}
	return out.Data.CreateOneObject, nil
}

// CreateField creates a field and returns it.
func (c *Client) CreateField(ctx context.Context, in FieldInput) (FieldMeta, error) {
	var out struct {
		Data struct {
			CreateOneField FieldMeta `json:"createOneField"`
		} `json:"data"`
	}
	if err := c.postJSON(ctx, "/rest/metadata/fields", in, &out); err != nil {
		return FieldMeta{}, err
	}
	return out.Data.CreateOneField, nil
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

func (c *Client) postJSON(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, http.MethodPost, path, b, "application/json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("twenty: %s: %w", path, err)
	}
	return nil
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
