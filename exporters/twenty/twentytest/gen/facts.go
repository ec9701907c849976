package main

import "strings"

// The facts the SDK does not ship, by object and field, as Twenty's server
// declares them in compute-<object>-standard-flat-field-metadata.util.ts
// (and BaseWorkspaceEntity for the base fields). Fields marked "unchecked"
// in a comment were not compared with the source; the exporter never
// writes them.

// baseFacts are the fields every standard object's field map starts with.
var baseFacts = map[string]field{
	"id":           {Type: "UUID", Label: "Id", IsSystem: true, IsUnique: true},
	"createdAt":    {Type: "DATE_TIME", Label: "Creation date"},
	"updatedAt":    {Type: "DATE_TIME", Label: "Last update"},
	"deletedAt":    {Type: "DATE_TIME", Label: "Deleted at", IsNullable: true},
	"createdBy":    {Type: "ACTOR", Label: "Created by"},
	"updatedBy":    {Type: "ACTOR", Label: "Updated by"},
	"position":     {Type: "POSITION", Label: "Position", IsSystem: true},
	"searchVector": {Type: "TS_VECTOR", Label: "Search vector", IsSystem: true, IsNullable: true},
}

func m2o(target, targetField string) *relation {
	return &relation{Type: "MANY_TO_ONE", Target: target, TargetField: targetField}
}

func o2m(target, targetField string) *relation {
	return &relation{Type: "ONE_TO_MANY", Target: target, TargetField: targetField}
}

func opts(spec ...string) []option {
	out := make([]option, len(spec))
	for i, s := range spec {
		p := strings.Split(s, ":")
		out[i] = option{Value: p[0], Label: p[1], Position: i, Color: p[2]}
	}
	return out
}

// rel marks a relation to an object the server does not model: the
// generator leaves the field out.
func rel(target string) field {
	return field{Type: "RELATION", IsNullable: true, Relation: o2m(target, "")}
}

