package odoo_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// lateCreate is a proxy in front of an Odoo that takes the first create
// of x_perio_record, breaks the connection unanswered, and passes the
// call on, late, when release says: a server too slow to answer (the
// client gave up), which does the work after the client has sent it
// again.
type lateCreate struct {
	next    http.Handler
	mu      sync.Mutex
	held    []byte        // the body of the create held
	records int           // the records it creates
	resent  chan struct{} // closed once the held create, sent again, reached the server
	landed  chan struct{} // closed once the held create is done
	release func(resent <-chan struct{})
	// answerAfterLanded holds the answer to the create sent again until
	// the held create has landed.
	answerAfterLanded bool
}

// perioCreateCall is an execute_kw of x_perio_record.create (not the
// schema step's create of the model or its fields, which name it too).
var perioCreateCall = regexp.MustCompile(`<string>x_perio_record</string>(</value>|</param>|<param>|<value>)*<string>create</string>`)

func perioCreate(body []byte) bool { return perioCreateCall.Match(body) }

func (l *lateCreate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !perioCreate(body) {
		l.next.ServeHTTP(w, r)
		return
	}
	l.mu.Lock()
	first, again := l.held == nil, bytes.Equal(body, l.held)
	if first {
		l.held = body
		l.records = bytes.Count(body, []byte("<name>x_axium_xid</name>"))
	}
	l.mu.Unlock()
	if !first && !again {
		l.next.ServeHTTP(w, r)
		return
	}
	if again {
		// The create sent again is done; its answer goes back once the
		// held one has landed, when release waits for this.
		rec := httptest.NewRecorder()
		l.next.ServeHTTP(rec, r)
		select {
		case <-l.resent:
		default:
			close(l.resent)
		}
		if l.answerAfterLanded {
			<-l.landed
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	go func() {
		defer close(l.landed)
		l.release(l.resent)
		late := r.Clone(context.Background())
		late.Body = io.NopCloser(bytes.NewReader(body))
		l.next.ServeHTTP(httptest.NewRecorder(), late)
	}()
	exportertest.Reset(w)
}

// odooAt is where an Odoo is and how to log in.
type odooAt struct{ url, db, user, password string }

// testOdoo is a fresh in-repo test server.
func testOdoo(t *testing.T) odooAt {
	return odooAt{url: newServer(t, odootest.Options{}).URL, db: "odoo", user: "admin", password: testPassword}
}

// pushThroughLateCreate pushes a fresh fixture to the Odoo at o through
// lateCreate, whose held create lands when release returns.
func pushThroughLateCreate(t *testing.T, o odooAt, release func(resent <-chan struct{}), answerAfterLanded bool) (*fixture, *odoo.Client, *lateCreate, *odoo.Report) {
	t.Helper()
	f := newFixture(t, 9)
	l := &lateCreate{next: exportertest.Forward(o.url), resent: make(chan struct{}), landed: make(chan struct{}), release: release,
		answerAfterLanded: answerAfterLanded}
	proxy := httptest.NewServer(l)
	t.Cleanup(proxy.Close)
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: proxy.URL, DB: o.db, User: o.user, Password: o.password, Backoff: time.Millisecond})
	require.NoError(t, err)
	rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NotNil(t, l.held, "the push sent no create of perio records to hold: does the database already hold them? (each test needs a fresh one)")
	return f, c, l, rep
}

// perioCount is the perio records Odoo holds.
func perioCount(t *testing.T, c *odoo.Client) int {
	return int(call(t, c, "x_perio_record", "search_count", []any{[]any{}}, nil).(int64))
}

// perioID is the id of the perio record whose key is xid (failing on
// none, or more than one).
func perioID(t *testing.T, c *odoo.Client, xid string) int64 {
	l := call(t, c, "x_perio_record", "search", []any{[]any{[]any{"x_axium_xid", "=", xid}}}, nil).([]any)
	require.Len(t, l, 1, xid)
	return l[0].(int64)
}

