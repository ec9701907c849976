package odoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/axium2crm/axium2crm/exporters/audit"
)

// Odoo 17's predictive lead scoring counts every won or lost lead in its
// frequency table (crm.lead._handle_won_lost), lead by lead as it is
// created, and only leads created on or after its start date
// (crm.pls_start_date; crm.lead._pls_prepare_update_frequency_table). For
// a migration's won visits that count is most of their cost (70% of a
// 300-lead create in a cProfile against a real Odoo 17), and it makes two
// batches of visits sent together collide on the table's rows ("could not
// serialize access"), so visits had to go one batch at a time.
//
// The push therefore pauses the live count while it writes: before the
// first visit it writes (not before a push that writes none, such as a
// cutover delta with no visit changed) it logs the start date as it is
// (table odoo.settings, the value as the entry's pre-image), then sets it
// to scoringPaused, a date
// no lead has, so Odoo counts none of the visits and they go on every
// connection. Once every record is written it sets the date back and runs
// Odoo's own rebuild of the table (the scheduled action "Predictive Lead
// Scoring: Recompute Automated Probabilities", crm.website_crm_score_cron,
// which recounts every closed lead since the start date and recomputes
// the open ones' probabilities): the table then holds what the live count
// would have made. Measured in an Odoo 17 shell, 500 won leads a call:
// 121-145 a second counted live, 213-239 paused; the rebuild gave the
// counts of every lead.
//
// A push that fails sets the date back as it stops. One killed on the way
// leaves it paused: the next push (a resume or not) finds the date paused,
// takes the value before from the log and sets it back when it ends; a
// rollback sets it back too, and rebuilds the table once the push's
// visits are gone. A date someone else set to scoringPaused, with nothing
// in the log, is left alone and visits go one batch at a time.
// PushOptions.LiveScoring keeps the count live (visits one at a time).

const (
	// scoringParam is the setting the live count reads.
	scoringParam = "crm.pls_start_date"
	// scoringPaused is the start date while the push writes.
	scoringPaused = "2999-12-31"
	// scoringCron is Odoo's scheduled action that rebuilds the count.
	scoringCron = "crm.website_crm_score_cron"
	// settingsTable names the log's entries of settings the push changed
	// (the audit log does not hold a later push's change of a setting
	// against rolling back an earlier push: audit.NewerPushes).
	settingsTable = "odoo.settings"
	// paramModel holds the settings.
	paramModel = "ir.config_parameter"
	// leadModel is the model whose creates the live count slows.
	leadModel = "crm.lead"
)

// scoringState is what the push did to lead scoring.
type scoringState struct {
	paused   bool   // the push set the start date to scoringPaused
	before   string // the start date before the push
	restored bool
}

// scoringPause pauses lead scoring once, before the first visit the push
// writes or deletes: a push that writes none leaves it as it is (and
// Odoo does not rebuild its table).
type scoringPause struct {
	mu   sync.Mutex
	log  func([]audit.Entry) error // the run's log; nil: nothing to pause
	done bool
}

// armScoring is the schema step's part: a date an interrupted push left
// paused is taken back at once (it is set back at the end, whatever this
// push writes); otherwise the pause waits for the first visit.
func (p *pusher) armScoring(ctx context.Context, log func([]audit.Entry) error) error {
	cur, set, err := readParam(ctx, p.c, scoringParam)
	if err == nil && set && cur == scoringPaused {
		p.pause.done = true
		return p.pauseScoring(ctx, log)
	}
	p.pause.log = log
	return nil
}

// pauseBeforeLeads pauses lead scoring before the push's first write of
// visits; writes that come together wait for it.
func (p *pusher) pauseBeforeLeads(ctx context.Context, model string) error {
	if model != leadModel {
		return nil
	}
	p.pause.mu.Lock()
	defer p.pause.mu.Unlock()
	if p.pause.done || p.pause.log == nil {
		return nil
	}
	p.pause.done = true
	return p.pauseScoring(ctx, p.pause.log)
}

// settingPre is a setting's value as a log entry's pre-image.
type settingPre struct {
	Value string `json:"value"`
}

