package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/cmd/config"
	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/twenty"
)

var twentyCRM = crm{
	name:          "twenty",
	title:         "Twenty",
	open:          openTwenty,
	propagateHelp: "destroy (hard delete) the records gone from the source since they were pushed",
}

// openTwenty is Twenty as the project configures it; the server and key
// come from the environment or the key file.
func openTwenty(cmd *cobra.Command, p *project, r reach) (exporters.Destination, error) {
	m, err := twenty.NewMapper(p.cfg.Twenty.TimeZone)
	if err != nil {
		return nil, err
	}
	if r.offline {
		return twenty.NewDestination(nil, twenty.DestinationOptions{Mapper: m}), nil
	}
	url, key, err := twentyCredentials(p.dir, p.cfg.Twenty)
	if err != nil {
		return nil, err
	}
	// Retries and refusals are logged to stderr.
	// A workspace admin's access token, only for sending the invitations
	// an API key may not send (never on the command line).
	userToken := strings.TrimSpace(os.Getenv("TWENTY_USER_TOKEN"))
	client, err := twenty.NewClient(twenty.Config{BaseURL: url, APIKey: key, Calls: p.cfg.Twenty.CallsPerMinute, Window: time.Minute,
		Insecure: r.insecure, UserToken: userToken,
		Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	warnClearText(cmd, "Twenty", "API key", url, r.insecure)
	return twenty.NewDestination(client, twenty.DestinationOptions{Mapper: m}), nil
}

// twentyCredentials reads the server URL and API key from the environment,
// or the key from the project's key file (refused unless owner-only).
func twentyCredentials(dir string, cfg config.Twenty) (string, string, error) {
	url := os.Getenv("TWENTY_URL")
	if url == "" {
		return "", "", usageError{errors.New("set TWENTY_URL to the Twenty server's address")}
	}
	if key := strings.TrimSpace(os.Getenv("TWENTY_API_KEY")); key != "" {
		return url, key, nil
	}
	if cfg.APIKeyFile == "" {
		return "", "", usageError{errors.New("set TWENTY_API_KEY, or twenty.api_key_file in axium2crm.yaml")}
	}
	path := config.Resolve(dir, cfg.APIKeyFile)
	st, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("twenty.api_key_file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", "", validationError{fmt.Sprintf("twenty.api_key_file %s is readable by others (mode %04o): chmod 600 it", path, st.Mode().Perm())}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("twenty.api_key_file: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", "", validationError{fmt.Sprintf("twenty.api_key_file %s is empty", path)}
	}
	return url, key, nil
}

var twentyPushHelp = help{
	use:   "twenty",
	short: "Push the twenty.* tables to a Twenty workspace through its REST API",
	long: `Push the twenty.* tables to Twenty: create the missing custom objects and
fields (a conflict with the workspace's data model stops before any record
moves), then upsert records in load order in batches of 200 keyed by their
deterministic ids, uploading attachment files first. Every record is logged
in meta.push_record; a record unchanged since its last push is skipped, so
pushing again sends nothing new: after a newer export is loaded and the
models re-run, only new and changed rows are sent. Records pushed earlier
that the tables no longer have are reported, and destroyed only with
--propagate-deletes. An interrupted push (Ctrl-C, network loss)
is finished with --resume, which sends nothing twice.

The server and key come from TWENTY_URL and TWENTY_API_KEY (or
twenty.api_key_file in axium2crm.yaml, which must be mode 0600); never pass a
key on the command line. Workspace members join by invitation, which Twenty
sends only for a signed-in user: with TWENTY_USER_TOKEN (a workspace admin's
access token) the push invites the providers who are not members yet;
without it the report lists them to invite by hand. TWENTY_URL must be https unless it is this machine
(--insecure allows plain http, and says so on every run) and must not hold
user:password@; certificates are always verified. The push refuses to run on a map nobody confirmed
(axium2crm map twenty --confirm; a dry run is allowed), while the twenty
models' data tests fail (axium2crm test) unless --force, and while the export
directory of attachments Twenty does not hold yet is gone unless
--allow-missing-files (which sends the records without them).`,
	example: `  TWENTY_URL=https://crm.example.edu axium2crm push twenty --dry-run --project ./mig
  axium2crm push twenty --sample 20 --project ./mig
  axium2crm push twenty --resume --project ./mig`,
}

var twentyExportHelp = help{
	use:   "twenty --out DIR",
	short: "Write Twenty import CSVs (one per object, in import order) and a README",
	long: `Write one CSV per Twenty object from the twenty.* tables, numbered in import
order (01_companies.csv, 02_people.csv, ...) and split at Twenty's 10,000-row
limit, with the column labels Twenty's importer matches. README.txt beside
them lists the custom objects and fields to create first, the import order,
and what only 'axium2crm push twenty' can load (task and note targets,
attachments, workspace members). Timestamps carry the UTC offset of
twenty.time_zone from axium2crm.yaml.`,
	example: `  axium2crm export twenty --out ./twenty-import --project ./mig`,
}

var twentyVerifyHelp = help{
	use:   "twenty",
	short: "Read the pushed records back from Twenty and compare them with the twenty.* tables",
	long: `Read every record of the twenty.* tables back from Twenty by id (200 a
call, within the rate limit) and compare it field by field with the table,
after normalizing what Twenty legitimately changes (phone formatting, e-mail
case, the rich-text blocknote, how timestamps and numbers are written,
multi-select order). Reports per object: expected, found, missing, extra
(records at the destination the tables no longer have: pushed earlier, or
linked to a migrated person) and mismatched fields with examples.
--sample N adds a side-by-side report of N records spanning every object,
for a person to review. Exits 3 on any difference. The run is logged in
meta.push_run (mode verify).`,
	example: `  axium2crm verify twenty --project ./mig
  axium2crm verify twenty --sample 20 --project ./mig`,
}

var twentyRollbackHelp = help{
	use:   "twenty --push P",
	short: "Undo push run P in Twenty: destroy what it created, restore what it updated",
	long: `Undo one push run to Twenty from the audit log: destroy (hard delete, so no
unique e-mail or domain stays blocked) every record push P created, children
first, and put back the values every record it updated had before (its
pre-image). --schema also removes the custom objects and fields P created.
Every undo is logged (meta.push_run mode rollback, parent P); an interrupted
rollback is finished by running the same command again.`,
	example: `  axium2crm rollback twenty --push 4 --project ./mig
  axium2crm rollback twenty --push 4 --schema --project ./mig`,
}
