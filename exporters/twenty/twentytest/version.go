package twentytest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// The Twenty versions the server follows.
const (
	// V2_43 is Twenty 2.43 (September 2026): the metadata REST answers of
	// the IS_REST_METADATA_API_NEW_FORMAT_DIRECT flag, paged; the Data Model
	// permission on /rest/metadata; workspace members by invitation only;
	// Files v2; the standard objects of testdata/standard-2.43.json.
	V2_43 = "2.43"
	// V1 is Twenty 1.x before 1.17: the legacy metadata answers
	// ({data: {objects: [...]}}), GraphQL multipart uploadFile, workspace
	// members writable with an API key, and the hand-written standard
	// objects of schema.go, whose note and task targets still link through
	// person / company (1.17 renamed them targetPerson / targetCompany,
	// which this mode does not model: a client reads the names from the
	// metadata either way). See DIFFERENCES.md.
	V1 = "1.x"
)

// Versions lists the versions Options.Version accepts.
var Versions = []string{V2_43, V1}

// DefaultVersion is the version a server follows when Options.Version is
// empty.
const DefaultVersion = V2_43

// appVersions is what each version states as ClientConfig.appVersion.
var appVersions = map[string]string{V2_43: "2.43.0", V1: "1.16.0"}

// Version is the Twenty version the server follows.
func (s *Server) Version() string { return s.opt.Version }

func (s *Server) v2() bool { return s.opt.Version == V2_43 }

//go:embed testdata/standard-2.43.json
var standard243 []byte

// generatedObjects builds the standard objects of a testdata file written
// by gen/ (a fresh workspace of that version).
func generatedObjects(data []byte) []*Object {
	var in struct {
		Objects []struct {
			NameSingular, NamePlural, LabelSingular, LabelPlural string
			Fields                                               []struct {
				Name, Type, Label, UniqueSubField string
				IsNullable, IsSystem, IsUnique    bool
				Options                           []Option
				Relation                          *struct{ Type, Target, TargetField string }
			}
		}
	}
	if err := json.Unmarshal(data, &in); err != nil {
		panic(fmt.Sprintf("twentytest: standard objects: %v", err))
	}
	var out []*Object
	byName := map[string]*Object{}
	for _, o := range in.Objects {
		obj := &Object{ID: uuid.NewString(), NameSingular: o.NameSingular, NamePlural: o.NamePlural,
			LabelSingular: o.LabelSingular, LabelPlural: o.LabelPlural, IsActive: true}
		for _, f := range o.Fields {
			fd := &Field{ID: uuid.NewString(), ObjectMetadataID: obj.ID, Name: f.Name, Label: f.Label, Type: f.Type,
				IsActive: true, IsSystem: f.IsSystem, IsNullable: f.IsNullable, IsUnique: f.IsUnique, uniqueSub: f.UniqueSubField}
			for _, op := range f.Options {
				op.ID = uuid.NewString()
				fd.Options = append(fd.Options, op)
			}
			if f.Relation != nil {
				fd.Relation = &Relation{Type: f.Relation.Type, TargetObject: f.Relation.Target, TargetFieldName: f.Relation.TargetField}
			}
			obj.Fields = append(obj.Fields, fd)
		}
		out = append(out, obj)
		byName[obj.NameSingular] = obj
	}
	for _, o := range out {
		for _, f := range o.Fields {
			if f.Relation != nil {
				f.Relation.TargetObjectMetadataID = byName[f.Relation.TargetObject].ID
			}
		}
	}
	return out
}

