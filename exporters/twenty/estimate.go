package twenty

import (
	"fmt"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// A Twenty push is bound by the API key's rate limit, which the client
// keeps to (Config.Calls per Config.Window, evenly paced): a push lasts
// its calls at that pace. What the calls are is counted from the plan: the
// engine forms the batches; this file says what each costs.

// pace is the client's rate limit as the push engine costs calls at it;
// fixed are the calls the push makes once (the data model's reads and
// changes, the members' reads).
func (c *Client) pace(fixed int) exporters.Pace {
	return exporters.Pace{CallEvery: c.cfg.Window / time.Duration(c.cfg.Calls),
		Limit: fmt.Sprintf("%d calls per %s", c.cfg.Calls, c.cfg.Window), FixedCalls: fixed}
}

// schemaCalls are the calls applySchema makes for actions.
func schemaCalls(actions []SchemaAction) int {
	n := 0
	for _, a := range actions {
		switch a.Kind {
		case "create object", "create field", "add options":
			n++
		}
	}
	return n
}

// PlannedCalls is what a batch costs as Push sends it: the upsert, a file
// upload per attachment (uploadCalls), and the reads Prepare makes before the write. A
// dry run that read the destination for the batch (the object may hold
// records the log does not know) made those reads itself; otherwise they
// are the updates' pre-images (one list call per MaxBatch ids) and, for
// people and companies when the object was not empty, who holds the
// unique values of the records to create (one list call per 100 values
// of each unique key).
func (a *adapter) PlannedCalls(b exporters.Batch, prepared bool, reads int) int {
	o := a.plan.Objects[b.Object]
	var creates []*exporters.Item
	updates := 0
	for _, it := range b.Items {
		switch it.Action {
		case audit.Create:
			creates = append(creates, it)
		case audit.Update:
			updates++
		}
	}
	sent := len(creates) + updates
	if sent == 0 {
		return reads
	}
	calls := 1
	if o.NameSingular == "attachment" {
		calls += sent * a.c.uploadCalls()
	}
	switch {
	case !prepared:
		return calls
	case b.Foreign:
		return calls + reads
	}
	calls += (updates + MaxBatch - 1) / MaxBatch
	a.mu.Lock()
	empty := a.empty[b.Object]
	a.mu.Unlock()
	if empty || len(creates) == 0 || o.NameSingular != "person" && o.NameSingular != "company" {
		return calls
	}
	for _, k := range uniqueKeys {
		seen := map[string]bool{}
		for _, it := range creates {
			if v := uniqueValue(row(it).Payload, k); v != "" {
				seen[v] = true
			}
		}
		calls += (len(seen) + 99) / 100
	}
	return calls
}

// uploadCalls are the rate-limited calls one attachment's file costs:
// createFileUpload and completeFileUpload with Files v2 (the bytes go to
// and come back from a signed storage URL, outside the API's limit), one
// uploadFile before.
func (c *Client) uploadCalls() int {
	if c.workspace().FilesV2 {
		return 2
	}
	return 1
}
