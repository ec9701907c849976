// Package exporters is what every CRM destination has in common: the
// Destination interface the commands drive (export import files, push,
// verify, roll back), the options and reports the destinations share, and
// the errors a caller may test for whichever CRM it talks to. Each
// destination lives in a sub-package (exporters/twenty, exporters/odoo)
// with its own engine and its own detailed report types; its adapter
// (NewDestination) fills the shared report and keeps its own report in
// Detail. exporters/exportertest is the one suite every Destination runs.
package exporters

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Destination is one CRM the warehouse's <Name()>.* tables go to.
//
// To implement it, wrap the destination's engine: read the
// <Name()>.* tables and their object_plan, log every write in the audit
// log (exporters/audit) under destination Name(), and fill the shared
// report from what the engine did, keeping the engine's own report in
// Detail. Every method returns its report even with an error, filled as
// far as the run got (RunID set once the run was logged as started), so a
// caller can print what happened before the error.
//
// Errors every implementation returns the same way (test with errors.As
// or errors.Is, never by message):
//   - Push of a map nobody confirmed (unless DryRun): *mapping.NotConfirmedError,
//     before any call to the destination.
//   - Push while an earlier push of this destination is unfinished and
//     Resume is false: *audit.UnfinishedError, before any call to the
//     destination. Resume with nothing to resume: audit.ErrNothingToResume.
//   - Push while the models' data tests fail or never ran (unless Force
//     or DryRun): an error that Is ErrTestsFailed, before any call to the
//     destination.
//   - Push whose data model conflicts with the destination's (a field of
//     another type): an error that Is ErrSchemaConflict, before any record
//     moves.
//   - Verify with no finished push to compare with: an error that Is
//     ErrNothingPushed.
//   - Rollback of a run that is not a push of this destination: an error
//     that Is ErrNotThisDestination; of a push while a rollback of another
//     push is unfinished: *audit.UnfinishedError.
//   - Cancelled context: an error that Is context.Canceled; the run stays
//     unfinished in the audit log, to be resumed (Push with Resume, or
//     Rollback run again).
type Destination interface {
	// Name is the destination's name in the audit log and the map
	// ("twenty", "odoo"), also the schema of its tables.
	Name() string
	// ExportCSV writes the destination's import files into dir (created
	// when missing) and a README saying what to create first and what
	// only the push can load. It changes nothing at the destination and
	// makes no call to it.
	ExportCSV(ctx context.Context, db *sql.DB, dir string) (CSVReport, error)
	// Push sends the tables in load order, keyed by their deterministic
	// ids so a record is created once and updated, never duplicated; a
	// record whose payload is unchanged since its last push is skipped.
	// With DryRun it returns the plan and changes nothing, the warehouse
	// included.
	Push(ctx context.Context, db *sql.DB, opt PushOptions) (PushReport, error)
	// Verify reads the pushed records back and compares them with the
	// tables as they are now, and lists the records at the destination
	// that the tables do not hold. Differences are a report, not an error.
	Verify(ctx context.Context, db *sql.DB, opt VerifyOptions) (VerifyReport, error)
	// Rollback undoes push run pushRun from the audit log: it deletes
	// what the push created and restores what it updated. Running it
	// again (after an interruption, or after it finished) carries on with
	// what is left to undo, which may be nothing.
	Rollback(ctx context.Context, db *sql.DB, pushRun int64, opt RollbackOptions) (RollbackReport, error)
}

// Errors every destination's refusals wrap (see Destination).
var (
	ErrTestsFailed        = errors.New("data tests of the models fail or never ran")
	ErrSchemaConflict     = errors.New("the data model conflicts with the destination's")
	ErrNothingPushed      = errors.New("nothing was pushed yet")
	ErrNotThisDestination = errors.New("the run did not go to this destination")
)

