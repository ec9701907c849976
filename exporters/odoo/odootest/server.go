// Package odootest is an in-process Odoo 17 server for tests: it speaks
// real XML-RPC (/xmlrpc/2/common, /xmlrpc/2/object) and JSON-RPC (/jsonrpc)
// and enforces the contract written in the project's Odoo reference:
// authenticate answering False on a wrong password, fault codes 1-4,
// unknown models and fields, x_ names for custom fields and models,
// ir.model.access before a custom model is usable, unique external ids,
// many2one targets that must exist, required fields, load()'s all-or-nothing
// import, installed modules. Tests inspect the store and inject failures.
//
// Where it was compared with a real Odoo 17 and differs, DIFFERENCES.md
// beside this file says so.
package odootest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"

	"github.com/axium2crm/axium2crm/exporters/exportertest/arena"
	"github.com/axium2crm/axium2crm/exporters/odoo/internal/xmlrpc"
)

// Options configure a server.
type Options struct {
	DB, User, Password string
	// APIKey is accepted wherever the password is.
	APIKey string
	// Modules installed; nil means base, contacts, crm, calendar, account
	// and their dependencies.
	Modules []string
	// Compact keeps each record encoded rather than as a map (compact.go),
	// about a fifth of the memory: for pushes of a school's size. Answers
	// are the same.
	Compact bool
	// ChunkDir, with Compact, keeps the encoded records in a file of this
	// directory mapped into memory (arena.Disk) instead of on the heap:
	// the kernel pages them out, so a store bigger than the machine's
	// memory still runs. The file goes with Close.
	ChunkDir string
}

// Call is one request the server received.
type Call struct {
	N               int64 // 1-based, counting every request
	Service, Method string
	Model, ORM      string // for execute_kw: model and method
	Records         int    // create/write/load: records in the call
	// WithLines counts the records of a create that carry line_ids.
	WithLines int
	// Fields are a load's columns.
	Fields []string
	// Args are a set_param's key and value.
	Args []string
}

// Failure is what an injected fault does to a call.
type Failure int

const (
	// Pass lets the call through.
	Pass Failure = iota
	// DropBefore closes the connection before doing anything.
	DropBefore
	// DropAfter does the work, commits it, then closes the connection
	// without answering: the client cannot know it succeeded.
	DropAfter
	// BadGateway answers HTTP 502 without doing anything.
	BadGateway
	// ConcurrentUpdate makes a call lose a race with another transaction,
	// as PostgreSQL's serialization failure does on a real Odoo: load
	// turns the exception into a message, answers ids False and changes
	// nothing (Odoo's own retry of such failures never sees it); any
	// other call fails as it does once Odoo's retries (odoo/service/
	// model.py, retrying: MAX_TRIES_ON_CONCURRENCY_FAILURE) are spent,
	// with the psycopg2 exception, nothing written.
	ConcurrentUpdate
	// Revoke changes the user's password and revokes its API keys just
	// before the call: it and every later call are AccessDenied.
	Revoke
)

// Server is a running test server.
type Server struct {
	URL  string
	opts Options
	hs   *httptest.Server

	mu     sync.Mutex
	st     *store
	calls  []Call
	inject func(Call) Failure
	uid    int64
}

// New starts a server; Close it when done.
func New(opts Options) *Server {
	if opts.DB == "" {
		opts.DB = "odoo"
	}
	if opts.User == "" {
		opts.User = "admin"
	}
	if opts.Password == "" && opts.APIKey == "" {
		opts.Password = "admin"
	}
	s := &Server{opts: opts}
	var disk *arena.Disk
	if opts.Compact && opts.ChunkDir != "" {
		d, err := arena.NewDisk(opts.ChunkDir)
		if err != nil {
			panic("odootest: " + err.Error())
		}
		disk = d
	}
	s.st = newStore(opts.Modules, opts.Compact, disk)
	s.uid = 2
	mux := http.NewServeMux()
	mux.HandleFunc("POST /xmlrpc/2/{service}", s.handleXML)
	mux.HandleFunc("POST /jsonrpc", s.handleJSON)
	s.hs = httptest.NewServer(mux)
	s.URL = s.hs.URL
	return s
}

