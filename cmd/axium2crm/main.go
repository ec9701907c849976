// Command axium2crm moves a dental school's axiUm exports through a DuckDB
// staging warehouse into Twenty CRM or Odoo.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
