package twenty

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Workspace is what the exporter learned of a server before writing: the
// version it states, the metadata answer shape, and which of the shapes
// that changed between versions its data model has. Each is read from the
// server, never assumed from the version number alone.
type Workspace struct {
	// Version is the server's appVersion (GET /client-config, public); ""
	// when the server does not state one.
	Version string
	// MetadataFormat is FormatPaged, FormatLegacyPaged or FormatLegacy.
	MetadataFormat string
	// FilesV2: the attachment object has the FILES field "file", so a
	// document is uploaded with createFileUpload / PUT / completeFileUpload
	// and the record holds file: [{fileId, label}]. Otherwise uploadFile
	// and fullPath (1.x).
	FilesV2 bool
	// FileFieldID is the id of attachment.file (createFileUpload's
	// fieldMetadataId).
	FileFieldID string
	// Targets is "targetPerson" when note and task targets and attachments
	// link through target* relations (1.17 and later), else "person".
	Targets string
	// MembersByInvitation: the server refuses workspace members created
	// with an API key (2.x): users join by invitation.
	MembersByInvitation bool
}

// Major is the version's major number, 0 when unknown.
func (w Workspace) Major() int {
	n, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(w.Version, ".", 2)[0], "v"))
	return n
}

// String is the push's first line.
func (w Workspace) String() string {
	v := "Twenty " + w.Version + " (stated by /client-config)"
	if w.Version == "" {
		v = "Twenty (no version stated by /client-config)"
	}
	files := "files through uploadFile (1.x)"
	if w.FilesV2 {
		files = "files through createFileUpload (Files v2)"
	}
	return fmt.Sprintf("%s: metadata answers %s; %s; targets through %s", v, w.MetadataFormat, files, w.Targets)
}

// ServerVersion reads the version the server states (ClientConfig.appVersion
// on the public GET /client-config). A server without the route or the
// field states none: "" and no error.
func (c *Client) ServerVersion(ctx context.Context) (string, error) {
	b, err := c.do(ctx, http.MethodGet, "/client-config", nil, "")
	if ae, ok := clientError(err); ok && ae.Status == http.StatusNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var cfg struct {
		AppVersion string `json:"appVersion"`
	}
	if json.Unmarshal(b, &cfg) != nil {
		return "", nil
	}
	return strings.TrimPrefix(cfg.AppVersion, "v"), nil
}

// Detect describes the workspace from its stated version and its data
// model (ws, as Objects read it).
func (c *Client) Detect(ctx context.Context, ws []ObjectMeta) (Workspace, error) {
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return Workspace{}, err
	}
	w := Workspace{Version: v, MetadataFormat: c.MetadataFormat(), Targets: "person"}
	for _, o := range ws {
		switch o.NameSingular {
		case "attachment":
			if f, ok := o.Field("file"); ok && f.Type == "FILES" {
				w.FilesV2, w.FileFieldID = true, f.ID
			}
		case "noteTarget", "taskTarget":
			if _, ok := o.Field("targetPerson"); ok {
				w.Targets = "targetPerson"
			}
		}
	}
	w.MembersByInvitation = w.Major() >= 2 || w.MetadataFormat != FormatLegacy
	c.mu.Lock()
	c.ws = w
	c.mu.Unlock()
	return w, nil
}

// workspace is what Detect found (zero before it ran).
func (c *Client) workspace() Workspace {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws
}
