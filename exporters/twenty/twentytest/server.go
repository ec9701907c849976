// Package twentytest is an in-process Twenty CRM server for tests. It
// follows one stated Twenty version (Options.Version: 2.43 or 1.x; the
// differences from the real server are in DIFFERENCES.md) and enforces the
// contract the exporter relies on, as Twenty's own source and published
// packages define it (see the project's Twenty reference): Bearer API-key auth,
// REST record endpoints with the 200-record batch cap and Twenty's upsert
// semantics (matching by id and by unique fields, soft-deleted rows
// included and revived), unique primary email and company domain, unknown
// fields and bad select values refused with Twenty's messages, relation ids
// that must exist, the REST metadata API with Twenty's naming rules, file
// upload through GraphQL multipart, and the per-workspace token-bucket rate
// limit answering 429.
//
// Tests can inspect the store (counts, records by id, uploaded files) and
// inject faults (fail the Nth call with 500, drop the connection before or
// after the call takes effect, revoke the API key, deny the key's role an
// object) to prove retries, resume, and that a refusal no record caused
// stops a push.
//
// Refusals that no record causes answer as Twenty's server does:
//   - a wrong or malformed key: 401 {"statusCode": 401, "messages":
//     ["Token invalid."], "error": "UNAUTHENTICATED"} (the REST middleware
//     writes an AuthException's code as "error":
//     engine/middlewares/middleware.service.ts, AuthExceptionCode
//     UNAUTHENTICATED, get-auth-exception-rest-status.util.ts);
//   - a revoked key: 403 {"statusCode": 403, "messages": ["This API Key is
//     revoked"], "error": "FORBIDDEN_EXCEPTION"} (jwt.auth.strategy.ts
//     validateAPIKey);
//   - a role without permission on the object: 403 {"statusCode": 403,
//     "error": "ForbiddenException", "messages": ["Entity performing the
//     request does not have permission"], "code": "PERMISSION_DENIED"}
//     (PermissionsException; versions whose REST exception filter did not
//     map it answered the same message with 400);
//   - an object the workspace does not have, on any record route
//     (/rest/<plural>, /rest/batch/<plural>): 400 "object '<plural>' not
//     found. eg: companies" (rest-api-base.handler.ts getObjectMetadata):
//     Twenty answers 400, not 404, for a missing object; 404 is for a
//     missing record or an unknown route.
package twentytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/axium2crm/axium2crm/exporters/exportertest/arena"
)

// Options configure a server.
type Options struct {
	// APIKey is the only Bearer token accepted.
	APIKey string
	// RateLimit tokens per RateWindow (Twenty's API_RATE_LIMITING_LONG_*:
	// 100 per 60 s). Zero means the default; negative disables the limit.
	RateLimit  int
	RateWindow time.Duration
	// RetryAfter adds a Retry-After header to 429 answers. Twenty's
	// throttler does not send one; a client must cope either way.
	RetryAfter bool
	// Version is the Twenty version the server follows: V2_43 or V1
	// (DefaultVersion when empty). See DIFFERENCES.md.
	Version string
	// Lean validates every record as usual but keeps, once a write is
	// answered, only what later calls check: the id, the timestamps,
	// unique values, relation ids and file fields. Reads answer with those
	// fields only. It is for pushes of a school's size (millions of
	// records), which a full in-memory store cannot hold.
	Lean bool
	// Compact keeps each record encoded rather than as a map (about a
	// fifth of the memory for Twenty's records): a school's push and its
	// verify fit in memory whole. Answers are the same.
	Compact bool
	// ChunkDir, with Compact, keeps the encoded records in a file of this
	// directory mapped into memory (arena.Disk) instead of on the heap:
	// the kernel pages them out, so a store bigger than the machine's
	// memory still runs. The file goes when the test ends.
	ChunkDir string
}

// Fault is an injected failure.
type Fault int

