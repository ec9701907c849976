package odoo_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// BenchmarkPushOdoo pushes the same partners batched (create with a list
// of vals, 500 a call, 1 and 2 connections) and one record per call, in the
// same run, and reports records/s of each and the ratio. Against the real
// server ODOO_URL names when set (use a fresh database), else the test
// server. AXIUM2CRM_BENCH_PATIENTS sets the size (default 300).
//
//	go test -run '^$' -bench BenchmarkPushOdoo -benchtime 1x ./exporters/odoo
func BenchmarkPushOdoo(b *testing.B) {
	n := 300
	if s := os.Getenv("AXIUM2CRM_BENCH_PATIENTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	var c *odoo.Client
	if os.Getenv("ODOO_URL") != "" {
		c = realOdoo(b, "xmlrpc")
	} else {
		c = connect(b, newServer(b, odootest0()), "xmlrpc")
	}
	f := newFixture(b, n)
	// Partners only: the tables every other one hangs on.
	exec1(b, f.db, "DELETE FROM odoo.object_plan WHERE model <> 'res.partner'")
	exec1(b, f.db, "DELETE FROM odoo.field_plan WHERE model <> 'res.partner'")
	f.confirm(b)
	rows := 0
	for _, k := range f.rows(b) {
		rows += k
	}
	ctx := context.Background()
	run := func(batch, workers int) float64 {
		// Remove what the previous round created, so each round creates all.
		v, err := c.Execute(ctx, "ir.model.data", "search_read", []any{[]any{[]any{"module", "=", "axium"}, []any{"model", "=", "res.partner"}}},
			map[string]any{"fields": []any{"res_id"}})
		require.NoError(b, err)
		var ids []any
		for _, r := range v.([]any) {
			ids = append(ids, r.(map[string]any)["res_id"])
		}
		if len(ids) > 0 {
			_, err = c.Execute(ctx, "res.partner", "unlink", []any{ids}, nil)
			require.NoError(b, err)
		}
		start := time.Now()
		rep, err := odoo.Push(ctx, f.db, c, odoo.PushOptions{BatchSize: batch, Workers: workers, TimeZone: newYork})
		require.NoError(b, err)
		secs := time.Since(start).Seconds()
		created := 0
		for _, tr := range rep.Tables {
			created += tr.Create
		}
		require.Equal(b, rows, created)
		return float64(rows) / secs
	}
	for i := 0; i < b.N; i++ {
		b1 := run(500, 1)
		b2 := run(500, 2)
		one := run(1, 1)
		b.ReportMetric(b1, "batched_1conn_rec/s")
		b.ReportMetric(b2, "batched_2conn_rec/s")
		b.ReportMetric(one, "one_per_call_rec/s")
		b.ReportMetric(max(b1, b2)/one, "ratio")
	}
}

func odootest0() odootest.Options { return odootest.Options{} }