// readParam reads a setting: its value and whether it is set.
func readParam(ctx context.Context, c *Client, key string) (string, bool, error) {
	v, err := c.Execute(ctx, paramModel, "search_read", []any{[]any{[]any{"key", "=", key}}}, map[string]any{"fields": []any{"value"}})
	if err != nil {
		return "", false, fmt.Errorf("read %s: %w", key, err)
	}
	rs := records(v)
	if len(rs) == 0 {
		return "", false, nil
	}
	return str(rs[0]["value"]), true, nil
}

// setParam sets a setting (ir.config_parameter.set_param).
func setParam(ctx context.Context, c *Client, key, value string) error {
	if _, err := c.Execute(ctx, paramModel, "set_param", []any{key, value}, nil); err != nil {
		return fmt.Errorf("set %s to %s: %w", key, value, err)
	}
	return nil
}

// pausesScoring says whether this push pauses lead scoring: it writes
// visits and the user did not ask for the count to stay live.
func (p *pusher) pausesScoring() bool {
	if p.opt.DryRun || p.opt.LiveScoring {
		return false
	}
	for _, t := range p.tables {
		if t.obj.Model == leadModel {
			return true
		}
	}
	return false
}

// pauseScoring pauses the live count, logging the start date before it
// is changed. When it cannot (no CRM, no right to change settings), the
// count stays live and visits go one batch at a time.
func (p *pusher) pauseScoring(ctx context.Context, log func([]audit.Entry) error) error {
	cur, set, err := readParam(ctx, p.c, scoringParam)
	if err != nil || !set {
		why := "Odoo has no " + scoringParam
		if err != nil {
			why = err.Error()
		}
		p.say("odoo: lead scoring stays live, visits go one batch at a time (" + why + ")")
		return nil
	}
	before := cur
	if cur == scoringPaused {
		// An interrupted push left it paused: the value before is in
		// the log.
		pre, ok, err := audit.LastPreImage(ctx, p.db, Destination, settingsTable, scoringParam)
		if err != nil {
			return err
		}
		var sp settingPre
		if !ok || json.Unmarshal([]byte(pre), &sp) != nil || sp.Value == "" || sp.Value == scoringPaused {
			p.say(fmt.Sprintf("odoo: %s is %s and the audit log does not say what it was before: lead scoring left as it is, visits go one batch at a time", scoringParam, cur))
			return nil
		}
		before = sp.Value
	}
	pre, err := json.Marshal(settingPre{Value: before})
	if err != nil {
		return err
	}
	if err := log([]audit.Entry{{Object: paramModel, Table: settingsTable, DestID: scoringParam, Action: audit.Update, PreImage: string(pre),
		Reason: "lead scoring paused while the push writes (start date " + scoringPaused + "); set back and rebuilt when it ends"}}); err != nil {
		return err
	}
	if cur != scoringPaused {
		if err := setParam(ctx, p.c, scoringParam, scoringPaused); err != nil {
			// The change may have landed with its answer lost: paused is
			// what Odoo holds, not what the call said.
			if now, _, rerr := readParam(ctx, p.c, scoringParam); rerr != nil || now != scoringPaused {
				p.say("odoo: lead scoring stays live, visits go one batch at a time (" + err.Error() + ")")
				return nil
			}
		}
	}
	p.mu.Lock()
	p.scoring = scoringState{paused: true, before: before}
	p.mu.Unlock()
	p.say(fmt.Sprintf("odoo: lead scoring paused while the push writes (%s was %s; set back and recounted at the end)", scoringParam, before))
	return nil
}

// serialLeads says whether visits still go one batch at a time.
func (p *pusher) serialLeads() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.scoring.paused
}

