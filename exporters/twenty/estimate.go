package twenty

import (
	"fmt"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// A Twenty push is bound by the API key's rate limit, which the client
// keeps to (Config.Calls per Config.Window, evenly paced): a push lasts
// its rate-limited calls at that pace. Only record calls spend the
// limit's tokens (spendsToken): the data model's reads and changes and
// the Files v2 calls do not, so they are not counted here. What the calls
// are is counted from the plan: the engine forms the batches; this file
// says what each costs.

// pace is the client's rate limit as the push engine costs calls at it;
// fixed are the rate-limited calls the push makes once (the members'
// reads).
func (c *Client) pace(fixed int) exporters.Pace {
	return exporters.Pace{CallEvery: c.cfg.Window / time.Duration(c.cfg.Calls),
		Limit: fmt.Sprintf("%d calls per %s", c.cfg.Calls, c.cfg.Window), FixedCalls: fixed}
}

// PlannedCalls is the rate-limited calls a batch costs as Push sends it:
// the upsert, a file upload per attachment where uploads are rate-limited
// (pacedUploadCalls), and the reads Prepare makes before the write. A
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
		calls += sent * a.c.pacedUploadCalls()
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

// uploadCalls are the API calls one attachment's file costs:
// createFileUpload and completeFileUpload on /metadata with Files v2 (the
// bytes go to and come back from a signed storage URL), one uploadFile
// before.
func (c *Client) uploadCalls() int {
	if c.workspace().FilesV2 {
		return 2
	}
	return 1
}

// pacedUploadCalls are those of uploadCalls that spend a rate-limit
// token: none with Files v2 (the /metadata API is not throttled), the
// uploadFile call on /graphql before, which the client paces.
func (c *Client) pacedUploadCalls() int {
	if c.workspace().FilesV2 {
		return 0
	}
	return 1
}
