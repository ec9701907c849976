package exporters

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// slowAdapter takes every record, each write after a pause.
type slowAdapter struct{ pause time.Duration }

func (a slowAdapter) Decode(_ int, _ []*sql.ColumnType, vals []any) (*Item, error) {
	id := fmt.Sprint(vals[0])
	return &Item{ID: id, SourceKey: id, Hash: "h" + id}, nil
}
func (slowAdapter) Refuse(context.Context, int, []*Item) (map[string]string, error) { return nil, nil }
func (slowAdapter) Begin(context.Context, int, int, bool) (bool, int, error)        { return false, 0, nil }
func (slowAdapter) Prepare(context.Context, Batch) (int, error)                     { return 0, nil }
func (a slowAdapter) Write(ctx context.Context, b Batch) (WriteResult, error) {
	time.Sleep(a.pause)
	res := WriteResult{Done: map[string]int64{}, Calls: 1}
	for _, it := range b.Items {
		res.Done[it.ID] = 0
	}
	return res, nil
}
func (slowAdapter) Delete(context.Context, int, []string) (map[string]bool, int, error) {
	return nil, 0, nil
}
func (slowAdapter) Probe(context.Context, string, []string) (map[string]int64, error) {
	return map[string]int64{}, nil
}

// TestPushSaysHowFarItIs: a push writes periodic progress lines through
// Progress, with the records sent of those expected, the rate and the
// time left; a dry run of the same tables estimates at the pace given.
func TestPushSaysHowFarItIs(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	_, err = wh.DB().Exec(`CREATE SCHEMA IF NOT EXISTS x;
		CREATE TABLE x.a AS SELECT 'a' || i AS id FROM range(400) r(i);
		CREATE TABLE x.b AS SELECT 'b' || i AS id FROM range(200) r(i);`)
	require.NoError(t, err)
	objects := []Object{{Name: "a", Schema: "x", Table: "a"}, {Name: "b", Schema: "x", Table: "b", AllEarlier: true}}
	pace := Pace{CallEvery: 30 * time.Millisecond, Limit: "2 calls per 60ms"}
	opt := RunOptions{Destination: "test", BatchSize: 20, InFlight: 1, Pace: pace, ProgressEvery: 50 * time.Millisecond}

	opt.DryRun = true
	dry, err := Push(context.Background(), wh.DB(), slowAdapter{}, objects, opt)
	require.NoError(t, err)
	assert.Equal(t, 30, dry.Estimate.Calls, "600 records, 20 a write")
	assert.InDelta(t, 0.9, dry.Estimate.Seconds, 1e-9)

	opt.DryRun = false
	var mu sync.Mutex
	var lines []string
	opt.Progress = func(s string) { mu.Lock(); lines = append(lines, s); mu.Unlock() }
	_, err = Push(context.Background(), wh.DB(), slowAdapter{pause: 30 * time.Millisecond}, objects, opt)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	var progress []string
	for _, l := range lines {
		if strings.HasPrefix(l, "progress: ") {
			progress = append(progress, l)
		}
	}
	require.NotEmpty(t, progress, "lines: %q", lines)
	last := progress[len(progress)-1]
	assert.Contains(t, last, "of about 600 records sent")
	assert.Contains(t, last, "records/s")
	assert.Contains(t, last, "left")
	t.Logf("%d progress lines, the last: %s", len(progress), last)
}

// hashAdapter is slowAdapter with each record's hash taken from its row's
// second column, so a test changes records by changing that column.
type hashAdapter struct{ slowAdapter }

func (hashAdapter) Decode(_ int, _ []*sql.ColumnType, vals []any) (*Item, error) {
	id := fmt.Sprint(vals[0])
	return &Item{ID: id, SourceKey: id, Hash: fmt.Sprint(vals[1])}, nil
}

