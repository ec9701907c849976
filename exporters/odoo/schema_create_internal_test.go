package odoo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scripted answers each create with the next of its answers.
type scripted struct {
	creates []any // an error, or the value answered
	sent    int
}

func (s *scripted) Call(_ context.Context, _, _ string, args []any) (any, error) {
	if args[4] != "create" {
		return nil, errors.New("scripted: only create")
	}
	a := s.creates[s.sent]
	s.sent++
	if err, ok := a.(error); ok {
		return nil, err
	}
	return a, nil
}

// TestCreateSchemaSettlesLostAnswers: a schema create whose answer was
// lost is settled from what Odoo holds: taken when every record exists,
// sent again when none does (at most Retries times), and a create sent
// again and refused (a unique constraint) is read back the same way. A
// refusal that follows no lost answer, or a read-back finding only part
// of the records, stays an error.
func TestCreateSchemaSettlesLostAnswers(t *testing.T) {
	lost := &TransportError{Op: "POST", Err: errors.New("connection reset by peer"), Sent: true}
	unique := &Fault{Code: FaultValidation, Message: "The operation cannot be completed: Field names must be unique per model."}
	answer := []any{int64(7), int64(8)}
	cases := []struct {
		name    string
		creates []any
		found   [][]int64 // what each read-back finds
		want    []int64
		err     error
		sent    int
	}{
		{"answered", []any{answer}, nil, []int64{7, 8}, nil, 1},
		{"lost after Odoo made them", []any{lost}, [][]int64{{7, 8}}, []int64{7, 8}, nil, 1},
		{"lost before Odoo made them: sent again", []any{lost, answer}, [][]int64{{0, 0}}, []int64{7, 8}, nil, 2},
		{"sent again and refused: the lost one came late", []any{lost, unique}, [][]int64{{0, 0}, {7, 8}}, []int64{7, 8}, nil, 2},
		{"sent again and refused for another reason", []any{lost, unique}, [][]int64{{0, 0}, {0, 0}}, nil, unique, 2},
		{"refused, no answer lost: not read back", []any{unique}, nil, nil, unique, 1},
		{"only part of them found", []any{lost}, [][]int64{{7, 0}}, nil, lost, 1},
		{"lost every time: Retries sends again", []any{lost, lost, lost}, [][]int64{{0, 0}, {0, 0}, {0, 0}}, nil, lost, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := &scripted{creates: tc.creates}
			c := &Client{cfg: Config{Retries: 2, Backoff: time.Microsecond}, caller: sc, uid: 2}
			reads := 0
			find := func(context.Context) ([]int64, error) {
				require.Less(t, reads, len(tc.found), "read back only after a lost answer")
				reads++
				return tc.found[reads-1], nil
			}
			got, err := createSchema(context.Background(), c, "ir.model.fields",
				[]map[string]any{{"name": "x_a"}, {"name": "x_b"}}, find)
			if tc.err != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.sent, sc.sent, "creates sent")
			assert.Equal(t, len(tc.found), reads, "read-backs")
		})
	}
}
