package loaders

import "strings"

// ProvenanceColumns are the columns the loader adds to every raw table
// (create_raw.sql): the load batch, the source file, the record's ordinal
// in it and the row hash. They are bookkeeping, never export data; a source
// header spelled like one lands as "src_…" (MapHeader).
func ProvenanceColumns() []string {
	return []string{"_batch_id", "_source_file", "_source_record", "_row_hash"}
}

// IsProvenanceColumn reports whether a raw-table column is one of the
// loader's bookkeeping columns.
func IsProvenanceColumn(name string) bool {
	for _, c := range ProvenanceColumns() {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}