// Close stops the server (and frees its chunk file, Options.ChunkDir).
func (s *Server) Close() {
	s.hs.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.disk != nil {
		_ = s.st.disk.Close()
		s.st.disk = nil
	}
}

// Inject sets a function deciding each call's fate (nil: all pass).
func (s *Server) Inject(f func(Call) Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject = f
}

// FailNth makes the nth request (1-based, counting from now) fail as given.
func (s *Server) FailNth(n int64, f Failure) {
	s.mu.Lock()
	base := int64(len(s.calls))
	s.mu.Unlock()
	s.Inject(func(c Call) Failure {
		if c.N == base+n {
			return f
		}
		return Pass
	})
}

// Calls returns every request received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Records returns a copy of a model's records in id order.
func (s *Server) Records(model string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tables[model]
	if t == nil {
		return nil
	}
	var out []Record
	for _, id := range s.st.ids(model) {
		r := Record{}
		for k, v := range t.row(id) {
			r[k] = v
		}
		out = append(out, r)
	}
	return out
}

// Count is the number of records of a model.
func (s *Server) Count(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.st.tables[model]; t != nil {
		return t.len()
	}
	return 0
}

// XID returns the model and id an external id ("module.name") names.
func (s *Server) XID(xid string) (string, int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.lookupXID(xid)
}

// Field returns a model's field definition.
func (s *Server) Field(model, name string) (*Field, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.st.models[model]
	if !ok {
		return nil, false
	}
	f, ok := m.Fields[name]
	return f, ok
}

// HasModel reports whether a model exists (and its module is installed).
func (s *Server) HasModel(model string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.st.model(model)
	return ok
}

// fault is an error the server answers with: an XML-RPC fault code and
// the exception class JSON-RPC names.
type fault struct {
	code int
	name string
	msg  string
}

func (f *fault) Error() string { return f.msg }

func serverError(format string, a ...any) *fault {
	msg := fmt.Sprintf(format, a...)
	cls := "ValueError"
	if i := strings.Index(msg, ": "); i > 0 && !strings.Contains(msg[:i], " ") {
		cls = msg[:i]
		msg = msg[i+2:]
	}
	return &fault{code: 1, name: "builtins." + cls, msg: cls + ": " + msg}
}

func validationError(format string, a ...any) *fault {
	return &fault{code: 2, name: "odoo.exceptions.ValidationError", msg: fmt.Sprintf(format, a...)}
}

func userError(format string, a ...any) *fault {
	return &fault{code: 2, name: "odoo.exceptions.UserError", msg: fmt.Sprintf(format, a...)}
}

func missingError(model string, id int64) *fault {
	return &fault{code: 2, name: "odoo.exceptions.MissingError",
		msg: fmt.Sprintf("Record does not exist or has been deleted.\n(Record: %s(%d,), User: 2)", model, id)}
}

func accessDenied() *fault {
	return &fault{code: 3, name: "odoo.exceptions.AccessDenied", msg: "Access Denied"}
}

func accessError(format string, a ...any) *fault {
	return &fault{code: 4, name: "odoo.exceptions.AccessError", msg: fmt.Sprintf(format, a...)}
}

// xmlText is the fault string: Odoo sends a traceback for code 1.
func (f *fault) xmlText() string {
	if f.code == 1 {
		return "Traceback (most recent call last):\n  File \"odoo/service/model.py\", in execute_cr\n" + f.msg + "\n"
	}
	return f.msg
}

