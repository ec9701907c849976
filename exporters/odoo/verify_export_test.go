package odoo

// SetVerifyPageRows sets how many rows of a table verify holds at a time,
// for a test of paging; restore puts the default back.
func SetVerifyPageRows(n int) (restore func()) {
	old := verifyPageRows
	verifyPageRows = n
	return func() { verifyPageRows = old }
}

// SetVerifyByIDs makes a full verify read as it did before counts (see
// verifyByIDs), with its batches in the same ratio to the page as at the
// default page of 2,000; restore puts the default back.
func SetVerifyByIDs(on bool) (restore func()) {
	old := verifyByIDs
	verifyByIDs = on
	return func() { verifyByIDs = old }
}
