package odoo

import (
	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// An Odoo push is bound by the server's own speed, which differs widely
// by model and write shape: a dry run's estimate uses the records a second
// each table reached on the last push to the same server (the push engine
// reads them from the audit log), and without one this stated default.

// pace is Odoo's for the push engine: no rate limit, a default rate.
var pace = exporters.Pace{DefaultPerSecond: 150,
	DefaultWhy: "a 2-worker Odoo 17 on 2 cores, on loopback, took the 200-patient fixture's push (10,097 records) at 148 records a second overall, " +
		"from about 40 records a second (recall series) and 60 (account.payment) to 2,600 (perio records)"}

// PlannedCalls is what a batch costs as Push sends it: the read of its
// external ids (the dry run made it too), a read of the updates' values
// before the write (their pre-images; a dry run does not read them), the
// load or create, and for new payments the read of their partners'
// receivable accounts (payment.go).
func (p *pusher) PlannedCalls(b exporters.Batch, _ bool, reads int) int {
	sent, updates := 0, 0
	for _, it := range b.Items {
		switch it.Action {
		case audit.Create:
			sent++
		case audit.Update:
			sent++
			updates++
		}
	}
	if sent == 0 {
		return reads
	}
	calls := reads + 1
	if updates > 0 {
		calls++
	}
	if sent > updates && p.tables[b.Object].obj.Model == paymentModel {
		calls++
	}
	return calls
}
