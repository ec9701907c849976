// Package twenty exports the warehouse's twenty.* tables to Twenty CRM:
// import CSVs (ExportCSV) and a push through Twenty's REST API (Push) that
// creates the custom objects and fields first, sends records in load order
// in batches of at most 200 upserts keyed by the models' deterministic ids,
// uploads attachments, and writes every outcome to the audit log so a
// repeated push skips what did not change and an interrupted one resumes.
//
// The package is generic over the destination-table conventions (snake_case
// columns, composite sub-fields as <field>__<sub>, metadata columns starting
// with "_", extra_fields JSON, object_plan and field_plan): it knows no
// table by name.
package twenty

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/axium2crm/axium2crm/exporters"
)

// MaxBatch is Twenty's QUERY_MAX_RECORDS: the most records one create-many
// call accepts.
const MaxBatch = 200

// Config is how the exporter reaches a workspace. The API key arrives only
// here; it is never logged nor put in an error.
type Config struct {
	// BaseURL of the Twenty server, e.g. https://crm.example.edu.
	BaseURL string
	APIKey  string
	// Calls per Window the client allows itself (Twenty's default rate
	// limit for API keys is 100 per 60 s). Zero means those defaults.
	Calls  int
	Window time.Duration
	// BatchSize records per create-many call, at most MaxBatch.
	BatchSize int
	// MaxRetries of one call on 5xx and network errors (429s are waited
	// out separately). Zero means 6.
	MaxRetries int
	// RetryBase is the first backoff; it doubles per retry, capped at 30 s,
	// with jitter. Zero means 500 ms.
	RetryBase time.Duration
	// HTTPClient defaults to one with a 2-minute timeout. One that skips
	// certificate verification is refused.
	HTTPClient *http.Client
	// Insecure allows plain http to a host that is not loopback: the API
	// key then travels in clear. Without it such a URL is refused
	// (exporters.ServerURL); certificates are verified either way.
	Insecure bool
	// Logger receives retries and rejected records; nil discards them.
	Logger *slog.Logger
	// UserToken is a signed-in workspace admin's access token, used only
	// for what Twenty serves to a user and never to an API key: sending
	// invitations (members.go). Empty: no invitation is sent.
	UserToken string
}

// Client talks to one Twenty workspace.
type Client struct {
	cfg     Config
	base    *url.URL
	limiter *rate.Limiter
	log     *slog.Logger
	http    *http.Client

	mu     sync.Mutex
	format string    // the metadata answer shape seen (MetadataFormat)
	ws     Workspace // what Detect found
}