const (
	// NoFault lets the call through.
	NoFault Fault = iota
	// Fail500 answers 500 without doing anything.
	Fail500
	// DropBefore closes the connection without doing anything.
	DropBefore
	// DropAfter does the work, then closes the connection without an
	// answer: the client cannot know the write happened.
	DropAfter
	// Revoke revokes the API key just before this call: it and every later
	// call with that key are refused (403, as Twenty answers a revoked key).
	Revoke
)

// Stats counts what the server did.
type Stats struct {
	Calls     int            // authenticated calls admitted (not 429)
	Tokens    int            // admitted calls that spent a rate-limit token (record calls with the API key)
	Throttled int            // 429 answers
	Created   map[string]int // records inserted, by object
	Updated   map[string]int // records updated (upsert match or PATCH), by object
	Destroyed map[string]int // records deleted by a delete-many or destroy-many call, by object
	// Kinds counts admitted calls by kind: "write" (record create, update,
	// delete), "read" (record lists and gets), "metadata" (the data-model
	// API and the /metadata GraphQL calls: files, invitations), which
	// spends no rate-limit token.
	Kinds       map[string]int
	BatchSizes  []int // size of each batch create call
	Uploads     int
	MetaCreated int // objects and fields created through the metadata API
}

// Server is a running test server.
type Server struct {
	*httptest.Server
	opt Options

	mu       sync.Mutex
	objects  []*Object
	tables   map[string]*table // by object (singular)
	codec    *codec
	disk     *arena.Disk // where compact tables keep records (Options.ChunkDir), nil: the heap
	files    map[string][]byte
	stats    Stats
	tokens   float64
	lastFill time.Time
	calls    int // every request that reached the handler
	faults   map[int]Fault
	faultFn  func(call int, r *http.Request) Fault
	revoked  bool
	denied   map[string]bool // objects (singular) the key's role may not touch

	dataModelDenied bool                  // the key's role lacks the Data Model permission
	invites         map[string]invitation // pending invitations by e-mail
	uploads         map[string]*upload    // Files v2 files by id
}

func (s *Server) now() time.Time { return time.Now().UTC() }

