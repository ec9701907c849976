package models_test

import (
	"encoding/json"
	"fmt"
	"time"
)

// text renders a scanned value stably for golden files.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return `\N`
	case string:
		return x
	case []byte:
		return fmt.Sprintf(`\x%x`, x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}