var facts = map[string]map[string]field{
	"workspaceMember": {
		"name":                      {Type: "FULL_NAME", Label: "Name", IsNullable: true},
		"colorScheme":               {Type: "TEXT", Label: "Color Scheme"},
		"uiScale":                   {Type: "NUMBER", Label: "UI Scale", IsNullable: true},                                                                   // unchecked
		"openRecordIn":              {Type: "SELECT", Label: "Open Record In", Options: opts("SIDE_PANEL:Side Panel:green", "RECORD_PAGE:Record Page:blue")}, // unchecked
		"locale":                    {Type: "TEXT", Label: "Language"},
		"avatarUrl":                 {Type: "TEXT", Label: "Avatar Url", IsNullable: true},
		"userEmail":                 {Type: "TEXT", Label: "User Email", IsNullable: true, IsUnique: true},
		"jobTitle":                  {Type: "TEXT", Label: "Job Title", IsNullable: true},
		"userId":                    {Type: "UUID", Label: "User Id"},
		"assignedTasks":             {Type: "RELATION", Label: "Assigned tasks", IsNullable: true, Relation: o2m("task", "assignee")},
		"accountOwnerForCompanies":  {Type: "RELATION", Label: "Account Owner For Companies", IsNullable: true, Relation: o2m("company", "accountOwner")},
		"ownedOpportunities":        rel("opportunity"),
		"messageParticipants":       rel("messageParticipant"),
		"blocklist":                 rel("blocklist"),
		"calendarEventParticipants": rel("calendarEventParticipant"),
		"timelineActivities":        rel("timelineActivity"),
		"agentChatThreads":          rel("agentChatThread"),
		"timeZone":                  {Type: "TEXT", Label: "Time zone"},
		"dateFormat":                {Type: "SELECT", Label: "Date format", Options: opts("SYSTEM:System:turquoise", "MONTH_FIRST:Month First:red", "DAY_FIRST:Day First:purple", "YEAR_FIRST:Year First:sky")},                                                                              // unchecked
		"timeFormat":                {Type: "SELECT", Label: "Time format", Options: opts("SYSTEM:System:sky", "HOUR_24:24h:red", "HOUR_12:12h:purple")},                                                                                                                                     // unchecked
		"calendarStartDay":          {Type: "NUMBER", Label: "Start of the week"},                                                                                                                                                                                                            // unchecked
		"numberFormat":              {Type: "SELECT", Label: "Number format", Options: opts("SYSTEM:System:turquoise", "COMMAS_AND_DOT:Commas and dot:red", "SPACES_AND_COMMA:Spaces and comma:purple", "DOTS_AND_COMMA:Dots and comma:sky", "APOSTROPHE_AND_DOT:Apostrophe and dot:green")}, // unchecked
	},
	"company": {
		"name":                   {Type: "TEXT", Label: "Name", IsNullable: true},
		"domainName":             {Type: "LINKS", Label: "Domain Name", IsNullable: true, IsUnique: true, UniqueSubField: "primaryLinkUrl"},
		"address":                {Type: "ADDRESS", Label: "Address", IsNullable: true},
		"linkedinLink":           {Type: "LINKS", Label: "Linkedin", IsNullable: true},
		"annualRevenue":          {Type: "CURRENCY", Label: "Annual Revenue", IsNullable: true},
		"people":                 {Type: "RELATION", Label: "People", IsNullable: true, Relation: o2m("person", "company")},
		"accountOwner":           {Type: "RELATION", Label: "Account Owner", IsNullable: true, Relation: m2o("workspaceMember", "accountOwnerForCompanies")},
		"taskTargets":            {Type: "RELATION", Label: "Tasks", IsNullable: true, Relation: o2m("taskTarget", "targetCompany")},
		"noteTargets":            {Type: "RELATION", Label: "Notes", IsNullable: true, Relation: o2m("noteTarget", "targetCompany")},
		"attachments":            {Type: "RELATION", Label: "Attachments", IsNullable: true, Relation: o2m("attachment", "targetCompany")},
		"agentChatThreadTargets": rel("agentChatThreadTarget"),
		"calendarEventTargets":   rel("calendarEventTarget"),
		"messageThreadTargets":   rel("messageThreadTarget"),
		"opportunities":          rel("opportunity"),
		"timelineActivities":     rel("timelineActivity"),
	},
	"person": {
		"name":                           {Type: "FULL_NAME", Label: "Name", IsNullable: true},
		"emails":                         {Type: "EMAILS", Label: "Emails", IsNullable: true, IsUnique: true, UniqueSubField: "primaryEmail"},
		"linkedinLink":                   {Type: "LINKS", Label: "Linkedin", IsNullable: true},
		"jobTitle":                       {Type: "TEXT", Label: "Job Title"},
		"phones":                         {Type: "PHONES", Label: "Phones", IsNullable: true},
		"avatarUrl":                      {Type: "TEXT", Label: "Avatar", IsNullable: true, IsSystem: true},
		"avatarFile":                     {Type: "FILES", Label: "Avatar File", IsNullable: true, IsSystem: true},
		"company":                        {Type: "RELATION", Label: "Company", IsNullable: true, Relation: m2o("company", "people")},
		"taskTargets":                    {Type: "RELATION", Label: "Tasks", IsNullable: true, Relation: o2m("taskTarget", "targetPerson")},
		"noteTargets":                    {Type: "RELATION", Label: "Notes", IsNullable: true, Relation: o2m("noteTarget", "targetPerson")},
		"attachments":                    {Type: "RELATION", Label: "Attachments", IsNullable: true, Relation: o2m("attachment", "targetPerson")},
		"pointOfContactForOpportunities": rel("opportunity"),
		"agentChatThreadTargets":         rel("agentChatThreadTarget"),
		"calendarEventTargets":           rel("calendarEventTarget"),
		"messageThreadTargets":           rel("messageThreadTarget"),
		"messageParticipants":            rel("messageParticipant"),
		"calendarEventParticipants":      rel("calendarEventParticipant"),
		"timelineActivities":             rel("timelineActivity"),
		"listMemberships":                rel("messageListMember"),
	},
	"task": {
		"title":              {Type: "TEXT", Label: "Title", IsNullable: true},
		"bodyV2":             {Type: "RICH_TEXT", Label: "Body", IsNullable: true},
		"dueAt":              {Type: "DATE_TIME", Label: "Due Date", IsNullable: true},
		"status":             {Type: "SELECT", Label: "Status", IsNullable: true, Options: opts("TODO:To do:sky", "IN_PROGRESS:In progress:purple", "DONE:Done:green")},
		"taskTargets":        {Type: "RELATION", Label: "Relations", IsNullable: true, Relation: o2m("taskTarget", "task")},
		"attachments":        {Type: "RELATION", Label: "Attachments", IsNullable: true, Relation: o2m("attachment", "targetTask")},
		"assignee":           {Type: "RELATION", Label: "Assignee", IsNullable: true, Relation: m2o("workspaceMember", "assignedTasks")},
		"timelineActivities": rel("timelineActivity"),
	},
	"note": {
		"title":              {Type: "TEXT", Label: "Title", IsNullable: true},
		"bodyV2":             {Type: "RICH_TEXT", Label: "Body", IsNullable: true},
		"noteTargets":        {Type: "RELATION", Label: "Relations", IsNullable: true, Relation: o2m("noteTarget", "note")},
		"attachments":        {Type: "RELATION", Label: "Attachments", IsNullable: true, Relation: o2m("attachment", "targetNote")},
		"timelineActivities": rel("timelineActivity"),
	},
	"taskTarget": {
		"task":              {Type: "RELATION", Label: "Task", IsNullable: true, Relation: m2o("task", "taskTargets")},
		"targetPerson":      {Type: "RELATION", Label: "Person", IsNullable: true, Relation: m2o("person", "taskTargets")},
		"targetCompany":     {Type: "RELATION", Label: "Company", IsNullable: true, Relation: m2o("company", "taskTargets")},
		"targetOpportunity": rel("opportunity"),
	},
	"noteTarget": {
		"note":              {Type: "RELATION", Label: "Note", IsNullable: true, Relation: m2o("note", "noteTargets")},
		"targetPerson":      {Type: "RELATION", Label: "Person", IsNullable: true, Relation: m2o("person", "noteTargets")},
		"targetCompany":     {Type: "RELATION", Label: "Company", IsNullable: true, Relation: m2o("company", "noteTargets")},
		"targetOpportunity": rel("opportunity"),
	},
	"attachment": {
		"name":     {Type: "TEXT", Label: "Name", IsNullable: true},
		"file":     {Type: "FILES", Label: "File", IsNullable: true},
		"fullPath": {Type: "TEXT", Label: "Full path", IsNullable: true},
		"fileCategory": {Type: "SELECT", Label: "File category", Options: opts("ARCHIVE:Archive:gray", "AUDIO:Audio:pink",
			"IMAGE:Image:yellow", "PRESENTATION:Presentation:orange", "SPREADSHEET:Spreadsheet:turquoise",
			"TEXT_DOCUMENT:Text Document:blue", "VIDEO:Video:purple", "OTHER:Other:gray")},
		"targetTask":            {Type: "RELATION", Label: "Task", IsNullable: true, Relation: m2o("task", "attachments")},
		"targetNote":            {Type: "RELATION", Label: "Note", IsNullable: true, Relation: m2o("note", "attachments")},
		"targetPerson":          {Type: "RELATION", Label: "Person", IsNullable: true, Relation: m2o("person", "attachments")},
		"targetCompany":         {Type: "RELATION", Label: "Company", IsNullable: true, Relation: m2o("company", "attachments")},
		"targetOpportunity":     rel("opportunity"),
		"targetDashboard":       rel("dashboard"),
		"targetWorkflow":        rel("workflow"),
		"targetAgentChatThread": rel("agentChatThread"),
	},
}

func lookup(object, name string) (field, bool) {
	if f, ok := facts[object][name]; ok {
		return f, true
	}
	f, ok := baseFacts[name]
	return f, ok
}
