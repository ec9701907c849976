package twenty

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/axium2crm/axium2crm/exporters"
)

// Twenty's upsert matches a record by id and by every unique field
// (a person's primary e-mail, a company's domain): a new patient whose
// e-mail a contact already has would overwrite that contact. Before a
// batch is sent, the push reads who holds the batch's unique values; a
// record whose value another record holds is refused with that record's
// id, and the other record is left as it was.

// uniqueHolders returns, for the values given, the id of the record of
// object plural that holds each (field.sub, compared in lower case as
// Twenty stores e-mails), reading at most 100 values a call.
func (c *Client) uniqueHolders(ctx context.Context, plural, field, sub string, values []string) (map[string]string, int, error) {
	out := map[string]string{}
	calls := 0
	for start := 0; start < len(values); start += 100 {
		chunk := values[start:min(start+100, len(values))]
		list, _ := json.Marshal(chunk)
		recs, n, err := c.List(ctx, plural, field+"."+sub+"[in]:"+string(list))
		calls += n
		if err != nil {
			return nil, calls, err
		}
		for _, r := range recs {
			m, _ := r[field].(map[string]any)
			v, _ := m[sub].(string)
			if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
				out[v] = recordID(r)
			}
		}
	}
	return out, calls, nil
}

// uniqueValue is a payload's value of a unique key, as Twenty compares it.
func uniqueValue(p Record, k [2]string) string {
	m, _ := p[k[0]].(map[string]any)
	v, _ := m[k[1]].(string)
	return strings.ToLower(strings.TrimSpace(v))
}

// heldElsewhere reads who holds the unique values of the chunk's records
// and returns, by record id, why each record whose value another record
// holds must not be sent. It returns the calls made.
func heldElsewhere(ctx context.Context, c *Client, o ObjectPlan, chunk []*exporters.Item) (map[string]string, int, error) {
	out := map[string]string{}
	calls := 0
	for _, k := range uniqueKeys {
		var values []string
		seen := map[string]bool{}
		for _, it := range chunk {
			if v := uniqueValue(row(it).Payload, k); v != "" && !seen[v] {
				seen[v] = true
				values = append(values, v)
			}
		}
		if len(values) == 0 {
			continue
		}
		holders, n, err := c.uniqueHolders(ctx, o.NamePlural, k[0], k[1], values)
		calls += n
		if err != nil {
			return nil, calls, fmt.Errorf("%s: who holds %s.%s: %w", o.NamePlural, k[0], k[1], err)
		}
		for _, it := range chunk {
			v := uniqueValue(row(it).Payload, k)
			if id, ok := holders[v]; ok && v != "" && id != it.ID {
				out[it.ID] = fmt.Sprintf("%s.%s %q is already on %s %s, a record this migration did not write: Twenty's upsert would overwrite it. Merge the two in Twenty or change the value, then push again",
					k[0], k[1], v, o.NameSingular, id)
			}
		}
	}
	return out, calls, nil
}

// OverwriteError stops a push when Twenty answered a batch with a record
// id it was not sent: its upsert matched an existing record by a unique
// value and overwrote it. The push looks for such records before each
// batch, so this is a race with a change made in Twenty during the push.
type OverwriteError struct {
	Object string
	IDs    []string
}

func (e *OverwriteError) Error() string {
	return fmt.Sprintf("twenty: a batch of %s was answered with records it did not send (%s): Twenty matched them by a unique value and overwrote them; the push stopped. Check those records in Twenty",
		e.Object, strings.Join(e.IDs, ", "))
}

// foreignIDs reads a batch answer ({"data": {"<plural>": [...]}}) and
// returns the ids answered that were not sent.
func foreignIDs(body []byte, sent []Record) []string {
	var resp struct {
		Data map[string][]struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return nil
	}
	ids := map[string]bool{}
	for _, r := range sent {
		ids[recordID(r)] = true
	}
	var out []string
	for _, list := range resp.Data {
		for _, r := range list {
			if r.ID != "" && !ids[r.ID] {
				out = append(out, r.ID)
			}
		}
	}
	return out
}

// prober reads which records a workspace holds, for settling an
// interrupted push.
type prober struct {
	c    *Client
	plan Plan
}

func (p prober) Probe(ctx context.Context, table string, ids []string) (map[string]int64, error) {
	plural := ""
	for _, o := range p.plan.Objects {
		if o.QualifiedTable() == table {
			plural = o.NamePlural
		}
	}
	if plural == "" {
		return nil, fmt.Errorf("%s is not in twenty.object_plan", table)
	}
	found, err := p.c.Existing(ctx, plural, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for id := range found {
		out[id] = 0
	}
	return out, nil
}
