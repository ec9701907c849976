package twenty

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTargetNamesTheKeysWorkspace: a Twenty API key is a JWT whose payload
// names its workspace (ApiKeyService.generateApiKeyToken signs {sub,
// type: "API_KEY", workspaceId}); the client's target carries it, so two
// workspaces behind one address are two servers to the audit log.
func TestTargetNamesTheKeysWorkspace(t *testing.T) {
	jwt := func(payload string) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(payload)) + ".c2lnbmF0dXJl"
	}
	const ws = "3b8e6458-5fc1-4e63-8563-008ccddaa6db"
	for _, c := range []struct {
		name, key, want string
	}{
		{"an API key", jwt(`{"sub":"` + ws + `","type":"API_KEY","workspaceId":"` + ws + `","iat":1,"exp":2,"jti":"k"}`),
			"https://crm.example.edu workspace " + ws},
		{"a key that is not a JWT", "not-a-jwt", "https://crm.example.edu"},
		{"a user's access token is not an API key", jwt(`{"type":"ACCESS","workspaceId":"` + ws + `"}`), "https://crm.example.edu"},
		{"a payload that is not JSON", jwt(`workspaceId`), "https://crm.example.edu"},
		{"a workspace id that is not a plain id", jwt(`{"type":"API_KEY","workspaceId":"a b\n"}`), "https://crm.example.edu"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, err := NewClient(Config{BaseURL: "https://crm.example.edu/", APIKey: c.key})
			require.NoError(t, err)
			assert.Equal(t, c.want, cl.Target())
		})
	}
}
