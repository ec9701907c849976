package twentytest

import (
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// Field types Twenty knows (twenty-shared FieldMetadataType).
var fieldTypes = map[string]bool{
	"UUID": true, "TEXT": true, "NUMBER": true, "NUMERIC": true, "BOOLEAN": true, "DATE": true,
	"DATE_TIME": true, "SELECT": true, "MULTI_SELECT": true, "RATING": true, "CURRENCY": true,
	"EMAILS": true, "PHONES": true, "LINKS": true, "ADDRESS": true, "FULL_NAME": true,
	"RICH_TEXT": true, "RICH_TEXT_V2": true, "RAW_JSON": true, "ARRAY": true, "FILES": true,
	"RELATION": true, "MORPH_RELATION": true, "ACTOR": true, "POSITION": true, "TS_VECTOR": true,
}

// compositeSubFields are the sub-fields a composite value may carry
// (twenty-shared CompositeFieldSubFieldLabels and the server's composite
// type definitions).
var compositeSubFields = map[string][]string{
	"CURRENCY":     {"amountMicros", "currencyCode"},
	"EMAILS":       {"primaryEmail", "additionalEmails"},
	"LINKS":        {"primaryLinkLabel", "primaryLinkUrl", "secondaryLinks"},
	"PHONES":       {"primaryPhoneNumber", "primaryPhoneCountryCode", "primaryPhoneCallingCode", "additionalPhones"},
	"FULL_NAME":    {"firstName", "lastName"},
	"ADDRESS":      {"addressStreet1", "addressStreet2", "addressCity", "addressState", "addressCountry", "addressPostcode", "addressLat", "addressLng"},
	"ACTOR":        {"source", "name", "workspaceMemberId", "context"},
	"RICH_TEXT":    {"blocknote", "markdown"},
	"RICH_TEXT_V2": {"blocknote", "markdown"},
}

// reservedNames is RESERVED_METADATA_NAME_KEYWORDS (twenty-server
// metadata-modules/utils/validate-metadata-name-is-not-reserved-keyword).
var reservedNames = map[string]bool{}

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
		reservedNames[n] = true
	}
}

// nameRE is Twenty's metadata name rule: starts lower case, letters and
// digits only (validate-flat-object-metadata-names).
var nameRE = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// optionValueRE is isSnakeCaseString applied to option values: UPPER_SNAKE_CASE.
var optionValueRE = regexp.MustCompile(`^[A-Z0-9]+(_[A-Z0-9]+)*$`)

// identifierMax is IDENTIFIER_MAX_CHAR_LENGTH (PostgreSQL NAMEDATALEN-1).
const identifierMax = 63

// Option is a SELECT or MULTI_SELECT option.
type Option struct {
	ID       string `json:"id"`
	Value    string `json:"value"`
	Label    string `json:"label"`
	Position int    `json:"position"`
	Color    string `json:"color,omitempty"`
}

// Relation describes a relation field.
type Relation struct {
	Type                   string `json:"type"` // MANY_TO_ONE, ONE_TO_MANY
	TargetObjectMetadataID string `json:"targetObjectMetadataId"`
	TargetObject           string `json:"-"`
	TargetFieldName        string `json:"-"`
}

// Field is one field's metadata.
type Field struct {
	ID               string    `json:"id"`
	ObjectMetadataID string    `json:"objectMetadataId"`
	Name             string    `json:"name"`
	Label            string    `json:"label"`
	Type             string    `json:"type"`
	Description      string    `json:"description,omitempty"`
	Icon             string    `json:"icon,omitempty"`
	IsCustom         bool      `json:"isCustom"`
	IsActive         bool      `json:"isActive"`
	IsSystem         bool      `json:"isSystem"`
	IsNullable       bool      `json:"isNullable"`
	IsUnique         bool      `json:"isUnique"`
	Options          []Option  `json:"options,omitempty"`
	Relation         *Relation `json:"relation,omitempty"`
	// uniqueSub names the composite sub-field the unique index covers.
	uniqueSub string
}

// JoinColumn is the column a MANY_TO_ONE relation stores its id in.
func (f *Field) JoinColumn() string {
	if f.Type == "RELATION" && f.Relation != nil && f.Relation.Type == "MANY_TO_ONE" {
		return f.Name + "Id"
	}
	return ""
}

// Object is one object's metadata.
type Object struct {
	ID            string   `json:"id"`
	NameSingular  string   `json:"nameSingular"`
	NamePlural    string   `json:"namePlural"`
	LabelSingular string   `json:"labelSingular"`
	LabelPlural   string   `json:"labelPlural"`
	Description   string   `json:"description,omitempty"`
	Icon          string   `json:"icon,omitempty"`
	IsCustom      bool     `json:"isCustom"`
	IsActive      bool     `json:"isActive"`
	Fields        []*Field `json:"fields"`
}

