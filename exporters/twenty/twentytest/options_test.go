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