// handleClientConfig answers GET /client-config, public as in Twenty
// (client-config.controller.ts: @Controller(ApiPath.ClientConfig), guards
// PublicEndpointGuard and NoPermissionGuard), with the ClientConfig shape of
// twenty-client-sdk's generated schema; only the fields a client reads to
// learn the version are filled.
func (s *Server) clientConfig() map[string]any {
	return map[string]any{
		"appVersion":                  appVersions[s.opt.Version],
		"isMultiWorkspaceEnabled":     false,
		"isEmailVerificationRequired": false,
		"signInPrefilled":             false,
		"analyticsEnabled":            false,
		"canManageFeatureFlags":       false,
		"api":                         map[string]any{"mutationMaximumAffectedRecords": mutationMaxAffected},
		"isAttachmentPreviewEnabled":  true,
		"frontDomain":                 strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://"),
		"publicFeatureFlags":          []any{},
	}
}

// DenyDataModel takes the Data Model permission from the key's role: in
// 2.43 every /rest/metadata route answers 403 as Twenty's
// SettingsPermissionGuard(PermissionFlagType.DATA_MODEL) does (the guard
// throws PermissionsException PERMISSION_DENIED, which
// PermissionsRestApiExceptionFilter answers 403 through
// HttpExceptionHandlerService).
func (s *Server) DenyDataModel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataModelDenied = true
}

func permissionDenied() *apiError {
	return &apiError{status: 403, msg: "Entity performing the request does not have permission", code: "PERMISSION_DENIED"}
}

// UserToken is a logged-in workspace admin's access token, which the
// server accepts besides the API key. Twenty serves some mutations only to
// a user (UserAuthGuard), sendInvitations among them.
func (s *Server) UserToken() string { return s.opt.APIKey + "-user-session" }

type invitation struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	RoleID    any    `json:"roleId"`
	ExpiresAt string `json:"expiresAt"`
}

// Invite records a pending invitation, as an admin sending one from
// Twenty's settings does.
func (s *Server) Invite(email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invite(email, nil)
}

func (s *Server) invite(email string, roleID any) invitation {
	email = strings.ToLower(strings.TrimSpace(email))
	inv, ok := s.invites[email]
	if !ok {
		inv = invitation{ID: uuid.NewString(), Email: email, RoleID: roleID,
			ExpiresAt: s.now().AddDate(0, 0, 30).Format("2006-01-02T15:04:05.000Z")}
		s.invites[email] = inv
	}
	return inv
}

// Invitations lists the e-mails invited and not yet joined.
func (s *Server) Invitations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for e := range s.invites {
		out = append(out, e)
	}
	return out
}

// Join makes an invited person a workspace member, as accepting the
// invitation does (the user signs up and Twenty creates their
// workspaceMember), and returns the member's id. name is "First Last".
// It fails when no invitation is pending for the e-mail.
func (s *Server) Join(email, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	email = strings.ToLower(strings.TrimSpace(email))
	if _, ok := s.invites[email]; !ok {
		return "", fmt.Errorf("twentytest: no pending invitation for %s", email)
	}
	delete(s.invites, email)
	first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
	id := uuid.NewString()
	now := s.now().Format("2006-01-02T15:04:05.000Z")
	s.tables["workspaceMember"].put(id, map[string]any{
		"id": id, "userEmail": email, "userId": uuid.NewString(),
		"name":   map[string]any{"firstName": first, "lastName": last},
		"locale": "en", "colorScheme": "System", "timeZone": "system",
		"createdAt": now, "updatedAt": now, "deletedAt": nil,
	})
	s.stats.Created["workspaceMember"]++
	return id, nil
}

// refuseMemberWrite is Twenty 2.x's answer to creating a workspace member
// with an API key (twentyhq/twenty issue 15841: POST /workspaceMembers and
// createWorkspaceMember answer "Entity performing the request does not
// have permission"): members are users who accepted an invitation.
func (s *Server) refuseMemberWrite(r *http.Request, parts []string) *apiError {
	if !s.v2() || r.Method != http.MethodPost {
		return nil
	}
	if (len(parts) == 2 && parts[0] == "rest" && parts[1] == "workspaceMembers") ||
		(len(parts) == 3 && parts[0] == "rest" && parts[1] == "batch" && parts[2] == "workspaceMembers") {
		return permissionDenied()
	}
	return nil
}