func (s *Server) handleXML(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	method, params, err := xmlrpc.DecodeCall(r.Body)
	c := s.describe(service, method, params)
	fail := s.decide(c)
	if s.injected(w, fail, true) {
		return
	}
	var res any
	if err != nil {
		err = serverError("ExpatError: %v", err)
	} else {
		res, err = s.dispatchUnless(fail, c, service, method, params)
	}
	if s.injected(w, fail, false) {
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if err != nil {
		f := asFault(err)
		_, _ = w.Write(xmlrpc.EncodeFault(f.code, f.xmlText()))
		return
	}
	b, err := xmlrpc.EncodeResponse(res)
	if err != nil {
		// Odoo's marshaller cannot send None or huge ints either.
		f := serverError("TypeError: cannot marshal %v", err)
		_, _ = w.Write(xmlrpc.EncodeFault(1, f.xmlText()))
		return
	}
	_, _ = w.Write(b)
}

func (s *Server) handleJSON(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     any `json:"id"`
		Params struct {
			Service string `json:"service"`
			Method  string `json:"method"`
			Args    []any  `json:"args"`
		} `json:"params"`
	}
	body, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	decErr := dec.Decode(&req)
	params := jsonToWire(req.Params.Args).([]any)
	c := s.describe(req.Params.Service, req.Params.Method, params)
	fail := s.decide(c)
	if s.injected(w, fail, true) {
		return
	}
	var res any
	var err error
	if decErr != nil {
		err = serverError("JSONDecodeError: %v", decErr)
	} else {
		res, err = s.dispatchUnless(fail, c, req.Params.Service, req.Params.Method, params)
	}
	if s.injected(w, fail, false) {
		return
	}
	out := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	if err != nil {
		f := asFault(err)
		out["error"] = map[string]any{"code": 200, "message": "Odoo Server Error",
			"data": map[string]any{"name": f.name, "message": f.msg, "debug": f.xmlText(), "arguments": []any{f.msg}, "context": map[string]any{}}}
	} else {
		out["result"] = jsonSafe(res)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// jsonToWire gives JSON values the types the XML-RPC decoder produces.
func jsonToWire(v any) any {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return f
	case []any:
		for i := range t {
			t[i] = jsonToWire(t[i])
		}
		return t
	case map[string]any:
		for k := range t {
			t[k] = jsonToWire(t[k])
		}
		return t
	case nil:
		return nil
	}
	return v
}

// jsonSafe turns []int64 etc. into JSON-friendly values (they already are)
// and nil into false, as Odoo never answers null for a field.
func jsonSafe(v any) any { return v }

func asFault(err error) *fault {
	if f, ok := err.(*fault); ok {
		return f
	}
	return serverError("Exception: %v", err)
}

func (s *Server) describe(service, method string, params []any) Call {
	c := Call{Service: service, Method: method}
	if method == "execute_kw" && len(params) >= 6 {
		c.Model, _ = params[3].(string)
		c.ORM, _ = params[4].(string)
		if args, ok := params[5].([]any); ok && len(args) > 0 {
			switch c.ORM {
			case "create":
				l, ok := args[0].([]any)
				if ok {
					c.Records = len(l)
				} else {
					c.Records, l = 1, args[:1]
				}
				for _, v := range l {
					if m, _ := v.(map[string]any); m["line_ids"] != nil {
						c.WithLines++
					}
				}
			case "write":
				if l, ok := args[0].([]any); ok {
					c.Records = len(l)
				}
			case "set_param":
				for _, a := range args {
					c.Args = append(c.Args, fmt.Sprint(a))
				}
			case "load":
				if l, ok := args[0].([]any); ok {
					for _, f := range l {
						s, _ := f.(string)
						c.Fields = append(c.Fields, s)
					}
				}
				if len(args) > 1 {
					if l, ok := args[1].([]any); ok {
						c.Records = len(l)
					}
				}
			}
		}
	}
	s.mu.Lock()
	c.N = int64(len(s.calls)) + 1
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	return c
}

// decide asks the injected function, once per call, what happens to it.
func (s *Server) decide(c Call) Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inject == nil {
		return Pass
	}
	return s.inject(c)
}

// injected applies a failure; before says which side of the work we are
// on. It reports whether the request was answered.
func (s *Server) injected(w http.ResponseWriter, f Failure, before bool) bool {
	switch {
	case f == DropBefore && before, f == DropAfter && !before:
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			_ = conn.Close()
		}
		return true
	case f == BadGateway && before:
		http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
		return true
	}
	return false
}

