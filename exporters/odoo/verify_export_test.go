package odoo

// SetVerifyPageRows sets how many rows of a table verify holds at a time,
// for a test of paging; restore puts the default back.
func SetVerifyPageRows(n int) (restore func()) {
	old := verifyPageRows
	verifyPageRows = n
	return func() { verifyPageRows = old }
}