// resumeScoring sets the start date back and rebuilds the count, logging
// it when log is set (the push's end; a failed push has no log left).
func (p *pusher) resumeScoring(ctx context.Context, log func([]audit.Entry) error) error {
	p.mu.Lock()
	s := p.scoring
	p.mu.Unlock()
	if !s.paused || s.restored {
		return nil
	}
	if err := setBack(ctx, p.c, s.before); err != nil {
		return err
	}
	p.mu.Lock()
	p.scoring.restored = true
	p.mu.Unlock()
	reason := "lead scoring live again: start date back to " + s.before + ", its table rebuilt"
	p.say("odoo: lead scoring's start date set back; Odoo now recounts its table over every lead (minutes on a large database)")
	if err := rebuildScoring(ctx, p.c); err != nil {
		// The date is back; the table catches up when Odoo next rebuilds it.
		reason = "lead scoring live again: start date back to " + s.before + "; " + notRebuilt(err)
		p.say("odoo: " + reason)
	} else {
		p.say(fmt.Sprintf("odoo: lead scoring live again (%s back to %s, its table recounted)", scoringParam, s.before))
	}
	if log == nil {
		return nil
	}
	return log([]audit.Entry{{Object: paramModel, Table: settingsTable, DestID: scoringParam, Action: audit.Restore, Reason: reason}})
}

// notRebuilt says what to do when Odoo's rebuild of the lead scoring
// table could not be run.
func notRebuilt(err error) string {
	return "its table not rebuilt (" + err.Error() + "): run the scheduled action \"Predictive Lead Scoring: Recompute Automated Probabilities\" in Odoo, or Update Probabilities in the CRM settings"
}

// resumeScoringAfterFailure sets lead scoring back when a push stops on
// an error, even when the error is a cancelled context.
func (p *pusher) resumeScoringAfterFailure(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := p.resumeScoring(ctx, nil); err != nil {
		p.say(fmt.Sprintf("odoo: lead scoring is still paused (%s is %s): push again or roll back to set it back (%v)", scoringParam, scoringPaused, err))
	}
}

// setBack sets the start date back to before when it is paused.
func setBack(ctx context.Context, c *Client, before string) error {
	cur, set, err := readParam(ctx, c, scoringParam)
	if err != nil {
		return err
	}
	if set && cur == scoringPaused {
		return setParam(ctx, c, scoringParam, before)
	}
	return nil
}

// rebuildScoring runs Odoo's scheduled action that rebuilds the lead
// scoring table from every closed lead since the start date.
func rebuildScoring(ctx context.Context, c *Client) error {
	found, err := c.resolveXIDs(ctx, []string{scoringCron})
	if err != nil {
		return fmt.Errorf("find %s: %w", scoringCron, err)
	}
	cron, ok := found[scoringCron]
	if !ok || cron.Model != "ir.cron" {
		return errors.New("Odoo has no scheduled action " + scoringCron + " to rebuild the lead scoring table")
	}
	if _, err := c.Execute(ctx, "ir.cron", "method_direct_trigger", []any{[]any{cron.ID}}, nil); err != nil {
		return fmt.Errorf("rebuild the lead scoring table (%s): %w", scoringCron, err)
	}
	return nil
}

// rollbackScoring sets lead scoring back for a rollback: the start date
// when the push left it paused, and the count rebuilt without the visits
// the rollback removed. Each undo is logged.
func rollbackScoring(ctx context.Context, c *Client, items []audit.Undo, log func([]audit.Entry) error) error {
	for _, u := range items {
		var sp settingPre
		if err := json.Unmarshal([]byte(u.PreImage), &sp); err != nil || sp.Value == "" {
			return fmt.Errorf("%s: the log's value before the push is not readable (%q)", u.DestID, u.PreImage)
		}
		if u.DestID != scoringParam {
			return fmt.Errorf("the log names a setting this version does not change: %s", u.DestID)
		}
		if err := setBack(ctx, c, sp.Value); err != nil {
			return err
		}
		reason := "lead scoring: start date " + sp.Value + " (as before the push), its table rebuilt without the push's visits"
		if err := rebuildScoring(ctx, c); err != nil {
			reason = "lead scoring: start date " + sp.Value + " (as before the push); " + notRebuilt(err)
		}
		if err := log([]audit.Entry{{Object: paramModel, Table: settingsTable, DestID: u.DestID, Action: audit.Restore, Reason: reason}}); err != nil {
			return err
		}
	}
	return nil
}
