package models

import "github.com/axium2crm/axium2crm/loaders"

// Sources describes the raw objects of the loader's specs for source().
func Sources(specs []loaders.Spec) []SourceObject {
	out := make([]SourceObject, len(specs))
	for i, s := range specs {
		out[i] = SourceObject{Name: s.Object.Name, Key: s.Object.Key, Columns: s.Object.ColumnNames()}
	}
	return out
}