// New starts a server; it is closed when the test ends.
func New(t interface{ Cleanup(func()) }, opt Options) *Server {
	if opt.APIKey == "" {
		opt.APIKey = "test-api-key"
	}
	if opt.RateLimit == 0 {
		opt.RateLimit = 100
	}
	if opt.RateWindow == 0 {
		opt.RateWindow = 60 * time.Second
	}
	if opt.Version == "" {
		opt.Version = DefaultVersion
	}
	objects := standardObjects
	switch opt.Version {
	case V2_43:
		objects = func() []*Object { return generatedObjects(standard243) }
	case V1:
	default:
		panic(fmt.Sprintf("twentytest: unknown version %q (want one of %v)", opt.Version, Versions))
	}
	s := &Server{
		opt:      opt,
		objects:  objects(),
		invites:  map[string]invitation{},
		uploads:  map[string]*upload{},
		tables:   map[string]*table{},
		codec:    newCodec(),
		files:    map[string][]byte{},
		tokens:   float64(opt.RateLimit),
		lastFill: time.Now(),
		faults:   map[int]Fault{},
		denied:   map[string]bool{},
		stats:    Stats{Created: map[string]int{}, Updated: map[string]int{}, Destroyed: map[string]int{}, Kinds: map[string]int{}},
	}
	if opt.Compact && opt.ChunkDir != "" {
		d, err := arena.NewDisk(opt.ChunkDir)
		if err != nil {
			panic("twentytest: " + err.Error())
		}
		s.disk = d
		// Cleanups run last first: the chunks go after the server stops.
		t.Cleanup(func() { _ = d.Close() })
	}
	for _, o := range s.objects {
		s.tables[o.NameSingular] = s.newTable(o)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// APIKey returns the accepted key.
func (s *Server) APIKey() string { return s.opt.APIKey }

// FailCall makes the nth call (counting every request from the start, 1
// based) fail with f.
func (s *Server) FailCall(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[n] = f
}

// FailWhen decides a fault for every call; nil removes it.
func (s *Server) FailWhen(fn func(call int, r *http.Request) Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultFn = fn
}

// RevokeKey revokes the API key: every later call with it is refused with
// 403 "This API Key is revoked", as a key revoked in Twenty's settings is.
func (s *Server) RevokeKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// DenyObject takes from the key's role every permission on an object
// (singular name): its record routes answer 403 PERMISSION_DENIED.
func (s *Server) DenyObject(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[name] = true
}

// CallCount is the number of requests received so far.
func (s *Server) CallCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.stats
	c.Created = copyCounts(s.stats.Created)
	c.Updated = copyCounts(s.stats.Updated)
	c.Destroyed = copyCounts(s.stats.Destroyed)
	c.Kinds = copyCounts(s.stats.Kinds)
	c.BatchSizes = append([]int(nil), s.stats.BatchSizes...)
	return c
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Count is the number of live (not soft-deleted) records of an object.
func (s *Server) Count(object string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tables[object]; t != nil {
		return t.live
	}
	return 0
}

// Record returns a copy of one record (soft-deleted ones included).
func (s *Server) Record(object, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[object]
	if t == nil {
		return nil, false
	}
	r, ok := t.get(id)
	if !ok {
		return nil, false
	}
	return cloneRecord(r), true
}

// State is every record of the objects named, by object and id, without
// what the server stamps (updatedAt, a createdAt the payload had none for,
// upload paths and file ids) and without null fields: two servers that took the same
// writes compare equal, whenever they took them.
func (s *Server) State(objects ...string) map[string]map[string]map[string]any {
	out := map[string]map[string]map[string]any{}
	for _, o := range objects {
		out[o] = map[string]map[string]any{}
		for id, r := range s.Records(o) {
			c := map[string]any{}
			for k, v := range r {
				if v == nil || k == "updatedAt" || k == "fullPath" || k == "file" || (k == "createdAt" && strings.HasSuffix(fmt.Sprint(v), "Z")) {
					continue
				}
				c[k] = v
			}
			out[o][id] = c
		}
	}
	return out
}

// Records returns copies of every record of an object, by id.
func (s *Server) Records(object string) map[string]map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]any{}
	if t := s.tables[object]; t != nil {
		t.each(func(id string, r map[string]any) bool {
			out[id] = cloneRecord(r)
			return true
		})
	}
	return out
}

// File returns an uploaded file's bytes by the path uploadFile answered.
func (s *Server) File(path string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[path]
	return b, ok
}

// Object returns an object's metadata by singular name.
func (s *Server) Object(name string) (*Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objectByName(name)
	return o, o != nil
}