// copiesLogged is the second copies the audit log says a push removed.
func copiesLogged(t *testing.T, f *fixture, runID int64) int {
	t.Helper()
	var n int
	require.NoError(t, f.db.QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND table_name = 'odoo.x_perio_record'
		AND action = 'skip' AND reason LIKE 'a second copy of record %'`, runID).Scan(&n))
	return n
}

// TestSecondCopiesOfALateCreateAreRemoved: the first create of perio
// records times out at the client and reaches Odoo only after the push
// read the batch back (nothing there yet) and sent it again, so Odoo
// makes the batch twice. The push removes the second copies before it
// ends: Odoo holds each perio record once, the one the log names, and the
// log lists each copy removed, with the reason.
func TestSecondCopiesOfALateCreateAreRemoved(t *testing.T) {
	secondCopiesRemoved(t, testOdoo(t))
}

// TestIntegrationSecondCopiesOfALateCreateAreRemoved runs it against a
// real Odoo (a fresh database).
func TestIntegrationSecondCopiesOfALateCreateAreRemoved(t *testing.T) {
	secondCopiesRemoved(t, realOdooAt(t))
}

func secondCopiesRemoved(t *testing.T, o odooAt) {
	f, c, l, rep := pushThroughLateCreate(t, o, func(resent <-chan struct{}) { <-resent }, true)
	<-l.landed
	rows := f.rows(t)["x_perio_record"]
	require.Positive(t, rows)
	batch := l.records
	require.Positive(t, batch)
	assert.Equal(t, batch, rep.CopiesRemoved, "the held batch's records, made twice")
	assert.Equal(t, batch, copiesLogged(t, f, rep.RunID))
	assert.Equal(t, rows, perioCount(t, c), "each perio record once")
	exportertest.AssertSettled(t, f.db, odoo.Destination, rep.RunID)
	// The record that stays is the one the log holds.
	rs, err := f.db.Query(`SELECT dest_id, dest_db_id FROM meta.push_record WHERE run_id = ? AND table_name = 'odoo.x_perio_record' AND action = 'create'`, rep.RunID)
	require.NoError(t, err)
	defer rs.Close()
	n := 0
	for rs.Next() {
		var x string
		var id int64
		require.NoError(t, rs.Scan(&x, &id))
		assert.Equal(t, id, perioID(t, c, x), x)
		n++
	}
	require.NoError(t, rs.Err())
	assert.Equal(t, rows, n)
}

// TestSecondCopiesThatLandAfterThePushAreRemovedByTheNext: the held
// create reaches Odoo only after the push ended. Verify names each copy
// as an extra record, with the record it copies; the next push (nothing
// changed) finds Odoo holding more keyed records than the log, scans
// them, and removes the copies; verify then finds nothing amiss.
func TestSecondCopiesThatLandAfterThePushAreRemovedByTheNext(t *testing.T) {
	copiesRemovedByTheNext(t, testOdoo(t))
}

// TestIntegrationSecondCopiesThatLandAfterThePushAreRemovedByTheNext runs
// it against a real Odoo (a fresh database).
func TestIntegrationSecondCopiesThatLandAfterThePushAreRemovedByTheNext(t *testing.T) {
	copiesRemovedByTheNext(t, realOdooAt(t))
}

func copiesRemovedByTheNext(t *testing.T, o odooAt) {
	pushed := make(chan struct{})
	f, c, l, rep := pushThroughLateCreate(t, o, func(<-chan struct{}) { <-pushed }, false)
	assert.Zero(t, rep.CopiesRemoved)
	close(pushed)
	<-l.landed
	rows := f.rows(t)["x_perio_record"]
	batch := l.records
	require.Positive(t, batch)
	require.Equal(t, rows+batch, perioCount(t, c), "the late create made the batch again")

	vr, err := odoo.Verify(context.Background(), f.db, c, verifyOpts())
	require.NoError(t, err)
	extra := 0
	for _, tv := range vr.Tables {
		if tv.Model == "x_perio_record" {
			extra += tv.Extra
		} else {
			assert.Zero(t, tv.Extra+tv.Missing+tv.Mismatched, tv.Table)
		}
	}
	assert.Equal(t, batch, extra, "each second copy is an extra")
	var named int
	require.NoError(t, f.db.QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND action = 'fail'
		AND reason LIKE 'verify: in Odoo twice, records % carry the same x_axium_xid axium.perio_%'`, vr.RunID).Scan(&named))
	assert.Equal(t, batch, named)

	again, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	assert.Equal(t, batch, again.CopiesRemoved)
	assert.Equal(t, batch, copiesLogged(t, f, again.RunID))
	assert.Equal(t, rows, perioCount(t, c), "each perio record once")
	for _, tr := range again.Tables {
		if tr.Model == "x_perio_record" {
			assert.Zero(t, tr.Create, "nothing made again")
		}
	}
	vr, err = odoo.Verify(context.Background(), f.db, c, verifyOpts())
	require.NoError(t, err)
	for _, tv := range vr.Tables {
		assert.Zero(t, tv.Extra+tv.Missing+tv.Mismatched, tv.Table)
	}
}
