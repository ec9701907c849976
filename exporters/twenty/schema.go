package twenty

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// SchemaAction is one change the push makes to the workspace's data model
// before any record moves.
type SchemaAction struct {
	Kind   string `json:"kind"` // create object, create field, add options
	Object string `json:"object"`
	Field  string `json:"field,omitempty"`
	Type   string `json:"type,omitempty"`
	Detail string `json:"detail,omitempty"`

	plan    FieldPlan
	obj     ObjectPlan
	fieldID string
	options []Option
	added   []string // add options: the values the push adds
}

// ConflictError stops a push before any record moves: the workspace's
// data model cannot take the data as planned.
type ConflictError struct {
	Conflicts []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the Twenty workspace's data model conflicts with the plan (nothing was sent):\n  %s",
		strings.Join(e.Conflicts, "\n  "))
}

// Is lets callers test for exporters.ErrSchemaConflict whatever the destination.
func (e *ConflictError) Is(target error) bool { return target == exporters.ErrSchemaConflict }

// reserved is Twenty's RESERVED_METADATA_NAME_KEYWORDS.
var reserved = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`approvedAccessDomain approvedAccessDomains appToken appTokens
		billingCustomer billingCustomers billingEntitlement billingEntitlements billingMeter billingMeters
		billingProduct billingProducts billingSubscription billingSubscriptions billingSubscriptionItem
		billingSubscriptionItems featureFlag featureFlags job jobs keyValuePair keyValuePairs pageLayout
		pageLayouts pageLayoutTab pageLayoutTabs pageLayoutWidget pageLayoutWidgets postgresCredential
		postgresCredentials twoFactorMethod twoFactorMethods user users userWorkspace userWorkspaces
		workspace workspaces role roles userWorkspaceRole userWorkspaceRoles
		plan plans event events field fields link links currency currencies fullNames address addresses
		type types object objects index relation relations aggregate`) {
		reserved[n] = true
	}
}

var metaNameRE = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// checkMetaName applies Twenty's rules for object and field names.
func checkMetaName(name string) string {
	switch {
	case !metaNameRE.MatchString(name):
		return "is not camelCase (letters and digits, starting lower case)"
	case len(name) > 63:
		return "is longer than 63 characters"
	case reserved[name]:
		return "is a name Twenty reserves"
	}
	return ""
}

// sameType says whether a workspace field can hold the planned type.
func sameType(have, want string) bool {
	norm := func(t string) string {
		if t == "RICH_TEXT_V2" {
			return "RICH_TEXT"
		}
		return t
	}
	return norm(have) == norm(want)
}