// cloneRecord is what a JSON round trip of r gives (numbers as float64,
// lists as []any, text made valid UTF-8): a copy that shares nothing with
// r. The JSON types a record holds are copied directly, a twentieth of a
// round trip's cost; anything else, or a value JSON cannot hold (a NaN),
// takes the round trip, as does text that is not valid UTF-8.
func cloneRecord(r map[string]any) map[string]any {
	if out, ok := jsonClone(r); ok {
		return out.(map[string]any)
	}
	b, _ := json.Marshal(r)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// jsonClone is cloneRecord of one value, false for one it does not know.
func jsonClone(v any) (any, bool) {
	switch x := v.(type) {
	case nil, bool:
		return x, true
	case string:
		return x, utf8.ValidString(x)
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, ok := jsonClone(e)
			if !ok || !utf8.ValidString(k) {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, ok := jsonClone(e)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	}
	return nil, false
}

func (s *Server) objectByName(name string) *Object {
	for _, o := range s.objects {
		if o.NameSingular == name {
			return o
		}
	}
	return nil
}

func (s *Server) objectByPlural(name string) *Object {
	for _, o := range s.objects {
		if o.NamePlural == name {
			return o
		}
	}
	return nil
}

func (s *Server) objectByID(id string) *Object {
	for _, o := range s.objects {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// apiError is an answer in Twenty's REST error shape.
type apiError struct {
	status int
	msg    string
	// name is the "error" field when it is not the status's exception name:
	// the REST middleware writes an AuthException's code there.
	name string
	// code is the "code" field of a CustomException (PERMISSION_DENIED).
	code string
	// body, when set, is the whole answer (a 2.x metadata validation
	// refusal, which has a shape of its own: see metaDuplicate).
	body map[string]any
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...)}
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.body != nil {
		writeJSON(w, e.status, e.body)
		return
	}
	name := e.name
	if name == "" {
		name = map[int]string{400: "BadRequestException", 401: "UnauthorizedException", 403: "ForbiddenException",
			404: "NotFoundException", 429: "TooManyRequestsException", 500: "InternalServerErrorException"}[e.status]
	}
	body := map[string]any{"statusCode": e.status, "error": name, "messages": []string{e.msg}}
	if e.code != "" {
		body["code"] = e.code
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Twenty's body parser reads the whole request before any guard or
	// handler runs, so a fault (and a test's hook that cancels the client
	// from it) meets a request the server has received in full; a client
	// gone before that sent nothing the server acted on.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	s.calls++
	call := s.calls
	fault := s.faults[call]
	if fault == NoFault && s.faultFn != nil {
		fault = s.faultFn(call, r)
	}
	if fault == Revoke {
		s.revoked = true
	}
	revoked := s.revoked
	s.mu.Unlock()

	switch fault {
	case Fail500:
		writeError(w, &apiError{status: 500, msg: "Internal server error (injected)"})
		return
	case DropBefore:
		drop(w)
		return
	}

	// Routes outside the API-key auth: the public client config, and the
	// file routes authorised by the token in their URL.
	if p := strings.Trim(r.URL.Path, "/"); p == "client-config" || strings.HasPrefix(p, "file-upload/") || strings.HasPrefix(p, "file/") {
		rec := &recorder{header: http.Header{}, status: 200}
		parts := strings.Split(p, "/")
		switch {
		case p == "client-config" && r.Method == http.MethodGet:
			writeJSON(rec, http.StatusOK, s.clientConfig())
		case parts[0] == "file-upload" && len(parts) == 2 && s.v2():
			s.handleFileUpload(rec, r, parts[1])
		case parts[0] == "file" && len(parts) == 3 && s.v2():
			s.handleFileGet(rec, r, parts[2])
		default:
			writeError(rec, &apiError{status: 404, msg: "Cannot " + r.Method + " " + r.URL.Path})
		}
		if fault == DropAfter {
			drop(w)
			return
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body)
		return
	}

	// Auth first, as Twenty's guards run before the throttler.
	auth := r.Header.Get("Authorization")
	token := strings.TrimPrefix(auth, "Bearer ")
	isUser := strings.HasPrefix(auth, "Bearer ") && token == s.UserToken()
	if !isUser && (!strings.HasPrefix(auth, "Bearer ") || token != s.opt.APIKey) {
		writeError(w, &apiError{status: 401, msg: "Token invalid.", name: "UNAUTHENTICATED"})
		return
	}
	if revoked {
		writeError(w, &apiError{status: 403, msg: "This API Key is revoked", name: "FORBIDDEN_EXCEPTION"})
		return
	}
	if wait, ok := s.take(callKind(r), isUser); !ok {
		if s.opt.RetryAfter {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		}
		writeError(w, &apiError{status: 429, msg: fmt.Sprintf("Limit reached (%d tokens per %d ms)",
			s.opt.RateLimit, s.opt.RateWindow.Milliseconds())})
		return
	}

	rec := &recorder{header: http.Header{}, status: 200}
	s.route(rec, r, isUser)
	if fault == DropAfter {
		drop(w)
		return
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body)
}

// take spends one token of the workspace bucket, refilled continuously at
// RateLimit per RateWindow with RateLimit as burst (Twenty's throttler).
// Only record calls made with an API key spend one: Twenty throttles in
// the record query runner (engine/api/common/common-query-runners/
// common-base-query-runner.service.ts, throttleQueryExecution, which
// returns at once without an API key), so the data-model API, the file
// calls on /metadata and a user's token never reach the bucket.
func (s *Server) take(kind string, isUser bool) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opt.RateLimit < 0 || kind == "metadata" || isUser {
		s.stats.Calls++
		s.stats.Kinds[kind]++
		return 0, true
	}
	now := time.Now()
	rate := float64(s.opt.RateLimit) / s.opt.RateWindow.Seconds()
	s.tokens = min(float64(s.opt.RateLimit), s.tokens+now.Sub(s.lastFill).Seconds()*rate)
	s.lastFill = now
	if s.tokens < 1 {
		s.stats.Throttled++
		return time.Duration((1 - s.tokens) / rate * float64(time.Second)), false
	}
	s.tokens--
	s.stats.Tokens++
	s.stats.Calls++
	s.stats.Kinds[kind]++
	return 0, true
}

func callKind(r *http.Request) string {
	switch {
	case strings.HasPrefix(r.URL.Path, "/rest/metadata"), strings.Trim(r.URL.Path, "/") == "metadata":
		return "metadata"
	case r.Method == http.MethodGet:
		return "read"
	default:
		return "write"
	}
}

func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("twentytest: response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// recorder buffers an answer so DropAfter can discard it.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.status = code }
func (r *recorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }

func (s *Server) route(w http.ResponseWriter, r *http.Request, isUser bool) {
	p := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(p, "/")
	if err := s.permitted(parts); err != nil {
		writeError(w, err)
		return
	}
	if err := s.refuseMemberWrite(r, parts); err != nil {
		writeError(w, err)
		return
	}
	var err *apiError
	switch {
	case p == "graphql" && r.Method == http.MethodPost:
		s.handleGraphQL(w, r)
		return
	case p == "metadata" && r.Method == http.MethodPost:
		s.handleMetadataGraphQL(w, r, isUser)
		return
	case len(parts) >= 3 && parts[0] == "rest" && parts[1] == "metadata":
		err = s.handleMetadata(w, r, parts[2:])
	case len(parts) == 3 && parts[0] == "rest" && parts[1] == "batch" && r.Method == http.MethodPost:
		err = s.handleBatch(w, r, parts[2])
	case len(parts) == 2 && parts[0] == "rest":
		switch r.Method {
		case http.MethodPost:
			err = s.handleCreateOne(w, r, parts[1])
		case http.MethodGet:
			err = s.handleList(w, r, parts[1])
		case http.MethodDelete:
			err = s.handleDeleteMany(w, r, parts[1])
		default:
			err = &apiError{status: 404, msg: "Cannot " + r.Method + " " + r.URL.Path}
		}
	case len(parts) == 3 && parts[0] == "rest":
		switch r.Method {
		case http.MethodGet:
			err = s.handleGetOne(w, parts[1], parts[2])
		case http.MethodPatch, http.MethodPut:
			err = s.handlePatch(w, r, parts[1], parts[2])
		case http.MethodDelete:
			err = s.handleDelete(w, r, parts[1], parts[2])
		default:
			err = &apiError{status: 404, msg: "Cannot " + r.Method + " " + r.URL.Path}
		}
	default:
		err = &apiError{status: 404, msg: "Cannot " + r.Method + " " + r.URL.Path}
	}
	if err != nil {
		writeError(w, err)
	}
}

// permitted refuses a record route of an object the key's role was denied,
// and in 2.43 a metadata route when the role lacks the Data Model
// permission.
func (s *Server) permitted(parts []string) *apiError {
	if len(parts) >= 2 && parts[0] == "rest" && parts[1] == "metadata" {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.v2() && s.dataModelDenied {
			return permissionDenied()
		}
		return nil
	}
	if len(parts) < 2 || parts[0] != "rest" {
		return nil
	}
	plural := parts[1]
	if plural == "batch" && len(parts) > 2 {
		plural = parts[2]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.objectByPlural(plural); o != nil && s.denied[o.NameSingular] {
		return permissionDenied()
	}
	return nil
}