// dispatchUnless does the call, unless an injected failure answers it.
func (s *Server) dispatchUnless(f Failure, c Call, service, method string, params []any) (any, error) {
	if f == Revoke {
		s.Revoke()
	}
	if f == ConcurrentUpdate && c.ORM == "load" {
		return map[string]any{"ids": false, "nextrow": int64(0), "messages": []any{map[string]any{
			"type": "error", "record": int64(0), "rows": map[string]any{"from": int64(0), "to": int64(0)},
			"message": "could not serialize access due to concurrent update\n"}}}, nil
	}
	if f == ConcurrentUpdate {
		msg := "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update"
		return nil, &fault{code: 1, name: "psycopg2.errors.SerializationFailure", msg: msg}
	}
	return s.dispatch(service, method, params)
}

func (s *Server) dispatch(service, method string, params []any) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch service {
	case "common":
		switch method {
		case "version":
			return map[string]any{"server_version": "17.0", "server_version_info": []any{17, 0, 0, "final", 0, ""},
				"server_serie": "17.0", "protocol_version": 1}, nil
		case "authenticate", "login":
			if len(params) < 3 {
				return nil, serverError("TypeError: authenticate() missing required positional arguments")
			}
			db, _ := params[0].(string)
			login, _ := params[1].(string)
			pw, _ := params[2].(string)
			if db != s.opts.DB {
				return nil, serverError("OperationalError: FATAL:  database %q does not exist", db)
			}
			if login == s.opts.User && s.passwordOK(pw) {
				return s.uid, nil
			}
			return false, nil
		}
		return nil, serverError("NameError: Method not available %s", method)
	case "object":
		if method != "execute_kw" && method != "execute" {
			return nil, serverError("NameError: Method not available %s", method)
		}
		if len(params) < 5 {
			return nil, serverError("TypeError: execute_kw() missing required positional arguments")
		}
		db, _ := params[0].(string)
		uid, _ := params[1].(int64)
		pw, _ := params[2].(string)
		if db != s.opts.DB {
			return nil, serverError("OperationalError: FATAL:  database %q does not exist", db)
		}
		if uid != s.uid || !s.passwordOK(pw) {
			return nil, accessDenied()
		}
		model, _ := params[3].(string)
		orm, _ := params[4].(string)
		var args []any
		kwargs := map[string]any{}
		if method == "execute_kw" {
			if len(params) > 5 {
				a, ok := params[5].([]any)
				if !ok {
					return nil, serverError("TypeError: execute_kw() argument after * must be an iterable")
				}
				args = a
			}
			if len(params) > 6 {
				if k, ok := params[6].(map[string]any); ok {
					kwargs = k
				} else if params[6] != false && params[6] != nil {
					return nil, serverError("TypeError: argument after ** must be a mapping")
				}
			}
		} else {
			args = params[5:]
		}
		s.st.begin()
		res, err := s.st.execute(model, orm, args, kwargs)
		if err != nil {
			s.st.rollback()
			return nil, err
		}
		s.st.commit()
		return res, nil
	case "db":
		if method == "list" {
			return []any{s.opts.DB}, nil
		}
	}
	return nil, serverError("KeyError: %q", service)
}

func (s *Server) passwordOK(pw string) bool {
	return pw != "" && ((s.opts.Password != "" && pw == s.opts.Password) || (s.opts.APIKey != "" && pw == s.opts.APIKey))
}