// diffSchema compares the plan with the workspace and lists the changes to
// make, or the conflicts that forbid the push.
func diffSchema(ctx context.Context, db *sql.DB, plan Plan, ws []ObjectMeta) ([]SchemaAction, error) {
	var actions []SchemaAction
	var conflicts []string
	byName := map[string]ObjectMeta{}
	byID := map[string]string{}
	for _, o := range ws {
		byName[o.NameSingular] = o
		byID[o.ID] = o.NameSingular
	}
	planned := map[string]bool{}
	for _, o := range plan.Objects {
		planned[o.NameSingular] = true
		if _, ok := byName[o.NameSingular]; ok {
			continue
		}
		for _, n := range []string{o.NameSingular, o.NamePlural} {
			if why := checkMetaName(n); why != "" {
				conflicts = append(conflicts, fmt.Sprintf("object name %q %s", n, why))
			}
		}
		actions = append(actions, SchemaAction{Kind: "create object", Object: o.NameSingular, Detail: o.LabelSingular, obj: o})
	}
	var relations []SchemaAction
	for _, f := range plan.Fields {
		name := f.RelationName()
		where := fmt.Sprintf("%s.%s", f.Object, name)
		if !planned[f.Object] && byName[f.Object].ID == "" {
			conflicts = append(conflicts, fmt.Sprintf("%s: object %s is neither in the workspace nor in twenty.object_plan", where, f.Object))
			continue
		}
		name = workspaceName(byName[f.Object], name)
		where = fmt.Sprintf("%s.%s", f.Object, name)
		have, exists := byName[f.Object].Field(name)
		if !exists && byName[f.Object].ID == "" && baseObjectFields[name] {
			continue // created with the object
		}
		if !exists {
			if why := checkMetaName(name); why != "" {
				conflicts = append(conflicts, fmt.Sprintf("%s: field name %s", where, why))
				continue
			}
			if f.Type == "RELATION" {
				if f.RelationTarget == "" || (!planned[f.RelationTarget] && byName[f.RelationTarget].ID == "") {
					conflicts = append(conflicts, fmt.Sprintf("%s: relation target %q is not an object", where, f.RelationTarget))
					continue
				}
				relations = append(relations, SchemaAction{Kind: "create field", Object: f.Object, Field: name, Type: f.Type,
					Detail: "→ " + f.RelationTarget, plan: f})
				continue
			}
			detail := f.Label
			if !f.IsCustom {
				detail += " (standard field absent from this workspace: created as custom)"
			}
			actions = append(actions, SchemaAction{Kind: "create field", Object: f.Object, Field: name, Type: f.Type, Detail: detail, plan: f})
			continue
		}
		if !sameType(have.Type, f.Type) {
			conflicts = append(conflicts, fmt.Sprintf("%s: the workspace field is %s, the plan needs %s", where, have.Type, f.Type))
			continue
		}
		if f.Type == "RELATION" && have.Relation != nil && byID[have.Relation.TargetObjectMetadataID] != f.RelationTarget {
			conflicts = append(conflicts, fmt.Sprintf("%s: the workspace relation points to %s, the plan to %s", where,
				byID[have.Relation.TargetObjectMetadataID], f.RelationTarget))
			continue
		}
		if f.Type == "SELECT" || f.Type == "MULTI_SELECT" {
			merged, added := mergeOptions(have.Options, f.Options)
			if len(added) > 0 {
				actions = append(actions, SchemaAction{Kind: "add options", Object: f.Object, Field: name, Type: f.Type,
					Detail: strings.Join(added, ", "), fieldID: have.ID, options: merged, added: added})
			}
		}
	}
	// Every column of every table must land in a field that exists or will.
	for _, o := range plan.Objects {
		cols, err := columnNames(ctx, db, o.Table)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			if strings.HasPrefix(c, "_") || c == ExtraFieldsColumn {
				continue
			}
			prefix, _, _ := strings.Cut(c, "__")
			if !fieldKnown(byName[o.NameSingular], plan, o.NameSingular, CamelCase(prefix)) {
				conflicts = append(conflicts, fmt.Sprintf("twenty.%s column %s: no field %s on %s in the workspace or twenty.field_plan",
					o.Table, c, CamelCase(prefix), o.NameSingular))
			}
		}
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Conflicts: conflicts}
	}
	return append(actions, relations...), nil
}

// workspaceName is the name a planned field has (or will have) in the
// workspace. A name Twenty reserves for itself ("address" on a person) is
// refused for a custom field, and Twenty's own UI adds the suffix "Custom"
// to it (addCustomSuffixIfIsReserved): the exporter does the same, so the
// field is the one a person creating it by hand would get. A target
// relation (targetPerson, targetNote: how note and task targets and
// attachments link since Twenty 1.17) that the workspace holds under its
// older name (person, note) is sent under that name.
func workspaceName(o ObjectMeta, name string) string {
	if _, ok := o.Field(name); ok {
		return name
	}
	if old, ok := legacyTarget(o, name); ok {
		return old
	}
	if !reserved[name] {
		return name
	}
	return name + "Custom"
}

// legacyTarget is the pre-1.17 name of a target relation the workspace
// has instead of targetX: x, a relation.
func legacyTarget(o ObjectMeta, name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "target")
	if !ok || rest == "" || rest[0] < 'A' || rest[0] > 'Z' {
		return "", false
	}
	old := strings.ToLower(rest[:1]) + rest[1:]
	if f, ok := o.Field(old); ok && f.Type == "RELATION" {
		return old, true
	}
	return "", false
}

// renames lists, per object, the payload keys that the workspace holds
// under another name (see workspaceName): a field's name, or a relation's
// join column (targetPersonId → personId).
func renames(plan Plan, ws []ObjectMeta) map[string]map[string]string {
	byName := map[string]ObjectMeta{}
	for _, o := range ws {
		byName[o.NameSingular] = o
	}
	out := map[string]map[string]string{}
	for _, f := range plan.Fields {
		from, to := f.Name, workspaceName(byName[f.Object], f.RelationName())
		if f.Type == "RELATION" {
			from, to = f.RelationName()+"Id", to+"Id"
		}
		if to != from {
			if out[f.Object] == nil {
				out[f.Object] = map[string]string{}
			}
			out[f.Object][from] = to
		}
	}
	return out
}

// rename moves payload keys to their workspace names.
func rename(p Record, names map[string]string) {
	for from, to := range names {
		if v, ok := p[from]; ok {
			delete(p, from)
			p[to] = v
		}
	}
}