// PushOptions are the push options every destination takes.
type PushOptions struct {
	// DryRun reads the destination and the warehouse and returns the
	// plan; nothing is written anywhere.
	DryRun bool
	// Resume continues the unfinished push of the audit log.
	Resume bool
	// Sample pushes only this many patients and what links to them.
	Sample int
	// Force pushes even though the models' data tests fail.
	Force bool
	// AllowMissingFiles pushes even though documents the destination does
	// not hold yet come from a load batch whose export directory is gone
	// (each of them is then logged as failed, with its reason).
	AllowMissingFiles bool
	// ServerMoved says the server the audit log is of now answers at this
	// push's address; without it a push to another server than the log's
	// is refused (CheckTarget).
	ServerMoved bool
	// PropagateDeletes deletes at the destination the records the log
	// says it holds that the tables no longer have; without it they are
	// only reported.
	PropagateDeletes bool
	// Args are recorded in the audit log (never a secret).
	Args string
	// Progress hears one line per step; nil is quiet.
	Progress func(string)
}

// TableCount is what a push did (or would do) with one table.
type TableCount struct {
	// Table is the warehouse table, schema-qualified (twenty.person).
	Table string `json:"table"`
	// Object is the destination object it fills (person, res.partner).
	Object  string `json:"object"`
	Rows    int    `json:"rows"`
	Created int    `json:"created"`
	Updated int    `json:"updated"`
	Skipped int    `json:"skipped"`
	Failed  int    `json:"failed"`
}

// PushEstimate is how long a dry run expects its push to take. Twenty's
// rests on the calls the push will make at the client's configured rate;
// Odoo's on the records a second measured, table by table, on the last
// push to the same server, or on a stated default rate when there is none.
type PushEstimate struct {
	// Seconds is the whole push: every table plus the calls made once
	// (reading the data model, changing it).
	Seconds float64 `json:"seconds"`
	// Calls are the calls to the destination the push is expected to make
	// (record writes, the reads before them, uploads, data-model calls).
	Calls int `json:"calls"`
	// FixedCalls are those made once, whatever the records.
	FixedCalls int `json:"fixed_calls"`
	// Tables are each table's share, in load order.
	Tables []TableEstimate `json:"tables"`
	// Basis says what the figure rests on, for a person to judge it.
	Basis string `json:"basis"`
	// MeasuredRun is the push whose measured rates the estimate uses (0:
	// none).
	MeasuredRun int64 `json:"measured_run"`
	// Caveat names what makes the figure rough (empty when nothing
	// stands out).
	Caveat string `json:"caveat"`
}

// PushReport is the plan (dry run) or the outcome of a push. Its JSON has
// one shape whatever the destination and the outcome: every key is
// always there (run_id 0 for a dry run, lists empty rather than null).
type PushReport struct {
	RunID   int64        `json:"run_id"`
	DryRun  bool         `json:"dry_run"`
	Resumed bool         `json:"resumed"`
	Tables  []TableCount `json:"tables"`
	// Failures counts the records the destination or the exporter refused.
	Failures int `json:"failures"`
	// Gone counts the records the destination holds (by the log) that the
	// tables no longer have; Deleted how many of them PropagateDeletes
	// deleted.
	Gone    int `json:"gone"`
	Deleted int `json:"deleted"`
	// Target names the destination pushed to (never a secret).
	Target string `json:"target"`
	// Schema are the custom objects and fields the push created (a dry
	// run: would create).
	Schema []SchemaChange `json:"schema"`
	// Refused are the Failures, record by record.
	Refused []Refusal `json:"refused"`
	// GoneTables are the Gone records, table by table.
	GoneTables []GoneTable `json:"gone_tables"`
	// Estimate is a dry run's expected duration (zero on a push).
	Estimate PushEstimate `json:"estimate"`
	// Permissions are what a dry run found the destination's user or key
	// may not do that the push (or its rollback) needs, read without
	// writing; empty when nothing is missing.
	Permissions []string `json:"permissions"`
	// Files are what a dry run found of the documents' export files that
	// the push would refuse (FilesError's problems); empty when every
	// load batch's directory is there.
	Files []string `json:"files"`
	// Detail is the destination's own report (twenty.PushReport,
	// *odoo.Report), whose shape differs by destination.
	Detail any `json:"detail"`
}

// MarshalJSON writes empty lists as [], so a reader can iterate every
// list without testing for null.
func (r PushReport) MarshalJSON() ([]byte, error) {
	type report PushReport // without this method
	out := report(r)
	out.Tables = orEmpty(out.Tables)
	out.Schema = orEmpty(out.Schema)
	out.Refused = orEmpty(out.Refused)
	out.GoneTables = orEmpty(out.GoneTables)
	out.Estimate.Tables = orEmpty(out.Estimate.Tables)
	out.Permissions = orEmpty(out.Permissions)
	out.Files = orEmpty(out.Files)
	return json.Marshal(out)
}

