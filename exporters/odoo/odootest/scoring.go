package odootest

import (
	"fmt"
	"time"
)

// Predictive lead scoring as Odoo 17's crm module has it
// (crm/models/crm_lead.py): a lead written with a stage or active value
// is counted in the scoring table at once (_handle_won_lost), when it was
// created on or after the start date crm.pls_start_date; the scheduled
// action crm.website_crm_score_cron rebuilds the table from every closed
// lead since that date. The server counts what it would have counted.

// PLSStartDate is the seeded start date of lead scoring.
const PLSStartDate = "2026-01-01"

// ScoringStats is what lead scoring counted.
type ScoringStats struct {
	// Live is the leads counted one by one as they were written.
	Live int
	// Rebuilds is the times the table was rebuilt, and Rebuilt the leads
	// the last rebuild counted.
	Rebuilds, Rebuilt int
}

// Scoring returns what lead scoring counted.
func (s *Server) Scoring() ScoringStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.scoring
}

// param is a setting's value.
func (st *store) param(key string) (string, bool) {
	for _, r := range st.all("ir.config_parameter") {
		if r["key"] == key {
			v, _ := r["value"].(string)
			return v, true
		}
	}
	return "", false
}

// setParam sets a setting and answers its value before (false when it
// had none), as ir.config_parameter.set_param does; a false or empty
// value removes it.
func (st *store) setParam(key string, v any) (any, error) {
	m := st.models["ir.config_parameter"]
	for _, r := range st.all("ir.config_parameter") {
		if r["key"] != key {
			continue
		}
		old := r["value"]
		id, _ := r["id"].(int64)
		if v == nil || v == false {
			return old, st.unlink(m, []int64{id})
		}
		if fmt.Sprint(v) != old {
			if err := st.write(m, []int64{id}, map[string]any{"value": fmt.Sprint(v)}); err != nil {
				return nil, err
			}
		}
		return old, nil
	}
	if v == nil || v == false {
		return false, nil
	}
	_, err := st.create(m, []any{map[string]any{"key": key, "value": fmt.Sprint(v)}})
	return false, err
}

// scoringLive says whether a lead written now is counted: the start date
// is a date on or before today.
func (st *store) scoringLive() bool {
	v, ok := st.param("crm.pls_start_date")
	if !ok {
		return false
	}
	d, err := time.Parse("2006-01-02", v)
	return err == nil && !d.After(time.Now().UTC())
}

// leadsWritten counts n leads just written to model, if it is crm.lead.
func (st *store) leadsWritten(m *Model, n int) {
	if m.Name == "crm.lead" && st.scoringLive() {
		st.scoring.Live += n
	}
}

// triggerCrons runs scheduled actions now (ir.cron.method_direct_trigger):
// the lead scoring one rebuilds the table.
func (st *store) triggerCrons(ids []int64) error {
	for _, id := range ids {
		if !st.exists("ir.cron", id) {
			return serverError("odoo.exceptions.MissingError: Record does not exist or has been deleted.")
		}
		if model, cron, ok := st.lookupXID("crm.website_crm_score_cron"); !ok || model != "ir.cron" || cron != id {
			continue
		}
		st.scoring.Rebuilds++
		st.scoring.Rebuilt = 0
		if st.scoringLive() {
			st.scoring.Rebuilt = len(st.all("crm.lead"))
		}
	}
	return nil
}
