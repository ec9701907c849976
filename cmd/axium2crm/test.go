package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/sql/models"
)

func newTestCmd(g *globals) *cobra.Command {
	var selectors []string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Run the models' data tests; exit 3 when any fails",
		Long: `Run the data tests declared beside each model (not_null, unique,
accepted_values, relationships, custom SELECTs returning bad rows). Prints
each test's outcome, its count of bad rows and a few sample keys. Outcomes are
recorded against the model's fingerprint: a push refuses a model whose latest
tests failed.

It tests the models a plain run builds: staging and those of the CRMs listed
under destinations: in axium2crm.yaml; --select narrows within them.`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := openProject(cmd.Context(), g.project, false)
			if err != nil {
				return err
			}
			defer p.Close()
			res, err := runTests(cmd, p, selectors)
			if err != nil {
				return err
			}
			if g.json {
				if err := writeJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			} else {
				printTestResults(cmd.OutOrStdout(), res, verbose)
			}
			return testOutcome(res)
		},
	}
	cmd.Flags().StringSliceVarP(&selectors, "select", "s", nil, "models whose tests to run, among the project's destinations'")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list passing tests too, and the SQL of failing ones")
	return cmd
}

// runTests runs the tests of the models a plain run builds (staging and
// the project's destinations'), or of those selectors pick among them: a
// CRM the project does not migrate to has no tables, so its tests could
// only fail.
func runTests(cmd *cobra.Command, p *project, selectors []string) ([]models.TestResult, error) {
	set, err := readModels(p.dir)
	if err != nil {
		return nil, err
	}
	sources, err := p.sources()
	if err != nil {
		return nil, err
	}
	own := p.destinationModels(set)
	names := own
	if len(selectors) > 0 {
		picked, err := set.Select(selectors)
		if err != nil {
			return nil, err
		}
		var other []string
		names = nil
		for _, n := range picked {
			if slices.Contains(own, n) {
				names = append(names, n)
			} else {
				other = append(other, n)
			}
		}
		if len(names) == 0 {
			return nil, usageError{fmt.Errorf("--select picks no model of this project's destinations (%s): %s",
				strings.Join(p.cfg.Destinations, ", "), strings.Join(other, ", "))}
		}
		if len(other) > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "not testing %s: not a model of this project's destinations (%s)\n",
				strings.Join(other, ", "), strings.Join(p.cfg.Destinations, ", "))
		}
	}
	pr := newProgress(cmd.ErrOrStderr(), "test", "tests", 0)
	res, err := set.TestWithProgress(cmd.Context(), p.wh.DB(), names, sources, func(done, total int, model, test string) {
		pr.setTotal(int64(total))
		pr.set(int64(done), model+" "+test)
	})
	pr.set(int64(len(res)), "")
	pr.finish()
	return res, err
}

func testOutcome(res []models.TestResult) error {
	var failed int
	for _, r := range res {
		if r.Status != "pass" {
			failed++
		}
	}
	if failed > 0 {
		return validationError{fmt.Sprintf("%d of %d data tests failed", failed, len(res))}
	}
	return nil
}

func printTestResults(out io.Writer, res []models.TestResult, verbose bool) {
	t := table{columns: []string{"model", "test", "status", "bad rows", "seconds", "samples"}}
	pass := 0
	for _, r := range res {
		if r.Status == "pass" {
			pass++
			if !verbose {
				continue
			}
		}
		sample := strings.Join(r.Samples, ", ")
		if r.Status == "error" {
			sample = r.Message
		}
		t.rows = append(t.rows, []any{r.Model, r.Test, strings.ToUpper(r.Status), r.Failures, fmt.Sprintf("%.2f", r.Seconds), sample})
	}
	fmt.Fprintf(out, "%d tests: %d passed, %d failed\n", len(res), pass, len(res)-pass)
	if len(t.rows) > 0 {
		fmt.Fprintln(out)
		_ = printAligned(out, t)
	}
	if verbose {
		for _, r := range res {
			if r.Status != "pass" {
				fmt.Fprintf(out, "\n-- %s %s\n%s\n", r.Model, r.Test, r.SQL)
			}
		}
	}
}