// TableEstimate is one table's share of a PushEstimate.
type TableEstimate struct {
	Table  string `json:"table"`
	Object string `json:"object"`
	// Records are those to create or update.
	Records int     `json:"records"`
	Calls   int     `json:"calls"`
	Seconds float64 `json:"seconds"`
	// RecordsPerSecond is the rate the estimate assumes for the table.
	RecordsPerSecond float64 `json:"records_per_second"`
	// Measured: the rate was measured on the push MeasuredRun.
	Measured bool `json:"measured"`
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// SchemaChange is one change a push makes to the destination's data model.
type SchemaChange struct {
	// Kind says what changes (create object, create field, add options...).
	Kind   string `json:"kind"`
	Object string `json:"object"`
	Field  string `json:"field,omitempty"`
	Type   string `json:"type,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Refusal is one record the destination or the exporter refused.
type Refusal struct {
	Table     string `json:"table"`
	Object    string `json:"object"`
	ID        string `json:"id"`
	SourceKey string `json:"source_key,omitempty"`
	Reason    string `json:"reason"`
}

// GoneTable is one table's records that the destination holds (by the
// audit log) and the table no longer has.
type GoneTable struct {
	Table  string `json:"table"`
	Object string `json:"object"`
	// Count is how many records are gone; Records lists at most
	// MaxGoneDetails of them.
	Count   int          `json:"count"`
	Records []GoneRecord `json:"records"`
	// Deleted is how many of them PropagateDeletes deleted.
	Deleted int `json:"deleted"`
}

// GoneRecord is one record of a GoneTable.
type GoneRecord struct {
	ID        string `json:"id"`
	SourceKey string `json:"source_key,omitempty"`
}

// VerifyOptions are the verify options every destination takes.
type VerifyOptions struct {
	// Sample checks only a stratified sample of about this many records
	// (every table, every record type of a table in proportion, at least
	// one each; see AllocateSample), shown side by side for a person to
	// review, instead of every record.
	Sample int
	// Counts only compares each table's row count with the destination's
	// count, one call a table, and reads no record.
	Counts bool
	// Examples is how many field differences to keep per table (0: 5).
	Examples int
	// Args are recorded in the audit log.
	Args string
}

// FieldDiff is one field whose destination value differs from the table's.
type FieldDiff struct {
	// ID is the record's id as the table holds it (a UUID for Twenty, an
	// external id for Odoo).
	ID          string `json:"id"`
	SourceKey   string `json:"source_key"`
	Field       string `json:"field"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// TableVerify is what verify found for one table.
type TableVerify struct {
	Table    string `json:"table"`
	Object   string `json:"object"`
	Expected int    `json:"expected"`
	Found    int    `json:"found"`
	Missing  int    `json:"missing"`
	// Extra are records at the destination that belong to the migration
	// but no row of the table holds.
	Extra int `json:"extra"`
	// Mismatched counts records with at least one differing field.
	Mismatched int      `json:"mismatched"`
	MissingIDs []string `json:"missing_ids,omitempty"`
	ExtraIDs   []string `json:"extra_ids,omitempty"`
	// Differences are examples (Examples a table) of differing fields.
	Differences []FieldDiff `json:"differences,omitempty"`
}

// FieldPair is a field's source and destination value, as compared.
type FieldPair struct {
	Field       string `json:"field"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Same        bool   `json:"same"`
}

// SideBySide is one record of the Sample report.
type SideBySide struct {
	Table     string      `json:"table"`
	Object    string      `json:"object"`
	ID        string      `json:"id"`
	SourceKey string      `json:"source_key"`
	Found     bool        `json:"found"`
	Fields    []FieldPair `json:"fields"`
}

// VerifyReport is the outcome of Verify. Its JSON has one shape, as a
// PushReport's.
type VerifyReport struct {
	RunID   int64         `json:"run_id"`
	PushRun int64         `json:"push_run"`
	Target  string        `json:"target"`
	Tables  []TableVerify `json:"tables"`
	// Sample is the side-by-side report VerifyOptions.Sample asked for.
	Sample []SideBySide `json:"sample"`
	// Mode is what was checked: VerifyFull, VerifyCounts or VerifySample.
	Mode string `json:"mode"`
	// Counts are each table's rows and the destination's count, taken
	// before any record is read, and how many records were compared.
	Counts []ObjectCount `json:"counts"`
	// ReadCalls are the calls the verify made to the destination.
	ReadCalls int `json:"read_calls"`
	// Detail is the destination's own report (twenty.VerifyReport,
	// *odoo.VerifyReport).
	Detail any `json:"detail"`
}

// MarshalJSON writes empty lists as [].
func (r VerifyReport) MarshalJSON() ([]byte, error) {
	type report VerifyReport // without this method
	out := report(r)
	out.Tables = orEmpty(out.Tables)
	out.Sample = orEmpty(out.Sample)
	out.Counts = orEmpty(out.Counts)
	return json.Marshal(out)
}

// Differences counts missing, extra and mismatched records.
func (r VerifyReport) Differences() int {
	n := 0
	for _, t := range r.Tables {
		n += t.Missing + t.Extra + t.Mismatched
	}
	return n
}

// DifferencesError is a verify that found differences, for a caller that
// treats them as a failure (the command line exits 3); Verify itself
// never returns it.
type DifferencesError struct {
	Destination string
	RunID       int64
	Differences int
}

func (e *DifferencesError) Error() string {
	return fmt.Sprintf("%d records differ from the %s.* tables (verify run %d; details in meta.push_record)", e.Differences, e.Destination, e.RunID)
}

// RollbackOptions are the rollback options every destination takes.
type RollbackOptions struct {
	// Schema also removes the custom objects and fields the push created.
	Schema bool
	// ServerMoved says the server the push went to now answers at this
	// rollback's address; without it a rollback against another server
	// than the push's is refused.
	ServerMoved bool
	// Args are recorded in the audit log.
	Args string
	// Progress hears one line per step; nil is quiet.
	Progress func(string)
}

// RollbackCount is what a rollback did to one table.
type RollbackCount struct {
	Table  string `json:"table"`
	Object string `json:"object"`
	// Destroyed are records the push created, now deleted.
	Destroyed int `json:"destroyed"`
	// Restored are records the push updated, back to their pre-image.
	Restored int `json:"restored"`
	// AlreadyGone were no longer at the destination.
	AlreadyGone int `json:"already_gone"`
	// NoPreImage are updated records whose earlier values the log lacks,
	// left as the push wrote them.
	NoPreImage int `json:"no_pre_image"`
}

// RollbackReport is the outcome of Rollback. Its JSON has one shape, as
// a PushReport's.
type RollbackReport struct {
	RunID   int64           `json:"run_id"`
	PushRun int64           `json:"push_run"`
	Resumed bool            `json:"resumed"`
	Tables  []RollbackCount `json:"tables"`
	// Schema names the custom objects and fields removed (Schema option).
	Schema []string `json:"schema"`
	// SchemaLeft counts those the push created and this rollback kept.
	SchemaLeft int `json:"schema_left"`
	// Detail is the destination's own report (twenty.RollbackReport,
	// *odoo.RollbackReport).
	Detail any `json:"detail"`
}

// MarshalJSON writes empty lists as [].
func (r RollbackReport) MarshalJSON() ([]byte, error) {
	type report RollbackReport // without this method
	out := report(r)
	out.Tables = orEmpty(out.Tables)
	out.Schema = orEmpty(out.Schema)
	return json.Marshal(out)
}

// CSVFile is one import file written.
type CSVFile struct {
	Path    string `json:"path"`
	Object  string `json:"object"`
	Rows    int    `json:"rows"`
	Columns int    `json:"columns"`
}

// CSVReport lists what ExportCSV wrote and what it left to the push.
type CSVReport struct {
	Files  []CSVFile `json:"files"`
	Readme string    `json:"readme"`
	// Skipped names what only the push can load, and why.
	Skipped []string `json:"skipped"`
	// Detail is the destination's own report.
	Detail any `json:"detail,omitempty"`
}
