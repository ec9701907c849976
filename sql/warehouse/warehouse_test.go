package warehouse_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func TestOpenAppliesMigrationsOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, warehouse.FileName)
	ctx := context.Background()
	ms, err := warehouse.Migrations()
	require.NoError(t, err)
	require.NotEmpty(t, ms)

	for i := 0; i < 2; i++ {
		wh, err := warehouse.Open(ctx, warehouse.Options{Path: path, Threads: 1, MemoryLimit: "512MB"})
		require.NoError(t, err)
		v, err := wh.SchemaVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, ms[len(ms)-1].Version, v)
		var n int
		require.NoError(t, wh.DB().QueryRow("SELECT count(*) FROM meta.schema_migrations").Scan(&n))
		assert.Equal(t, len(ms), n, "open %d", i+1)
		var threads string
		require.NoError(t, wh.DB().QueryRow("SELECT current_setting('threads')::VARCHAR").Scan(&threads))
		assert.Equal(t, "1", threads)
		require.NoError(t, wh.Close())
	}
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "patient data is owner-only")
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), warehouse.FileName)
	_, err := warehouse.Open(ctx, warehouse.Options{Path: path, ReadOnly: true})
	assert.True(t, errors.Is(err, warehouse.ErrNotFound))

	wh, err := warehouse.Open(ctx, warehouse.Options{Path: path})
	require.NoError(t, err)
	require.NoError(t, wh.Close())
	ro, err := warehouse.Open(ctx, warehouse.Options{Path: path, ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close()
	_, err = ro.DB().Exec("CREATE TABLE raw.x (a INT)")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read-only")
}

// TestLockHeldByAnotherProcess starts a second process that holds the
// warehouse and checks the error names it.
func TestLockHeldByAnotherProcess(t *testing.T) {
	if os.Getenv("AXIUM2CRM_HOLD_LOCK") != "" {
		holdLock(os.Getenv("AXIUM2CRM_HOLD_LOCK"))
		return
	}
	path := filepath.Join(t.TempDir(), warehouse.FileName)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHeldByAnotherProcess$")
	cmd.Env = append(os.Environ(), "AXIUM2CRM_HOLD_LOCK="+path)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { stdin.Close(); cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "holding\n", line)

	_, err = warehouse.Open(context.Background(), warehouse.Options{Path: path})
	var locked *warehouse.ErrLocked
	require.ErrorAs(t, err, &locked)
	assert.Equal(t, cmd.Process.Pid, locked.PID)
	assert.Contains(t, err.Error(), "in use by process")
	assert.NotContains(t, err.Error(), "IO Error", "DuckDB's raw text is translated")
}

func holdLock(path string) {
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: path})
	if err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("holding\n")
	buf := make([]byte, 1)
	os.Stdin.Read(buf) // until the parent closes stdin
	wh.Close()
	os.Exit(0)
}

func TestSplitStatements(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"SELECT 1; SELECT 2;", []string{"SELECT 1", "SELECT 2"}},
		{"SELECT ';' AS a; SELECT \"x;y\" FROM t", []string{"SELECT ';' AS a", "SELECT \"x;y\" FROM t"}},
		{"SELECT 'it''s; fine'", []string{"SELECT 'it''s; fine'"}},
		{"-- a comment; still comment\nSELECT 1; /* block; */ SELECT 2", []string{"-- a comment; still comment\nSELECT 1", "/* block; */ SELECT 2"}},
		{"SELECT $$a;b$$; SELECT $t$c;d$t$", []string{"SELECT $$a;b$$", "SELECT $t$c;d$t$"}},
		{" ; -- only a comment\n ;", nil},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, warehouse.SplitStatements(tc.in))
		})
	}
}

// TestOutOfMemory: a statement DuckDB cannot fit in memory_limit (a list
// of ten million numbers, which it cannot spill, under 16 MB) is told
// apart from any other error.
func TestOutOfMemory(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	defer wh.Close()
	_, err = wh.DB().ExecContext(ctx, "SET memory_limit = '16MB'")
	require.NoError(t, err)
	var n int
	err = wh.DB().QueryRowContext(ctx, "SELECT len(list(i)) FROM range(10000000) r(i)").Scan(&n)
	require.Error(t, err)
	assert.True(t, warehouse.OutOfMemory(fmt.Errorf("wrapped: %w", err)), "%v", err)
	_, err = wh.DB().ExecContext(ctx, "SELECT * FROM no_such_table")
	require.Error(t, err)
	assert.False(t, warehouse.OutOfMemory(err), "%v", err)
}

// TestReadersSpillApart: two read-only opens of one warehouse (two
// exports at once) with the project's one temp directory each spill into
// a directory of their own under it, so neither overwrites the other's
// spilled pages; each directory goes when its open closes.
func TestReadersSpillApart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, tmp := filepath.Join(dir, warehouse.FileName), filepath.Join(dir, "tmp")
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: path, TempDir: tmp})
	require.NoError(t, err)
	require.NoError(t, wh.Close())
	var readers []*warehouse.Warehouse
	var dirs []string
	for range 2 {
		ro, err := warehouse.Open(ctx, warehouse.Options{Path: path, TempDir: tmp, MemoryLimit: "48MB", Threads: 1, ReadOnly: true})
		require.NoError(t, err)
		readers = append(readers, ro)
		var d string
		require.NoError(t, ro.DB().QueryRow("SELECT current_setting('temp_directory')").Scan(&d))
		assert.Equal(t, tmp, filepath.Dir(d), "under the project's temp directory")
		dirs = append(dirs, d)
	}
	assert.NotEqual(t, dirs[0], dirs[1])
	// Both hold more than their memory at once (a temporary table, which
	// a read-only open may make), spilling, and read it back.
	errs := make(chan error, len(readers))
	for _, ro := range readers {
		go func() {
			if _, err := ro.DB().Exec(`CREATE TEMP TABLE s AS SELECT md5(CAST(i AS VARCHAR)) || repeat('x', 40) AS m
				FROM range(1500000) r(i) ORDER BY m`); err != nil {
				errs <- err
				return
			}
			var n int64
			err := ro.DB().QueryRow("SELECT count(*) FROM s WHERE m LIKE '%x'").Scan(&n)
			if err == nil && n != 1500000 {
				err = fmt.Errorf("read back %d rows of 1500000", n)
			}
			errs <- err
		}()
	}
	for range readers {
		assert.NoError(t, <-errs)
	}
	for i, ro := range readers {
		require.NoError(t, ro.Close())
		assert.NoDirExists(t, dirs[i])
	}
	assert.DirExists(t, tmp)
}
