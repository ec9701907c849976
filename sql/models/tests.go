package models

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestResult is one data test's outcome. A test is a SELECT returning bad
// rows: zero rows passes.
type TestResult struct {
	Model    string   `json:"model"`
	Test     string   `json:"test"`
	Status   string   `json:"status"` // pass, fail, error
	Failures int64    `json:"failures"`
	Samples  []string `json:"samples,omitempty"`
	Message  string   `json:"message,omitempty"`
	SQL      string   `json:"sql"`
	// Seconds the test's query took (samples of a failure included).
	Seconds float64 `json:"seconds"`
}

// dataTest is a compiled test: its name and bad-rows query.
type dataTest struct {
	name string
	sql  string
	args []any
}

// compileTests turns a model's .yml tests into bad-rows queries. The first
// column of each query identifies the bad row (the model's key, or the
// tested value).
func (s *Set) compileTests(r *renderer, m *Model) ([]dataTest, error) {
	this := m.Relation()
	key := "'(no key)'"
	if len(m.Config.Key) > 0 {
		parts := make([]string, len(m.Config.Key))
		for i, k := range m.Config.Key {
			parts[i] = warehouse.QuoteIdent(k) + "::VARCHAR"
		}
		key = "concat_ws('|', " + strings.Join(parts, ", ") + ")"
	}
	var out []dataTest
	cols := make([]string, 0, len(m.Config.Columns))
	for c := range m.Config.Columns {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		qc := warehouse.QuoteIdent(c)
		for _, t := range m.Config.Columns[c] {
			where := ""
			if t.Where != "" {
				where = " AND (" + t.Where + ")"
			}
			dt := dataTest{name: t.Kind + "(" + c + ")"}
			switch t.Kind {
			case "not_null":
				dt.sql = "SELECT " + key + " AS bad FROM " + this + " WHERE " + qc + " IS NULL" + where
			case "unique":
				// A repeated value is among the rows whose hash repeats:
				// grouping 8-byte hashes first is far cheaper than grouping
				// the values (it halves the test of 83 million perio ids),
				// and a hash collision only adds a candidate that the exact
				// grouping then drops.
				dt.sql = "WITH \"_repeated hash\" AS (SELECT hash(" + qc + ") AS \"_repeated hash\" FROM " + this +
					" WHERE " + qc + " IS NOT NULL" + where + " GROUP BY 1 HAVING count(*) > 1)" +
					" SELECT " + qc + "::VARCHAR || ' ×' || count(*) AS bad FROM " + this +
					" SEMI JOIN \"_repeated hash\" r ON hash(" + qc + ") = r.\"_repeated hash\"" +
					" WHERE " + qc + " IS NOT NULL" + where + " GROUP BY " + qc + " HAVING count(*) > 1"
			case "accepted_values":
				marks := make([]string, len(t.Values))
				for i, v := range t.Values {
					marks[i] = "?"
					dt.args = append(dt.args, v)
				}
				dt.sql = "SELECT " + key + " || ': ' || " + qc + "::VARCHAR AS bad FROM " + this + " WHERE " + qc + " IS NOT NULL AND " +
					qc + "::VARCHAR NOT IN (" + strings.Join(marks, ", ") + ")" + where
			case "relationships":
				to := s.Models[t.To]
				dt.name = fmt.Sprintf("relationships(%s → %s.%s)", c, t.To, t.Field)
				dt.sql = "SELECT " + key + " || ': ' || c." + qc + "::VARCHAR AS bad FROM " + this + " c WHERE c." + qc + " IS NOT NULL" + where +
					" AND NOT EXISTS (SELECT 1 FROM " + to.Relation() + " p WHERE p." + warehouse.QuoteIdent(t.Field) + " = c." + qc + ")"
			}
			out = append(out, dt)
		}
	}
	for _, ct := range m.Config.Tests {
		body, err := r.renderText(m, ct.SQL)
		if err != nil {
			return nil, fmt.Errorf("%s test %s: %w", m.File, ct.Name, err)
		}
		out = append(out, dataTest{name: ct.Name, sql: "SELECT * FROM (" + body + ")"})
	}
	return out, nil
}

// Test runs the data tests of the selected models and records each outcome
// in meta.test_result against the model's fingerprint.
func (s *Set) Test(ctx context.Context, db *sql.DB, selectors []string, sources []SourceObject) ([]TestResult, error) {
	return s.TestWithProgress(ctx, db, selectors, sources, nil)
}

// TestProgress hears each data test as it starts: how many ran before it,
// of how many, and which.
type TestProgress func(done, total int, model, test string)

// TestWithProgress is Test telling progress (when not nil) about each test
// as it starts, so a command can say how far a long test run is.
func (s *Set) TestWithProgress(ctx context.Context, db *sql.DB, selectors []string, sources []SourceObject, progress TestProgress) ([]TestResult, error) {
	selected, err := s.Select(selectors)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	r, err := s.renderer(ctx, conn, sources, false)
	if err != nil {
		return nil, err
	}
	var runID int64
	if err := conn.QueryRowContext(ctx, "SELECT nextval('meta.run_seq')").Scan(&runID); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO meta.run (run_id, kind, started_at, status) VALUES (?, 'test', ?, 'running')",
		runID, time.Now().UTC()); err != nil {
		return nil, err
	}
	// Every test is compiled before any runs, so the progress knows the
	// total.
	compiled := make([][]dataTest, len(selected))
	total := 0
	for i, name := range selected {
		if compiled[i], err = s.compileTests(r, s.Models[name]); err != nil {
			return nil, err
		}
		total += len(compiled[i])
	}
	var out []TestResult
	for i, name := range selected {
		m := s.Models[name]
		for _, t := range compiled[i] {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			if progress != nil {
				progress(len(out), total, name, t.name)
			}
			res := TestResult{Model: name, Test: t.name, SQL: t.sql}
			t0 := time.Now()
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM ("+t.sql+")", t.args...).Scan(&res.Failures); err != nil {
				res.Status, res.Message = "error", err.Error()
			} else if res.Failures == 0 {
				res.Status = "pass"
			} else {
				res.Status = "fail"
				res.Samples, err = samples(ctx, conn, t)
				if err != nil {
					res.Message = err.Error()
				}
			}
			res.Seconds = time.Since(t0).Seconds()
			out = append(out, res)
			if _, err := conn.ExecContext(ctx, "INSERT INTO meta.test_result VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				runID, name, m.Fingerprint, t.name, res.Status, res.Failures, res.Samples, res.Message, time.Now().UTC()); err != nil {
				return out, err
			}
		}
	}
	status := "finished"
	for _, r := range out {
		if r.Status != "pass" {
			status = "failed"
		}
	}
	_, err = conn.ExecContext(ctx, "UPDATE meta.run SET finished_at = ?, status = ? WHERE run_id = ?", time.Now().UTC(), status, runID)
	return out, err
}

func samples(ctx context.Context, conn *sql.Conn, t dataTest) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT * FROM ("+t.sql+") LIMIT 5", t.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return out, err
		}
		out = append(out, fmt.Sprint(vals[0]))
	}
	return out, rows.Err()
}

// renderText expands a test's SQL with the model's template functions.
func (r *renderer) renderText(m *Model, text string) (string, error) {
	tmp := *m
	tmp.SQL = text
	return r.render(&tmp, 0, 1)
}