// newStore is a store of the modules' models; compact tables keep their
// records in disk's file when disk is set (Options.ChunkDir).
func newStore(modules []string, compact bool, disk *arena.Disk) *store {
	st := &store{models: map[string]*Model{}, tables: map[string]*table{}, xids: newXIDMap(), installed: map[string]bool{}, staleACL: map[string]bool{},
		disk: disk}
	if compact {
		st.codec = newCodec()
	}
	if modules == nil {
		modules = standardModules
	}
	for _, m := range modules {
		st.installed[m] = true
	}
	for _, sm := range standardModels {
		m := &Model{Name: sm.name, Description: sm.description, Module: sm.module, Fields: map[string]*Field{}}
		m.Fields["id"] = &Field{Name: "id", Type: "integer", Description: "ID", Readonly: true}
		m.Fields["display_name"] = &Field{Name: "display_name", Type: "char", Description: "Display Name", Readonly: true}
		for _, d := range sm.fields {
			fl := &Field{Name: d.name, Type: d.ttype, Relation: d.relation, Required: d.required, Description: d.name}
			for _, v := range d.sel {
				fl.Selection = append(fl.Selection, [2]string{v, v})
			}
			m.Fields[d.name] = fl
		}
		st.models[m.Name] = m
		st.tables[m.Name] = st.newTable(m)
	}
	// The reflection of models and fields, as ir.model / ir.model.fields rows.
	names := make([]string, 0, len(st.models))
	for n := range st.models {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := st.models[n]
		mid := st.newID("ir.model")
		st.put("ir.model", Record{"id": mid, "name": m.Description, "model": n, "state": "base", "info": false, "field_id": []int64{}})
		st.seedXID("base", "model_"+strings.ReplaceAll(n, ".", "_"), "ir.model", mid)
		fnames := make([]string, 0, len(m.Fields))
		for fn := range m.Fields {
			fnames = append(fnames, fn)
		}
		sort.Strings(fnames)
		for _, fn := range fnames {
			st.putFieldRow(mid, m, m.Fields[fn], "base")
		}
	}
	// Records every database has.
	seed := func(model, module, name string, r Record) int64 {
		id := st.newID(model)
		r["id"] = id
		st.fill(st.models[model], r)
		st.put(model, r)
		st.seedXID(module, name, model, id)
		return id
	}
	// The generic chart of accounts' payment accounts and bank journal
	// (Odoo 17 names them by company id: account.1_...).
	usd := seed("res.currency", "base", "USD", Record{"name": "USD"})
	st.defaultReceivable = seed("account.account", "account", "1_account_receivable", Record{"name": "Account Receivable", "code": "121000"})
	receipts := seed("account.account", "account", "1_account_journal_payment_debit_account_id", Record{"name": "Outstanding Receipts", "code": "101403"})
	payments := seed("account.account", "account", "1_account_journal_payment_credit_account_id", Record{"name": "Outstanding Payments", "code": "101404"})
	seed("account.journal", "account", "1_bank", Record{"name": "Bank", "code": "BNK1", "type": "bank"})
	seed("account.journal", "account", "1_sale", Record{"name": "Customer Invoices", "code": "INV", "type": "sale"})
	company := seed("res.partner", "base", "main_partner", Record{"name": "My Company", "is_company": true})
	seed("res.company", "base", "main_company", Record{"name": "My Company", "currency_id": usd,
		"account_journal_payment_debit_account_id": receipts, "account_journal_payment_credit_account_id": payments})
	admin := seed("res.partner", "base", "partner_admin", Record{"name": "Administrator", "parent_id": company})
	_ = admin
	seed("res.partner", "base", "partner_root", Record{"name": "OdooBot"})
	// Internal users get the groups base.group_user implies, as in Odoo.
	partnerManager := seed("res.groups", "base", "group_partner_manager", Record{"name": "Contact Creation"})
	allowExport := seed("res.groups", "base", "group_allow_export", Record{"name": "Access to export feature"})
	guser := seed("res.groups", "base", "group_user", Record{"name": "Internal User", "implied_ids": []int64{partnerManager, allowExport}})
	seed("res.groups", "base", "group_system", Record{"name": "Settings"})
	seed("res.groups", "base", "group_portal", Record{"name": "Portal"})
	seed("res.users", "base", "user_root", Record{"login": "__system__", "name": "OdooBot", "active": false})
	seed("res.users", "base", "user_admin", Record{"login": "admin", "name": "Administrator", "partner_id": admin, "groups_id": []int64{guser, partnerManager, allowExport}})
	us := seed("res.country", "base", "us", Record{"name": "United States", "code": "US"})
	ca := seed("res.country", "base", "ca", Record{"name": "Canada", "code": "CA"})
	// US states (and a Canadian one sharing a US code, as real data has):
	// the exporter must pick the state by country and code.
	for i, code := range strings.Fields("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY") {
		seed("res.country.state", "base", fmt.Sprintf("state_us_%d", i+1), Record{"name": code, "code": code, "country_id": us})
	}
	seed("res.country.state", "base", "state_ca_ma", Record{"name": "Manitoba", "code": "MB", "country_id": ca})
	seed("res.country.state", "base", "state_ca_nl", Record{"name": "Newfoundland", "code": "NL", "country_id": ca})
	seed("res.country.state", "base", "state_ca_ns", Record{"name": "Nova Scotia", "code": "NS", "country_id": ca})
	seed("res.country.state", "base", "state_ca_on", Record{"name": "Ontario", "code": "ON", "country_id": ca})
	seed("mail.message.subtype", "mail", "mt_note", Record{"name": "Note", "internal": true})
	for i, n := range []string{"New", "Qualified", "Proposition", "Won"} {
		seed("crm.stage", "crm", fmt.Sprintf("stage_lead%d", i+1), Record{"name": n})
	}
	seed("mail.message.subtype", "mail", "mt_comment", Record{"name": "Discussions"})
	if st.installed["crm"] {
		// Predictive lead scoring (crm/data/crm_lead_prediction_data.xml):
		// its start date, 8 days before the install, and the inactive
		// scheduled action that rebuilds its table.
		seed("ir.config_parameter", "crm", "crm_pls_fields_param", Record{"key": "crm.pls_fields", "value": "phone_state,email_state"})
		seed("ir.config_parameter", "crm", "crm_pls_start_date_param", Record{"key": "crm.pls_start_date", "value": PLSStartDate})
		seed("ir.cron", "crm", "website_crm_score_cron", Record{"name": "Predictive Lead Scoring: Recompute Automated Probabilities", "active": false})
	}
	for _, name := range standardModules {
		state := "uninstalled"
		if st.installed[name] {
			state = "installed"
		}
		seed("ir.module.module", "base", "module_"+name, Record{"name": name, "state": state, "shortdesc": name})
	}
	st.commit()
	return st
}