// fieldKnown says whether payload key name (a field, or a relation's join
// column like personId) exists on the object or is planned.
func fieldKnown(o ObjectMeta, plan Plan, object, name string) bool {
	if o.ID == "" && baseObjectFields[name] {
		return true // Twenty gives every new object these
	}
	for _, f := range o.Fields {
		if f.Name == name || (f.Type == "RELATION" && f.RelationType() == "MANY_TO_ONE" && f.Name+"Id" == name) {
			return true
		}
	}
	for _, f := range plan.FieldsOf(object) {
		if f.Name == name || (f.Type == "RELATION" && f.RelationName()+"Id" == name) {
			return true
		}
	}
	return false
}

// baseObjectFields are the fields Twenty creates with a custom object.
var baseObjectFields = map[string]bool{"id": true, "name": true, "createdAt": true, "updatedAt": true,
	"deletedAt": true, "position": true, "createdBy": true}

// mergeOptions keeps the workspace's options (their ids and positions)
// and appends the planned values it lacks after the last position: a
// workspace whose options were removed by hand has gaps (0, 1, 3), and
// Twenty refuses two options at one position.
func mergeOptions(have, want []Option) ([]Option, []string) {
	out := slices.Clone(have)
	next := 0
	for _, h := range have {
		next = max(next, h.Position+1)
	}
	var added []string
	for _, w := range want {
		if slices.ContainsFunc(have, func(h Option) bool { return h.Value == w.Value }) {
			continue
		}
		w.ID = ""
		w.Position = next
		next++
		out = append(out, w)
		added = append(added, w.Value)
	}
	return out, added
}

// Audit-log tables of the data-model changes a push makes, so a rollback
// with --schema can remove what the push created. An option the push adds
// to a field it did not create is an entry of its own (object
// "<object>.<field>", dest id "<field id>/<value>"): the options that were
// there before are never named, so a rollback cannot remove them.
const (
	SchemaObjectsTable = "twenty:metadata/objects"
	SchemaFieldsTable  = "twenty:metadata/fields"
	SchemaOptionsTable = "twenty:metadata/options"
)

// applySchema makes the changes, objects first and relations last, on the
// workspace ws as read before the plan was made. created receives each
// object and field as soon as Twenty acknowledged it, or, when the answer
// to its create was lost and Twenty refused the create sent again, as soon
// as it was found in the data model (CreateObject, CreateField): it was
// made by this push all the same, and a rollback --schema must remove it.
// It returns the calls it made: the workspace is not read again, as a
// created object's id is in Twenty's answer, so the fixed cost of a push
// stays one call per change (a lost answer adds a read of the data model,
// not counted).
func applySchema(ctx context.Context, c *Client, ws []ObjectMeta, actions []SchemaAction, log func([]audit.Entry) error) (int, error) {
	objID := map[string]string{}
	for _, o := range ws {
		objID[o.NameSingular] = o.ID
	}
	// Write-ahead, as for records: a change is logged pending, by name
	// (its id is only known from Twenty's answer), before it is sent; the
	// answer logs it created under its id and settles the pending entry. A
	// run stopped in between is settled by reading the data model by name
	// (settleSchema), so rollback --schema knows every change the push made.
	pending := func(table, name string) error {
		return log([]audit.Entry{{Object: name, Table: table, DestID: schemaName(name), Action: audit.Pending,
			Reason: "data model change sent; its id comes with Twenty's answer"}})
	}
	created := func(table, name, id string) error {
		return log([]audit.Entry{
			{Object: name, Table: table, DestID: id, Action: audit.Create, Reason: "data model change made by the push"},
			{Object: name, Table: table, DestID: schemaName(name), Action: audit.Skip, Reason: "answered: created as " + id},
		})
	}
	calls := 0
	for _, a := range actions {
		if a.Kind != "create object" {
			continue
		}
		if err := pending(SchemaObjectsTable, a.Object); err != nil {
			return calls, err
		}
		calls++
		om, err := c.CreateObject(ctx, ObjectInput{NameSingular: a.obj.NameSingular, NamePlural: a.obj.NamePlural,
			LabelSingular: a.obj.LabelSingular, LabelPlural: a.obj.LabelPlural, Icon: a.obj.Icon})
		if err != nil {
			return calls, fmt.Errorf("create object %s: %w", a.Object, err)
		}
		if om.ID == "" {
			return calls, fmt.Errorf("create object %s: Twenty's answer has no id", a.Object)
		}
		objID[a.obj.NameSingular] = om.ID
		if err := created(SchemaObjectsTable, a.Object, om.ID); err != nil {
			return calls, err
		}
	}
	for _, a := range actions {
		switch a.Kind {
		case "create field":
			f := a.plan
			in := FieldInput{ObjectMetadataID: objID[f.Object], Type: f.Type, Name: a.Field, Label: f.Label,
				Description: f.Description, IsNullable: true, Options: f.Options}
			if f.Type == "RELATION" {
				in.Options = nil
				in.RelationCreationPayload = &RelationInput{Type: orDefault(f.RelationType, "MANY_TO_ONE"),
					TargetObjectMetadataID: objID[f.RelationTarget], TargetFieldLabel: orDefault(f.TargetFieldLabel, f.Object)}
			}
			name := a.Object + "." + a.Field
			if err := pending(SchemaFieldsTable, name); err != nil {
				return calls, err
			}
			calls++
			fm, err := c.CreateField(ctx, in)
			if err != nil {
				return calls, fmt.Errorf("create field %s.%s: %w", a.Object, a.Field, err)
			}
			if err := created(SchemaFieldsTable, name, fm.ID); err != nil {
				return calls, err
			}
		case "add options":
			// An option's id is the field's and its value: known before.
			var pend, done []audit.Entry
			for _, v := range a.added {
				e := audit.Entry{Object: a.Object + "." + a.Field, Table: SchemaOptionsTable, DestID: a.fieldID + "/" + v}
				p, d := e, e
				p.Action, p.Reason = audit.Pending, "option sent"
				d.Action, d.Reason = audit.Create, "data model change made by the push"
				pend, done = append(pend, p), append(done, d)
			}
			if err := log(pend); err != nil {
				return calls, err
			}
			calls++
			if err := c.SetOptions(ctx, a.fieldID, a.options); err != nil {
				return calls, fmt.Errorf("add options to %s.%s: %w", a.Object, a.Field, err)
			}
			if err := log(done); err != nil {
				return calls, err
			}
		}
	}
	return calls, nil
}

