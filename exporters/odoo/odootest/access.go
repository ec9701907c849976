package odootest

// Revoke changes the user's password and revokes its API keys: every
// later call with the old ones is refused with AccessDenied (fault 3), as
// odoo/service/model.py dispatch's security.check refuses them.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Password, s.opts.APIKey = "", ""
}

// DenyAccess takes from the user every right on a model, as a group
// removed from the user would: create, write, unlink and read calls fault
// with AccessError (fault 4), and load reports the AccessError of each
// record as that record's message, as Odoo 17's load does.
func (s *Server) DenyAccess(model string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.denied == nil {
		s.st.denied = map[string]bool{}
	}
	s.st.denied[model] = true
}

// deniedError is ir.model.access check's AccessError for the operation a
// method needs.
func deniedError(m *Model, method string) error {
	op := map[string]string{"create": "create", "load": "create", "write": "modify", "unlink": "delete"}[method]
	if op == "" {
		op = "access"
	}
	return accessError("You are not allowed to %s '%s' (%s) records.\n\nNo group currently allows this operation.\n\n"+
		"Contact your administrator to request access if necessary.", op, m.Description, m.Name)
}

// loadRefused is load's answer when the user may not write the model: the
// batch create fails, then each record again alone, each AccessError (a
// UserError) becoming that record's error message; after 10 errors with
// more than one error per 10 records load stops with a warning (odoo/models.py
// load, flush). Nothing is written; ids is False.
func loadRefused(args []any, kwargs map[string]any, err error) any {
	dv, _ := arg(args, kwargs, 1, "data")
	rows, _ := dv.([]any)
	text := err.Error()
	messages := []any{}
	errs := 0
	for i := range rows {
		messages = append(messages, map[string]any{"type": "error", "message": text, "record": int64(i),
			"rows": map[string]any{"from": int64(i), "to": int64(i)}})
		errs++
		if errs >= 10 && float64(errs) >= float64(i+1)/10 {
			messages = append(messages, map[string]any{"type": "warning", "message": "Found more than 10 errors and more " +
				"than one error per 10 records, interrupted to avoid showing too many errors."})
			break
		}
	}
	return map[string]any{"ids": false, "messages": messages, "nextrow": int64(0)}
}
