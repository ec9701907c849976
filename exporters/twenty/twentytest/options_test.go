package twentytest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSelectOptions: a SELECT value that is not an option is refused; the
// options of a field (standard or custom) can be changed, with Twenty's
// rules (ids, values and positions unique); an option removed leaves the
// records holding it with null, as Twenty's enum migration does.
func TestSelectOptions(t *testing.T) {
	s := newServer(t)
	k := s.APIKey()
	task, _ := s.Object("task")
	status := task.field("status")
	require.NotNil(t, status)
	id := uuid.NewString()

	r := call(t, s, k, "POST", "/rest/tasks", map[string]any{"id": id, "title": "Recall", "status": "CANCELLED"})
	assert.Equal(t, 400, r.status, "a value that is not an option")
	assert.Contains(t, r.raw, "CANCELLED")

	opts := func(extra ...map[string]any) []any {
		var out []any
		for _, o := range status.Options {
			out = append(out, map[string]any{"id": o.ID, "value": o.Value, "label": o.Label, "position": o.Position})
		}
		for _, o := range extra {
			out = append(out, o)
		}
		return out
	}
	patch := func(options []any) resp {
		return call(t, s, k, "PATCH", "/rest/metadata/fields/"+status.ID, map[string]any{"options": options})
	}
	for _, c := range []struct {
		name  string
		extra map[string]any
		msg   string
	}{
		{"position taken", map[string]any{"value": "CANCELLED", "label": "Cancelled", "position": 2}, `Duplicated option position "2"`},
		{"value taken", map[string]any{"value": "DONE", "label": "Done again", "position": 3}, `Duplicated option value "DONE"`},
		{"id taken", map[string]any{"id": status.Options[0].ID, "value": "CANCELLED", "label": "Cancelled", "position": 3}, "Duplicated option id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := patch(opts(c.extra))
			assert.Equal(t, 400, r.status)
			assert.Contains(t, r.msgs, c.msg)
		})
	}
	require.Equal(t, 200, patch(opts(map[string]any{"value": "CANCELLED", "label": "Cancelled", "position": 3})).status, "a standard field's options change")
	r = call(t, s, k, "POST", "/rest/tasks", map[string]any{"id": id, "title": "Recall", "status": "CANCELLED"})
	require.Equal(t, 201, r.status, r.raw)

	// The option removed again: the task holding it keeps null.
	task, _ = s.Object("task")
	status = task.field("status")
	require.Equal(t, 200, patch(opts()[:3]).status)
	rec, _ := s.Record("task", id)
	assert.Nil(t, rec["status"])
}

// TestLean: a lean server refuses what a full one refuses (a taken e-mail,
// a relation to a record that does not exist, an unknown field), answers
// each write with the whole record, and keeps only what later calls check.
func TestLean(t *testing.T) {
	s := New(t, Options{RateLimit: -1, Version: V1, Lean: true})
	k := s.APIKey()
	a := uuid.NewString()
	p := person(a, "ada@x.org")
	p["jobTitle"] = "Dentist"
	r := call(t, s, k, "POST", "/rest/batch/people?upsert=true", []any{p})
	require.Equal(t, 201, r.status, r.raw)
	answered := r.body["data"].(map[string]any)["people"].([]any)[0].(map[string]any)
	assert.Equal(t, "Dentist", answered["jobTitle"], "the answer carries the whole record")

	rec, ok := s.Record("person", a)
	require.True(t, ok)
	assert.Nil(t, rec["jobTitle"], "a field no call checks is not kept")
	assert.Nil(t, rec["name"])
	assert.Equal(t, "ada@x.org", rec["emails"].(map[string]any)["primaryEmail"], "the unique e-mail is kept")

	r = call(t, s, k, "POST", "/rest/batch/people", []any{person(uuid.NewString(), "ADA@x.org")})
	assert.Equal(t, 400, r.status)
	assert.Contains(t, r.raw, "Duplicate Emails")
	r = call(t, s, k, "POST", "/rest/taskTargets", map[string]any{"taskId": uuid.NewString(), "personId": a})
	assert.Equal(t, 400, r.status, "a task that does not exist")
	assert.Contains(t, r.msgs, "does not exist")
	r = call(t, s, k, "POST", "/rest/people", map[string]any{"alertFlag": true})
	assert.Equal(t, 400, r.status)
	assert.Equal(t, 1, s.Count("person"))

	task := uuid.NewString()
	require.Equal(t, 201, call(t, s, k, "POST", "/rest/tasks", map[string]any{"id": task, "title": "Recall"}).status)
	r = call(t, s, k, "POST", "/rest/taskTargets", map[string]any{"taskId": task, "personId": a})
	require.Equal(t, 201, r.status, r.raw)
	var target string
	for id := range s.Records("taskTarget") {
		target = id
	}
	got, _ := s.Record("taskTarget", target)
	assert.Equal(t, a, got["personId"], "relation ids are kept")
}