// schemaTables are the log's tables of data-model changes.
var schemaTables = []string{SchemaFieldsTable, SchemaObjectsTable, SchemaOptionsTable}

// schemaName is the pending entry's id of a data-model change: its name.
func schemaName(name string) string { return "name:" + name }

// settleSchema settles the pending data-model changes of a run that
// stopped between sending them and logging Twenty's answer, by reading the
// data model: a change that is there was made by the run (the pending
// entry is only written when the diff found it missing) and is logged
// created under its id; one that is not never landed.
func settleSchema(ctx context.Context, c *Client, pending []audit.Unsettled) ([]audit.Entry, error) {
	if len(pending) == 0 {
		return nil, nil
	}
	ws, err := c.Objects(ctx)
	if err != nil {
		return nil, fmt.Errorf("settle the data-model changes: %w", err)
	}
	objects := map[string]ObjectMeta{}
	fields := map[string]FieldMeta{}
	byID := map[string]FieldMeta{}
	for _, o := range ws {
		objects[o.NameSingular] = o
		for _, f := range o.Fields {
			fields[o.NameSingular+"."+f.Name] = f
			byID[f.ID] = f
		}
	}
	var out []audit.Entry
	for _, u := range pending {
		settle := audit.Entry{Object: u.Object, Table: u.Table, DestID: u.DestID, Action: audit.Skip,
			Reason: "settled after an interruption: the change never landed"}
		id := ""
		switch u.Table {
		case SchemaObjectsTable:
			if o, ok := objects[strings.TrimPrefix(u.DestID, "name:")]; ok && o.IsCustom {
				id = o.ID
			}
		case SchemaFieldsTable:
			if f, ok := fields[strings.TrimPrefix(u.DestID, "name:")]; ok && f.IsCustom {
				id = f.ID
			}
		case SchemaOptionsTable:
			fid, v, _ := strings.Cut(u.DestID, "/")
			for _, o := range byID[fid].Options {
				if o.Value == v {
					id = u.DestID
				}
			}
		}
		if id == "" {
			out = append(out, settle)
			continue
		}
		made := audit.Entry{Object: u.Object, Table: u.Table, DestID: id, Action: audit.Create,
			Reason: "settled after an interruption: the change landed, its answer was lost"}
		if id == u.DestID {
			out = append(out, made) // an option: its pending entry had its id
			continue
		}
		settle.Reason = "settled after an interruption: created as " + id
		out = append(out, made, settle)
	}
	return out, nil
}