// NewClient checks the configuration and builds a client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("twenty: no server URL (set TWENTY_URL)")
	}
	if cfg.APIKey == "" {
		return nil, errors.New("twenty: no API key (set TWENTY_API_KEY or twenty.api_key_file)")
	}
	u, err := exporters.ServerURL(strings.TrimRight(cfg.BaseURL, "/"), cfg.Insecure)
	if err != nil {
		return nil, fmt.Errorf("twenty: %w", err)
	}
	if cfg.Calls <= 0 {
		cfg.Calls = 100
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.BatchSize <= 0 || cfg.BatchSize > MaxBatch {
		cfg.BatchSize = MaxBatch
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 6
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 500 * time.Millisecond
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	if hc, err = exporters.HTTPClient(hc, cfg.Insecure); err != nil {
		return nil, fmt.Errorf("twenty: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The client paces itself evenly at the configured rate, as the
	// server's bucket may already be partly spent by other clients. Burst
	// 2, not 1: a call that starts a little late (the machine was busy)
	// still finds the token it missed, instead of losing it for good; over
	// any stretch the client sends at most one call above the rate.
	lim := rate.NewLimiter(rate.Every(cfg.Window/time.Duration(cfg.Calls)), 2)
	return &Client{cfg: cfg, base: u, limiter: lim, log: log, http: hc}, nil
}

// Target is the server and workspace the client writes to, safe to
// record: the address, then the workspace a Twenty API key names when it
// names one ("https://crm.example.edu workspace 20202020-..."), so that
// two workspaces behind one address are two targets to the audit log
// (exporters.CheckTarget).
func (c *Client) Target() string {
	if ws := keyWorkspace(c.cfg.APIKey); ws != "" {
		return c.base.String() + " workspace " + ws
	}
	return c.base.String()
}

// keyWorkspace is the workspace id an API key carries, "" when it carries
// none. Twenty's API keys are JWTs whose payload holds the workspace's id
// ({"sub": id, "type": "API_KEY", "workspaceId": id}, signed by
// ApiKeyService.generateApiKeyToken); the payload is only read here, the
// signature is the server's to check. Decoding one base64url segment
// needs no JWT library.
func keyWorkspace(key string) string {
	parts := strings.Split(strings.TrimSpace(key), ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Type        string `json:"type"`
		WorkspaceID string `json:"workspaceId"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Type != "API_KEY" {
		return ""
	}
	// An id, not a credential, but only a plain one is recorded.
	for _, r := range claims.WorkspaceID {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return ""
		}
	}
	return claims.WorkspaceID
}

// APIError is a refusal from Twenty, with its messages.
type APIError struct {
	Method   string
	Path     string
	Status   int
	Messages []string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("twenty: %s %s: %d %s", e.Method, e.Path, e.Status, e.Message())
}

// Message is Twenty's explanation.
func (e *APIError) Message() string {
	if len(e.Messages) == 0 {
		return http.StatusText(e.Status)
	}
	return strings.Join(e.Messages, "; ")
}

// clientError reports a 4xx other than 429: the request itself is wrong.
func clientError(err error) (*APIError, bool) {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests {
		return ae, true
	}
	return nil, false
}

// do sends one request with rate limiting and retries. Retrying writes is
// safe because the exporter only sends upserts keyed by id; the one write
// that is not, a metadata create, reads back what a lost answer left (see
// landedObject).
func (c *Client) do(ctx context.Context, method, path string, body []byte, contentType string) ([]byte, error) {
	b, _, err := c.doTracked(ctx, method, path, body, contentType)
	return b, err
}

// doTracked is do that also says whether an attempt before the last one
// went unanswered after it may have reached Twenty (a network error, a
// 5xx): a refusal of a create after such an attempt may be a refusal of
// the create that attempt made.
func (c *Client) doTracked(ctx context.Context, method, path string, body []byte, contentType string) (_ []byte, lost bool, _ error) {
	retries, throttled := 0, 0
	paced := spendsToken(ctx, path)
	for {
		if paced {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, lost, err
			}
		}
		status, respBody, hdr, err := c.send(ctx, method, path, body, contentType)
		if err == nil && status < 300 {
			return respBody, lost, nil
		}
		if ctx.Err() != nil {
			return nil, lost, ctx.Err()
		}
		var wait time.Duration
		switch {
		case err != nil:
			if retries >= c.cfg.MaxRetries {
				return nil, lost, fmt.Errorf("twenty: %s %s: %w (after %d retries)", method, path, err, retries)
			}
			lost = true
			wait = c.backoff(retries)
			retries++
			c.log.Warn("twenty: network error, retrying", "method", method, "path", path, "error", err.Error(), "wait", wait)
		case status == http.StatusTooManyRequests:
			throttled++
			if throttled > 50 {
				return nil, lost, apiError(method, path, status, respBody)
			}
			wait = retryAfter(hdr.Get("Retry-After"))
			if wait <= 0 {
				wait = max(c.backoff(min(throttled-1, 5)), c.cfg.Window/time.Duration(c.cfg.Calls))
			}
			c.log.Warn("twenty: rate limited (429), waiting", "path", path, "wait", wait)
		case status >= 500:
			if retries >= c.cfg.MaxRetries {
				return nil, lost, apiError(method, path, status, respBody)
			}
			lost = true
			wait = c.backoff(retries)
			retries++
			c.log.Warn("twenty: server error, retrying", "method", method, "path", path, "status", status, "wait", wait)
		default:
			return nil, lost, refusal(apiError(method, path, status, respBody))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, lost, ctx.Err()
		case <-t.C:
		}
	}
}

// spendsToken says whether a call spends a token of Twenty's rate limit:
// Twenty throttles record queries made with an API key, in its record
// query runner (engine/api/common/common-query-runners/
// common-base-query-runner.service.ts), so record calls on /rest and
// /graphql do, and the data-model API, the /metadata GraphQL (file
// uploads, invitations), the file PUT and calls made with a user's token
// do not. Pacing only the first keeps the whole budget for records.
func spendsToken(ctx context.Context, path string) bool {
	if asUser(ctx) {
		return false
	}
	p := path
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p == "/graphql" || (strings.HasPrefix(p, "/rest/") && !strings.HasPrefix(p, "/rest/metadata"))
}

func (c *Client) send(ctx context.Context, method, path string, body []byte, contentType string) (int, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	token := c.cfg.APIKey
	if asUser(ctx) {
		token = c.cfg.UserToken
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.http.Do(req)
	if err != nil {
		// *url.Error quotes the URL, which holds no secret; the key is
		// only in a header.
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return res.StatusCode, b, res.Header, nil
}

// backoff is exponential with jitter in [d/2, d].
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.RetryBase << attempt
	if d > 30*time.Second || d <= 0 {
		d = 30 * time.Second
	}
	return d/2 + rand.N(d/2+1)
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

func apiError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	// "errors" is a GraphQL error list, or in 2.x's refusal of a metadata
	// change (METADATA_VALIDATION_ERROR) an object of per-item reports
	// whose gist is in "userFriendlyMessage"
	// (workspace-migration-builder-rest-api-exception-handler.util.ts).
	var rest struct {
		Messages     []string        `json:"messages"`
		Message      any             `json:"message"`
		Errors       json.RawMessage `json:"errors"`
		UserFriendly string          `json:"userFriendlyMessage"`
	}
	if json.Unmarshal(body, &rest) == nil {
		e.Messages = rest.Messages
		if len(e.Messages) == 0 && rest.Message != nil {
			e.Messages = []string{fmt.Sprint(rest.Message)}
		}
		var gql []struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(rest.Errors, &gql) == nil {
			for _, ge := range gql {
				e.Messages = append(e.Messages, ge.Message)
			}
		}
		if rest.UserFriendly != "" && !slices.Contains(e.Messages, rest.UserFriendly) {
			e.Messages = append(e.Messages, rest.UserFriendly)
		}
	}
	if len(e.Messages) == 0 && len(body) > 0 {
		e.Messages = []string{strings.TrimSpace(string(body[:min(len(body), 300)]))}
	}
	return e
}

// Record is one record's payload, keyed by API field name.
type Record = map[string]any

// Rejected is a record Twenty refused, with its explanation.
type Rejected struct {
	ID     string
	Reason string
}

// BatchResult tells which records of an upsert landed.
type BatchResult struct {
	OK       []string
	Rejected []Rejected
	Calls    int
}

// Upsert sends records to POST /rest/batch/<plural>?upsert=true in batches
// of at most BatchSize. A batch Twenty refuses because of its records (a
// 400 about a value, a unique value taken: see recordFault) is split in
// halves until the bad records are isolated: they are returned (and
// logged) with Twenty's message while the others land. A refusal no record
// caused (a wrong or revoked key, a missing permission, a missing object)
// ends the upsert at once with a *StopError; an error is also returned
// when the server cannot be reached or the context ends. Records already
// acknowledged are in the result.
func (c *Client) Upsert(ctx context.Context, plural string, records []Record) (BatchResult, error) {
	var res BatchResult
	for start := 0; start < len(records); start += c.cfg.BatchSize {
		chunk := records[start:min(start+c.cfg.BatchSize, len(records))]
		if err := c.upsertBisect(ctx, plural, chunk, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (c *Client) upsertBisect(ctx context.Context, plural string, recs []Record, res *BatchResult) error {
	res.Calls++
	err := c.upsertOnce(ctx, plural, recs, nil)
	var rf *exporters.Refused
	if !errors.As(err, &rf) {
		if err == nil {
			for _, r := range recs {
				res.OK = append(res.OK, recordID(r))
			}
		}
		return err
	}
	if len(recs) == 1 {
		id := recordID(recs[0])
		res.Rejected = append(res.Rejected, Rejected{ID: id, Reason: rf.Reason})
		c.log.Warn("twenty: record rejected", "object", plural, "id", id, "reason", rf.Reason)
		return nil
	}
	mid := len(recs) / 2
	if err := c.upsertBisect(ctx, plural, recs[:mid], res); err != nil {
		return err
	}
	return c.upsertBisect(ctx, plural, recs[mid:], res)
}

// upsertOnce sends one batch upsert. A batch Twenty refused for a record's
// fault (a value it does not take) is an *exporters.Refused: which record
// is at fault is found by splitting the batch. A 404 on the batch route, or
// an answer naming records that were not sent, stops the run. body, when
// not nil, is recs as encoding/json encodes them (the bytes hashed).
func (c *Client) upsertOnce(ctx context.Context, plural string, recs []Record, body []byte) error {
	if body == nil {
		var err error
		if body, err = json.Marshal(recs); err != nil {
			return fmt.Errorf("twenty: encode %s: %w", plural, err)
		}
	}
	answer, err := c.do(ctx, http.MethodPost, "/rest/batch/"+url.PathEscape(plural)+"?upsert=true", body, "application/json")
	if err == nil {
		if ids := foreignIDs(answer, recs); len(ids) > 0 {
			return &OverwriteError{Object: plural, IDs: ids}
		}
		return nil
	}
	var ae *APIError
	isAPI := errors.As(err, &ae)
	if isAPI && ae.Status == http.StatusNotFound {
		// Twenty has the batch route for every object it holds: a 404
		// there is a route the server does not know, for any record.
		return stopError(ae, StopMissingObject)
	}
	if !isAPI || !recordFault(err) {
		return err
	}
	return &exporters.Refused{Reason: ae.Message()}
}

func recordID(r Record) string {
	id, _ := r["id"].(string)
	return id
}

// Existing returns which of ids exist (not soft-deleted) in an object.
func (c *Client) Existing(ctx context.Context, plural string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += MaxBatch {
		chunk := ids[start:min(start+MaxBatch, len(ids))]
		list, _ := json.Marshal(chunk)
		q := url.Values{"filter": {"id[in]:" + string(list)}, "limit": {strconv.Itoa(MaxBatch)}}
		b, err := c.do(ctx, http.MethodGet, "/rest/"+url.PathEscape(plural)+"?"+q.Encode(), nil, "")
		if err != nil {
			return nil, err
		}
		var resp struct {
			Data map[string][]struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			return nil, fmt.Errorf("twenty: list %s: %w", plural, err)
		}
		for _, r := range resp.Data[plural] {
			out[r.ID] = true
		}
	}
	return out, nil
}

// Records reads the records of an object that have the given ids (ids
// that do not exist are absent from the map), through the list endpoint
// filtered by id, at most MaxBatch ids a call.
func (c *Client) Records(ctx context.Context, plural string, ids []string) (map[string]Record, int, error) {
	out := map[string]Record{}
	calls := 0
	for start := 0; start < len(ids); start += MaxBatch {
		chunk := ids[start:min(start+MaxBatch, len(ids))]
		list, _ := json.Marshal(chunk)
		q := url.Values{"filter": {"id[in]:" + string(list)}, "limit": {strconv.Itoa(MaxBatch)}}
		calls++
		b, err := c.do(ctx, http.MethodGet, "/rest/"+url.PathEscape(plural)+"?"+q.Encode(), nil, "")
		if err != nil {
			return nil, calls, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var resp struct {
			Data map[string][]Record `json:"data"`
		}
		if err := dec.Decode(&resp); err != nil {
			return nil, calls, fmt.Errorf("twenty: list %s: %w", plural, err)
		}
		for _, r := range resp.Data[plural] {
			out[recordID(r)] = r
		}
	}
	return out, calls, nil
}

// List reads every record of an object matching filter (Twenty's REST
// filter syntax, e.g. personId[in]:["..."]), 200 a page, following the
// cursor.
func (c *Client) List(ctx context.Context, plural, filter string) ([]Record, int, error) {
	var out []Record
	calls := 0
	cursor := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(MaxBatch)}}
		if filter != "" {
			q.Set("filter", filter)
		}
		if cursor != "" {
			q.Set("starting_after", cursor)
		}
		calls++
		b, err := c.do(ctx, http.MethodGet, "/rest/"+url.PathEscape(plural)+"?"+q.Encode(), nil, "")
		if err != nil {
			return nil, calls, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var resp struct {
			Data     map[string][]Record `json:"data"`
			PageInfo struct {
				HasNextPage bool   `json:"hasNextPage"`
				EndCursor   string `json:"endCursor"`
			} `json:"pageInfo"`
		}
		if err := dec.Decode(&resp); err != nil {
			return nil, calls, fmt.Errorf("twenty: list %s: %w", plural, err)
		}
		out = append(out, resp.Data[plural]...)
		if !resp.PageInfo.HasNextPage || resp.PageInfo.EndCursor == "" || resp.PageInfo.EndCursor == cursor {
			return out, calls, nil
		}
		cursor = resp.PageInfo.EndCursor
	}
}

// Total is the number of (not deleted) records an object holds.
func (c *Client) Total(ctx context.Context, plural string) (int, error) {
	b, err := c.do(ctx, http.MethodGet, "/rest/"+url.PathEscape(plural)+"?limit=1", nil, "")
	if err != nil {
		return 0, err
	}
	var resp struct {
		TotalCount *int `json:"totalCount"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return 0, fmt.Errorf("twenty: count %s: %w", plural, err)
	}
	if resp.TotalCount == nil {
		return 0, fmt.Errorf("twenty: count %s: the answer has no totalCount", plural)
	}
	return *resp.TotalCount, nil
}

// Destroy hard-deletes one record (Twenty's REST DELETE without
// soft_delete: a soft-deleted record would keep its unique e-mail or
// domain). A record already gone is not an error: found says whether it
// was there.
func (c *Client) Destroy(ctx context.Context, plural, id string) (found bool, err error) {
	_, err = c.do(ctx, http.MethodDelete, "/rest/"+url.PathEscape(plural)+"/"+url.PathEscape(id), nil, "")
	if ae, isAPI := clientError(err); isAPI && ae.Status == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
}

// MaxMutation is Twenty's MUTATION_MAXIMUM_AFFECTED_RECORDS (default 100):
// the most records one update-, delete- or destroy-many call may touch.
const MaxMutation = 100

// DestroyMany hard-deletes records by id, at most MaxMutation a call:
// Twenty's REST DELETE without an id and without soft_delete is its
// destroy-many, over the records the (mandatory) filter matches. It
// returns the ids Twenty answered as destroyed; an id absent from the
// answer was already gone. On an error, the ids of the calls that
// succeeded before it are returned.
func (c *Client) DestroyMany(ctx context.Context, plural string, ids []string) (map[string]bool, int, error) {
	out := map[string]bool{}
	calls := 0
	for start := 0; start < len(ids); start += MaxMutation {
		chunk := ids[start:min(start+MaxMutation, len(ids))]
		list, _ := json.Marshal(chunk)
		q := url.Values{"filter": {"id[in]:" + string(list)}}
		calls++
		b, err := c.do(ctx, http.MethodDelete, "/rest/"+url.PathEscape(plural)+"?"+q.Encode(), nil, "")
		if err != nil {
			return out, calls, err
		}
		// The answer is {"data": {"delete<Plural>": [{"id": ...}, ...]}}.
		var resp struct {
			Data map[string][]struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			return out, calls, fmt.Errorf("twenty: destroy %s: %w", plural, err)
		}
		for _, recs := range resp.Data {
			for _, r := range recs {
				out[r.ID] = true
			}
		}
	}
	return out, calls, nil
}

// Patch writes fields of one record (PATCH /rest/<plural>/<id>).
func (c *Client) Patch(ctx context.Context, plural, id string, fields Record) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPatch, "/rest/"+url.PathEscape(plural)+"/"+url.PathEscape(id), b, "application/json")
	return err
}

// Get reads one record; ok is false when it does not exist.
func (c *Client) Get(ctx context.Context, plural, singular, id string) (Record, bool, error) {
	b, err := c.do(ctx, http.MethodGet, "/rest/"+url.PathEscape(plural)+"/"+url.PathEscape(id), nil, "")
	if ae, isAPI := clientError(err); isAPI && ae.Status == http.StatusNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var resp struct {
		Data map[string]Record `json:"data"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, false, fmt.Errorf("twenty: get %s: %w", plural, err)
	}
	r, ok := resp.Data[singular]
	return r, ok, nil
}

// Upload sends a file through the GraphQL multipart uploadFile mutation
// and returns the path Twenty stored it under (an attachment's fullPath).
func (c *Client) Upload(ctx context.Context, filename string, data []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops := `{"query":"mutation UploadFile($file: Upload!, $fileFolder: FileFolder) { uploadFile(file: $file, fileFolder: $fileFolder) { path token } }","variables":{"file":null,"fileFolder":"Attachment"}}`
	if err := mw.WriteField("operations", ops); err != nil {
		return "", err
	}
	if err := mw.WriteField("map", `{"0":["variables.file"]}`); err != nil {
		return "", err
	}
	fw, err := mw.CreateFormFile("0", filename)
	if err != nil {
		return "", err
	}
	if _, err := fw.Write(data); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	b, err := c.do(ctx, http.MethodPost, "/graphql", body.Bytes(), mw.FormDataContentType())
	if err != nil {
		return "", err
	}
	var resp struct {
		Data struct {
			UploadFile json.RawMessage `json:"uploadFile"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return "", fmt.Errorf("twenty: upload %s: %w", filename, err)
	}
	if len(resp.Errors) > 0 {
		return "", &APIError{Method: http.MethodPost, Path: "/graphql", Status: http.StatusBadRequest, Messages: []string{resp.Errors[0].Message}}
	}
	// Older servers answer the path as a string, newer ones {path, token}.
	var p string
	if json.Unmarshal(resp.Data.UploadFile, &p) == nil && p != "" {
		return p, nil
	}
	var signed struct {
		Path string `json:"path"`
	}
	if json.Unmarshal(resp.Data.UploadFile, &signed) == nil && signed.Path != "" {
		return signed.Path, nil
	}
	return "", fmt.Errorf("twenty: upload %s: no path in the answer", filename)
}
