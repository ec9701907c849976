package twenty

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// TestDestinationContract runs the shared exporters.Destination suite
// against twentytest.
// TestDestinationContract runs the shared suite against the test server
// speaking each version it models: today's 2.43 and 1.x before 1.17.
func TestDestinationContract(t *testing.T) {
	for _, v := range twentytest.Versions {
		t.Run(v, func(t *testing.T) { exportertest.Run(t, harness{version: v}) })
	}
}

type harness struct{ version string }

func (h harness) Start(t testing.TB) (exporters.Destination, exportertest.Server) {
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1, Version: h.version})
	c, err := NewClient(Config{BaseURL: srv.URL, APIKey: srv.APIKey(), Calls: 10000, Window: time.Second, RetryBase: time.Millisecond})
	require.NoError(t, err)
	m, err := NewMapper("America/New_York")
	require.NoError(t, err)
	return NewDestination(c, DestinationOptions{Mapper: m}), &server{srv: srv, c: c}
}

func (harness) Objects(t testing.TB, db *sql.DB) map[string]string {
	t.Helper()
	plan, err := ReadPlan(context.Background(), db)
	require.NoError(t, err)
	out := map[string]string{}
	// Workspace members are never written: users join by invitation.
	for _, o := range withoutMembers(plan).Objects {
		out[o.QualifiedTable()] = o.NameSingular
	}
	return out
}

func (harness) Skip() map[exportertest.Step]string { return nil }

func (harness) Changeable() (string, string) { return "twenty.person", "city" }

// server is twentytest as the suite sees it; tampering goes through the
// REST API, as a user's script would.
type server struct {
	srv *twentytest.Server
	c   *Client
}

func (s *server) Calls() int              { return s.srv.CallCount() }
func (s *server) Count(object string) int { return s.srv.Count(object) }

// State is every record of every object the push writes (twentytest's
// State).
func (s *server) State() any { return s.srv.State(allObjects...) }

// InterruptPush cancels the push at its first batch of tasks (half-way
// through the load order: companies and people are in, notes are not);
// that batch is written but its answer is lost.
func (s *server) InterruptPush(cancel context.CancelFunc) {
	var fired atomic.Bool
	s.srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
		if r.URL.Path == "/rest/batch/tasks" && fired.CompareAndSwap(false, true) {
			cancel()
			return twentytest.DropAfter
		}
		return twentytest.NoFault
	})
}

func (s *server) Heal() { s.srv.FailWhen(nil) }

// InterruptFirstWrite does the next batch write, loses its answer and
// cancels the push.
func (s *server) InterruptFirstWrite(cancel context.CancelFunc) {
	var fired atomic.Bool
	s.srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/rest/batch/") && fired.CompareAndSwap(false, true) {
			cancel()
			return twentytest.DropAfter
		}
		return twentytest.NoFault
	})
}

// Preexisting adds a contact, as a user of the workspace would, with the
// primary e-mail of one of the patients and an id of its own: Twenty's
// upsert matches records by primary e-mail.
func (s *server) Preexisting(t testing.TB, db *sql.DB) exportertest.Ref {
	email := s.firstID(t, db, `SELECT min(emails__primary_email) FROM twenty.person WHERE _source_object = 'patient' AND emails__primary_email IS NOT NULL`)
	id := uuid.NewString()
	_, err := s.c.Upsert(context.Background(), "people", []Record{{"id": id,
		"name": map[string]any{"firstName": "Already", "lastName": "There"}, "emails": map[string]any{"primaryEmail": email}, "city": "Typed in by hand"}})
	require.NoError(t, err)
	return exportertest.Ref{Table: "twenty.person", ID: id}
}

func (s *server) firstID(t testing.TB, db *sql.DB, q string) string {
	t.Helper()
	var id string
	require.NoError(t, db.QueryRow(q).Scan(&id))
	return id
}

func (s *server) Edit(t testing.TB, db *sql.DB) (exportertest.Ref, string) {
	id := s.firstID(t, db, `SELECT min(id) FROM twenty.person WHERE _source_object = 'patient'`)
	require.NoError(t, s.c.Patch(context.Background(), "people", id, Record{"city": "Edited in Twenty"}))
	return exportertest.Ref{Table: "twenty.person", ID: id}, "city"
}

func (s *server) Delete(t testing.TB, db *sql.DB) exportertest.Ref {
	id := s.firstID(t, db, `SELECT min(id) FROM twenty.task`)
	found, err := s.c.Destroy(context.Background(), "tasks", id)
	require.NoError(t, err)
	require.True(t, found)
	return exportertest.Ref{Table: "twenty.task", ID: id}
}

// AddExtra links a migrated note to a migrated patient by a note target
// the tables do not hold.
func (s *server) AddExtra(t testing.TB, db *sql.DB) exportertest.Ref {
	patient := s.firstID(t, db, `SELECT min(id) FROM twenty.person WHERE _source_object = 'patient'`)
	note := s.firstID(t, db, `SELECT min(id) FROM twenty.note`)
	table := s.firstID(t, db, `SELECT 'twenty.' || table_name FROM twenty.object_plan WHERE object_name_singular = 'noteTarget'`)
	id := uuid.NewString()
	person := "targetPersonId" // since Twenty 1.17
	if s.srv.Version() == twentytest.V1 {
		person = "personId"
	}
	_, err := s.c.Upsert(context.Background(), "noteTargets", []Record{{"id": id, "noteId": note, person: patient}})
	require.NoError(t, err)
	return exportertest.Ref{Table: table, ID: id}
}

func (s *server) RemoveExtra(t testing.TB, r exportertest.Ref) {
	found, err := s.c.Destroy(context.Background(), "noteTargets", r.ID)
	require.NoError(t, err)
	require.True(t, found)
}