func (o *Object) field(name string) *Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// fieldByJoinColumn finds the MANY_TO_ONE relation whose join column is name.
func (o *Object) fieldByJoinColumn(name string) *Field {
	for _, f := range o.Fields {
		if f.JoinColumn() == name {
			return f
		}
	}
	return nil
}

type fieldSpec struct {
	name, label, typ string
	target           string // relation target object (MANY_TO_ONE)
	options          []string
	unique           string // composite sub-field (or "" with uniqueSimple)
	uniqueSimple     bool
}

// baseFields every object has (BaseWorkspaceEntity plus position/createdBy).
var baseFields = []fieldSpec{
	{name: "id", label: "Id", typ: "UUID"},
	{name: "createdAt", label: "Creation date", typ: "DATE_TIME"},
	{name: "updatedAt", label: "Last update", typ: "DATE_TIME"},
	{name: "deletedAt", label: "Deleted", typ: "DATE_TIME"},
}

// standardObjects is what a fresh workspace holds for the objects the
// exporter touches: names, labels and types as the workspace entities
// declare them (person, company, task, note, taskTarget, noteTarget,
// attachment, workspaceMember).
func standardObjects() []*Object {
	type objSpec struct {
		singular, plural, labelS, labelP string
		fields                           []fieldSpec
	}
	specs := []objSpec{
		{"workspaceMember", "workspaceMembers", "Workspace Member", "Workspace Members", []fieldSpec{
			{name: "name", label: "Name", typ: "FULL_NAME"},
			{name: "userEmail", label: "User Email", typ: "TEXT", uniqueSimple: true},
			{name: "userId", label: "User Id", typ: "UUID"},
			{name: "colorScheme", label: "Color Scheme", typ: "TEXT"},
			{name: "locale", label: "Language", typ: "TEXT"},
			{name: "avatarUrl", label: "Avatar Url", typ: "TEXT"},
			{name: "timeZone", label: "Time zone", typ: "TEXT"},
		}},
		{"company", "companies", "Company", "Companies", []fieldSpec{
			{name: "name", label: "Name", typ: "TEXT"},
			{name: "domainName", label: "Domain Name", typ: "LINKS", unique: "primaryLinkUrl"},
			{name: "employees", label: "Employees", typ: "NUMBER"},
			{name: "linkedinLink", label: "Linkedin", typ: "LINKS"},
			{name: "xLink", label: "X", typ: "LINKS"},
			{name: "annualRecurringRevenue", label: "ARR", typ: "CURRENCY"},
			{name: "address", label: "Address", typ: "ADDRESS"},
			{name: "idealCustomerProfile", label: "ICP", typ: "BOOLEAN"},
			{name: "position", label: "Position", typ: "POSITION"},
			{name: "createdBy", label: "Created by", typ: "ACTOR"},
			{name: "accountOwner", label: "Account Owner", typ: "RELATION", target: "workspaceMember"},
		}},
		{"person", "people", "Person", "People", []fieldSpec{
			{name: "name", label: "Name", typ: "FULL_NAME"},
			{name: "emails", label: "Emails", typ: "EMAILS", unique: "primaryEmail"},
			{name: "linkedinLink", label: "Linkedin", typ: "LINKS"},
			{name: "xLink", label: "X", typ: "LINKS"},
			{name: "jobTitle", label: "Job Title", typ: "TEXT"},
			{name: "phones", label: "Phones", typ: "PHONES"},
			{name: "city", label: "City", typ: "TEXT"},
			{name: "avatarUrl", label: "Avatar", typ: "TEXT"},
			{name: "position", label: "Position", typ: "POSITION"},
			{name: "createdBy", label: "Created by", typ: "ACTOR"},
			{name: "company", label: "Company", typ: "RELATION", target: "company"},
		}},
		{"task", "tasks", "Task", "Tasks", []fieldSpec{
			{name: "title", label: "Title", typ: "TEXT"},
			{name: "bodyV2", label: "Body", typ: "RICH_TEXT_V2"},
			{name: "dueAt", label: "Due Date", typ: "DATE_TIME"},
			{name: "status", label: "Status", typ: "SELECT", options: []string{"TODO:To do", "IN_PROGRESS:In progress", "DONE:Done"}},
			{name: "position", label: "Position", typ: "POSITION"},
			{name: "createdBy", label: "Created by", typ: "ACTOR"},
			{name: "assignee", label: "Assignee", typ: "RELATION", target: "workspaceMember"},
		}},
		{"note", "notes", "Note", "Notes", []fieldSpec{
			{name: "title", label: "Title", typ: "TEXT"},
			{name: "bodyV2", label: "Body", typ: "RICH_TEXT_V2"},
			{name: "position", label: "Position", typ: "POSITION"},
			{name: "createdBy", label: "Created by", typ: "ACTOR"},
		}},
		{"taskTarget", "taskTargets", "Task Target", "Task Targets", []fieldSpec{
			{name: "task", label: "Task", typ: "RELATION", target: "task"},
			{name: "person", label: "Person", typ: "RELATION", target: "person"},
			{name: "company", label: "Company", typ: "RELATION", target: "company"},
		}},
		{"noteTarget", "noteTargets", "Note Target", "Note Targets", []fieldSpec{
			{name: "note", label: "Note", typ: "RELATION", target: "note"},
			{name: "person", label: "Person", typ: "RELATION", target: "person"},
			{name: "company", label: "Company", typ: "RELATION", target: "company"},
		}},
		{"attachment", "attachments", "Attachment", "Attachments", []fieldSpec{
			{name: "name", label: "Name", typ: "TEXT"},
			{name: "fullPath", label: "Full path", typ: "TEXT"},
			{name: "type", label: "Type", typ: "TEXT"},
			{name: "fileCategory", label: "File category", typ: "SELECT", options: []string{
				"ARCHIVE:Archive", "AUDIO:Audio", "IMAGE:Image", "PRESENTATION:Presentation",
				"SPREADSHEET:Spreadsheet", "TEXT_DOCUMENT:Text Document", "VIDEO:Video", "OTHER:Other"}},
			{name: "createdBy", label: "Created by", typ: "ACTOR"},
			{name: "author", label: "Author", typ: "RELATION", target: "workspaceMember"},
			{name: "task", label: "Task", typ: "RELATION", target: "task"},
			{name: "note", label: "Note", typ: "RELATION", target: "note"},
			{name: "person", label: "Person", typ: "RELATION", target: "person"},
			{name: "company", label: "Company", typ: "RELATION", target: "company"},
		}},
	}
	var out []*Object
	byName := map[string]*Object{}
	for _, s := range specs {
		o := &Object{ID: uuid.NewString(), NameSingular: s.singular, NamePlural: s.plural,
			LabelSingular: s.labelS, LabelPlural: s.labelP, IsActive: true}
		for _, fs := range append(append([]fieldSpec{}, baseFields...), s.fields...) {
			f := &Field{ID: uuid.NewString(), ObjectMetadataID: o.ID, Name: fs.name, Label: fs.label,
				Type: fs.typ, IsActive: true, IsNullable: fs.name != "id", uniqueSub: fs.unique,
				IsUnique: fs.unique != "" || fs.uniqueSimple || fs.name == "id"}
			for i, opt := range fs.options {
				v, l, _ := strings.Cut(opt, ":")
				f.Options = append(f.Options, Option{ID: uuid.NewString(), Value: v, Label: l, Position: i})
			}
			if fs.target != "" {
				f.Relation = &Relation{Type: "MANY_TO_ONE", TargetObject: fs.target}
			}
			o.Fields = append(o.Fields, f)
		}
		out = append(out, o)
		byName[o.NameSingular] = o
	}
	// Resolve relation targets and add the reverse ONE_TO_MANY fields.
	for _, o := range out {
		for _, f := range o.Fields {
			if f.Relation == nil || f.Relation.Type != "MANY_TO_ONE" {
				continue
			}
			t := byName[f.Relation.TargetObject]
			f.Relation.TargetObjectMetadataID = t.ID
			rev := reverseName(o, f)
			f.Relation.TargetFieldName = rev
			if t.field(rev) == nil {
				t.Fields = append(t.Fields, &Field{ID: uuid.NewString(), ObjectMetadataID: t.ID, Name: rev,
					Label: o.LabelPlural, Type: "RELATION", IsActive: true, IsNullable: true,
					Relation: &Relation{Type: "ONE_TO_MANY", TargetObjectMetadataID: o.ID, TargetObject: o.NameSingular, TargetFieldName: f.Name}})
			}
		}
	}
	return out
}

// reverseName names the ONE_TO_MANY side of a standard relation.
func reverseName(src *Object, f *Field) string {
	switch {
	case src.NameSingular == "task" && f.Name == "assignee":
		return "assignedTasks"
	case src.NameSingular == "company" && f.Name == "accountOwner":
		return "accountOwnerForCompanies"
	case src.NameSingular == "attachment" && f.Name == "author":
		return "authoredAttachments"
	}
	return src.NamePlural
}