// TestRePushClassifiesTheSameWithTheLogReadPageByPage: a re-push reads
// the table's log once (Pager.AttachLast); when that runs out of DuckDB's
// memory_limit, it says so and reads each page's entries instead, and
// classifies every record the same: changed rows updated, the others
// skipped.
func TestRePushClassifiesTheSameWithTheLogReadPageByPage(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	db := wh.DB()
	_, err = db.Exec(`CREATE SCHEMA x; CREATE TABLE x.a AS SELECT 'a' || i AS id, 'v1' AS h FROM range(57) r(i)`)
	require.NoError(t, err)
	objects := []Object{{Name: "a", Schema: "x", Table: "a"}}
	var lines []string
	opt := RunOptions{Destination: "test", BatchSize: 10, PageRows: 8, Progress: func(s string) { lines = append(lines, s) }}
	out, err := Push(ctx, db, hashAdapter{}, objects, opt)
	require.NoError(t, err)
	require.Equal(t, 57, out.Objects[0].Created)

	for _, tc := range []struct {
		name    string
		change  string
		perPage bool
	}{
		{"the log read once", "UPDATE x.a SET h = 'v2' WHERE id IN ('a3', 'a20', 'a56')", false},
		{"the log read page by page", "UPDATE x.a SET h = 'v3' WHERE id IN ('a0', 'a20', 'a41', 'a50')", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.Exec(tc.change)
			require.NoError(t, err)
			if tc.perPage {
				was := attachLast
				attachLast = func(context.Context, *Pager, string, string) error {
					return fmt.Errorf("read the log of x.a: %w", &duckdb.Error{Type: duckdb.ErrorTypeOutOfMemory,
						Msg: "Out of Memory Error: could not allocate block of size 256.0 KiB"})
				}
				defer func() { attachLast = was }()
			}
			lines = nil
			out, err := Push(ctx, db, hashAdapter{}, objects, opt)
			require.NoError(t, err)
			changed := map[bool]int{false: 3, true: 4}[tc.perPage]
			assert.Equal(t, TableCount{Table: "x.a", Object: "a", Rows: 57, Updated: changed, Skipped: 57 - changed}, out.Objects[0].TableCount)
			said := strings.Contains(strings.Join(lines, "\n"), "reading it page by page")
			assert.Equal(t, tc.perPage, said, "lines: %q", lines)
		})
	}
}

// partAdapter writes every batch's records up to "a5", then refuses the
// batch when a5 is in it; it counts the writes of each record.
type partAdapter struct {
	slowAdapter
	mu     *sync.Mutex
	writes map[string]int
}

func (a partAdapter) Write(_ context.Context, b Batch) (WriteResult, error) {
	res := WriteResult{Done: map[string]int64{}, Calls: 1}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, it := range b.Items {
		if it.ID == "a5" {
			return res, &Refused{Reason: "a5 is refused"}
		}
		a.writes[it.ID]++
		res.Done[it.ID] = 1
	}
	return res, nil
}

// TestRefusedBatchIsNotWrittenTwice: records an adapter wrote before the
// destination refused the rest of the batch are logged created and not
// sent again when the engine splits the batch to isolate the refusal.
func TestRefusedBatchIsNotWrittenTwice(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	_, err = wh.DB().Exec(`CREATE SCHEMA IF NOT EXISTS x; CREATE TABLE x.a AS SELECT 'a' || i AS id FROM range(20) r(i);`)
	require.NoError(t, err)
	a := partAdapter{mu: &sync.Mutex{}, writes: map[string]int{}}
	out, err := Push(context.Background(), wh.DB(), a, []Object{{Name: "a", Schema: "x", Table: "a"}},
		RunOptions{Destination: "test", BatchSize: 20, InFlight: 1})
	require.NoError(t, err)
	for id, n := range a.writes {
		assert.Equal(t, 1, n, "%s written once", id)
	}
	assert.Len(t, a.writes, 19)
	require.Len(t, out.Objects, 1)
	assert.Equal(t, 19, out.Objects[0].Created)
	assert.Equal(t, 1, out.Objects[0].Failed)
}
