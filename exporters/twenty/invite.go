package twenty

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Workspace members join by invitation, and Twenty serves
// sendInvitations to a signed-in user only
// (WorkspaceInvitationResolver.sendInvitations has UserAuthGuard): an API
// key is refused. With a workspace admin's access token (Config.UserToken,
// TWENTY_USER_TOKEN; never on the command line) the push sends the
// invitations the member report lists; without one it only lists them.

type userCall struct{}

// asUser says the request goes out with the user token.
func asUser(ctx context.Context) bool { v, _ := ctx.Value(userCall{}).(bool); return v }

// CanInvite says the client holds a user token.
func (c *Client) CanInvite() bool { return c.cfg.UserToken != "" }

// SendInvitations invites the e-mails to the workspace (one call) and
// returns those Twenty invited and what it refused.
func (c *Client) SendInvitations(ctx context.Context, emails []string) (invited []string, refused []string, err error) {
	if !c.CanInvite() {
		return nil, nil, errors.New("twenty: sending invitations needs a workspace admin's access token (TWENTY_USER_TOKEN): Twenty refuses it to an API key")
	}
	if len(emails) == 0 {
		return nil, nil, nil
	}
	list := make([]any, len(emails))
	for i, e := range emails {
		list[i] = e
	}
	var out struct {
		SendInvitations struct {
			Success bool     `json:"success"`
			Errors  []string `json:"errors"`
			Result  []struct {
				Email string `json:"email"`
			} `json:"result"`
		} `json:"sendInvitations"`
	}
	q := `mutation SendInvitations($emails: [String!]!) { sendInvitations(emails: $emails) { success errors result { ... on WorkspaceInvitation { id email expiresAt } } } }`
	if err := c.metadataGraphQL(context.WithValue(ctx, userCall{}, true), q, map[string]any{"emails": list}, &out); err != nil {
		return nil, nil, fmt.Errorf("twenty: send invitations: %w", err)
	}
	for _, r := range out.SendInvitations.Result {
		invited = append(invited, strings.ToLower(r.Email))
	}
	return invited, out.SendInvitations.Errors, nil
}
