package models

import (
	"embed"
	"io/fs"
)

//go:embed defs
var defsFS embed.FS

// Embedded is the layer of models shipped with axium2crm.
func Embedded() Layer {
	sub, err := fs.Sub(defsFS, "defs")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return Layer{Name: "embedded", FS: sub}
}
