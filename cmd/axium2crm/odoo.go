package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/cmd/config"
	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/odoo"
)

var odooCRM = crm{
	name:          "odoo",
	title:         "Odoo",
	open:          openOdoo,
	propagateHelp: "delete in Odoo the records that disappeared from the tables",
}

// openOdoo is Odoo as the project configures it; the server and login
// come from the environment.
func openOdoo(cmd *cobra.Command, p *project, r reach) (exporters.Destination, error) {
	var cfg odoo.Config
	if !r.offline {
		var err error
		if cfg, err = odooConfig(p.cfg.Odoo); err != nil {
			return nil, err
		}
		cfg.Insecure = r.insecure
	}
	tz, err := time.LoadLocation(p.cfg.Odoo.TimeZone)
	if err != nil {
		return nil, err
	}
	opt := odoo.DestinationOptions{TimeZone: tz, BatchSize: p.cfg.Odoo.BatchSize, Workers: p.cfg.Odoo.Connections,
		LiveScoring: p.cfg.Odoo.LeadScoring == "live"}
	if r.offline {
		return odoo.NewDestination(nil, opt), nil
	}
	warnClearText(cmd, "Odoo", "password or API key", cfg.URL, r.insecure)
	c, err := odoo.Dial(cmd.Context(), cfg)
	if err != nil {
		return nil, err
	}
	return odoo.NewDestination(c, opt), nil
}

// odooConfig reads the server and login from the environment.
func odooConfig(cfg config.Odoo) (odoo.Config, error) {
	c := odoo.Config{URL: os.Getenv("ODOO_URL"), DB: os.Getenv("ODOO_DB"), User: os.Getenv("ODOO_USER"), Protocol: cfg.Protocol}
	var missing []string
	for _, v := range [][2]string{{"ODOO_URL", c.URL}, {"ODOO_DB", c.DB}, {"ODOO_USER", c.User}} {
		if v[1] == "" {
			missing = append(missing, v[0])
		}
	}
	c.Password = strings.TrimSpace(os.Getenv("ODOO_API_KEY"))
	if c.Password == "" {
		c.Password = os.Getenv("ODOO_PASSWORD")
	}
	if c.Password == "" {
		missing = append(missing, "ODOO_PASSWORD or ODOO_API_KEY")
	}
	if len(missing) > 0 {
		return c, usageError{fmt.Errorf("set %s to reach Odoo", strings.Join(missing, ", "))}
	}
	return c, nil
}

var odooPushHelp = help{
	use:   "odoo",
	short: "Push the odoo.* tables to an Odoo database through its XML-RPC or JSON-RPC API",
	long: `Push the odoo.* tables to Odoo: check the modules the data needs, create the
custom model and x_ fields (a type conflict stops before any record moves),
then load records in load order in batches, each created together with its
external id (axium.<object>_<key>) so a lost answer never duplicates a
record. Every record is logged in meta.push_record; a record whose payload is
unchanged since it was last sent is skipped, so pushing again sends only new
and changed rows. Records that disappeared from the tables are listed, and
deleted in Odoo only with --propagate-deletes. An interrupted push is
finished with --resume.

The server comes from ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD or
ODOO_API_KEY; never pass a password on the command line. ODOO_URL must be
https unless it is this machine (--insecure allows plain http, and says so on
every run) and must not hold user:password@; certificates are always
verified. The push refuses to
run while the map is unconfirmed, the odoo models' data tests fail (--force
overrides the tests) or the export directory of attachments Odoo does not hold
yet is gone (--allow-missing-files sends the records without them).`,
	example: `  ODOO_URL=https://odoo.example.edu ODOO_DB=clinic ODOO_USER=migration axium2crm push odoo --dry-run --project ./mig
  axium2crm push odoo --sample 20 --project ./mig
  axium2crm push odoo --resume --project ./mig`,
}

var odooExportHelp = help{
	use:   "odoo --out DIR",
	short: "Write Odoo import CSVs (one per table, in load order) and a README",
	long: `Write one CSV per odoo.* table in load order (01_res_groups.csv,
02_res_partner_company.csv, ...) in the format of Odoo's importer: the id
column is the external id, "<field>/id" columns refer to other records by
external id, many2many columns hold comma-separated external ids. README.txt
beside them lists the custom model and x_ fields to create first, the groups,
the import order, and what only 'axium2crm push odoo' can load (attachment
files, the res_id of notes and attachments).`,
	example: `  axium2crm export odoo --out ./odoo-import --project ./mig`,
}

var odooVerifyHelp = help{
	use:   "odoo",
	short: "Read the pushed records back from Odoo and compare them with the odoo.* tables",
	long: `Read every record of the odoo.* tables back from Odoo (external ids to
database ids through ir.model.data, then the records in batches) and compare
it field by field with the table, after normalizing what Odoo legitimately
changes: html sanitized (its text is compared), datetimes read back in UTC,
references compared by external id, many2many as sets, numbers as numbers,
False for empty, char fields trimmed, fields Odoo derives (an all-day event's
start and stop, the implied groups of a user), attachment files by size and
checksum. Reports per table: expected, found, missing, extra (records bound
to an axium external id that no table holds) and mismatched fields with
examples. --sample N adds a side-by-side report of N records spanning every
table, for a person to review. Exits 3 on any difference. The run is logged
in meta.push_run (mode verify), each difference in meta.push_record.

The server comes from ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD or
ODOO_API_KEY, as for push odoo.`,
	example: `  axium2crm verify odoo --project ./mig
  axium2crm verify odoo --sample 20 --examples 10 --project ./mig`,
}

var odooRollbackHelp = help{
	use:   "odoo --push P [--schema]",
	short: "Undo an Odoo push: delete what it created, restore what it updated",
	long: `Undo push run P (see meta.push_run): delete in Odoo every record it created,
in reverse load order (their external ids go with them), and write back the
values it replaced in the records it updated. With --schema also remove the
custom x_ fields and models it created. Logged as a rollback run whose
parent is P; safe to run again after an interruption.`,
	example: `  axium2crm rollback odoo --push 12 --project ./mig
  axium2crm rollback odoo --push 12 --schema --project ./mig`,
}