func (st *store) seedXID(module, name, model string, id int64) {
	xid := st.newID("ir.model.data")
	st.put("ir.model.data", Record{"id": xid, "module": module, "name": name, "model": model, "res_id": id,
		"noupdate": true, "complete_name": module + "." + name})
	st.setXID(module, name, xid)
}

func (st *store) putFieldRow(mid int64, m *Model, fl *Field, state string) int64 {
	id := st.newID("ir.model.fields")
	selection := any(false)
	if fl.Type == "selection" {
		parts := make([]string, len(fl.Selection))
		for i, o := range fl.Selection {
			parts[i] = fmt.Sprintf("(%s, %s)", pyRepr(o[0]), pyRepr(o[1]))
		}
		selection = "[" + strings.Join(parts, ", ") + "]"
	}
	st.put("ir.model.fields", Record{"id": id, "name": fl.Name, "model": m.Name, "model_id": mid, "ttype": fl.Type,
		"field_description": fl.Description, "relation": orFalse(fl.Relation), "relation_field": false, "selection": selection,
		"required": fl.Required, "readonly": fl.Readonly, "index": false, "help": false, "state": state, "store": true,
		"copied": true, "on_delete": "set null", "size": int64(fl.Size)})
	if fl.Type == "selection" {
		st.putSelectionRows(id, fl.Selection)
	}
	return id
}

func orFalse(s string) any {
	if s == "" {
		return false
	}
	return s
}

// pyRepr quotes a string as Python's repr does for simple text.
func pyRepr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
