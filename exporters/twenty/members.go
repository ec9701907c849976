package twenty

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/axium2crm/axium2crm/exporters/audit"
)

// MemberObject is Twenty's workspace member: a user of the workspace.
const MemberObject = "workspaceMember"

// Workspace members are users. Twenty refuses to create them with an API
// key ("Entity performing the request does not have permission",
// twentyhq/twenty issue 15841), and sendInvitations needs a signed-in user
// (UserAuthGuard on workspace-invitation.resolver.ts), so the push never
// writes a member: it reads who already is one, matches the active axiUm
// users of twenty.workspace_member to them by e-mail (case-insensitive, as
// Twenty compares e-mails), points task assignees at those members, and
// lists the users to invite (Settings → Members → Invite by e-mail). A task
// whose assignee has not joined is sent unassigned, its provider still
// linked through task.provider, and the member row is logged as skipped
// with that reason; once the user joins, the next push (delta) sees the
// task's payload change and assigns it.

// MemberReport says which active axiUm users are workspace members.
type MemberReport struct {
	// Joined are the e-mails of users who are members.
	Joined []string `json:"joined"`
	// ToInvite are the e-mails of users who are not members yet.
	ToInvite []string `json:"to_invite"`
	// Unassigned counts the records (tasks) sent without their assignee,
	// whose user has not joined.
	Unassigned int `json:"unassigned"`
	// Invited are the e-mails the push sent an invitation to (with a
	// user token, TWENTY_USER_TOKEN); InviteErrors what Twenty refused.
	Invited      []string `json:"invited,omitempty"`
	InviteErrors []string `json:"invite_errors,omitempty"`
}

type memberLink struct {
	email, memberID, sourceKey string
}

// members resolves assignees: the model's member ids (twenty.workspace_member.id)
// to the ids of the workspace's members.
type members struct {
	byRowID map[string]memberLink
	// keys are the payload keys, by table (twenty.<table>), of relations
	// to members.
	keys map[string][]string
	mu   sync.Mutex
	rep  *MemberReport
	// table is the member table (twenty.workspace_member).
	table string
	// invited are the e-mails this push sent an invitation to.
	invited map[string]bool
}

// withoutMembers is the plan without the member object: its rows are never
// written (see above).
func withoutMembers(p Plan) Plan {
	out := Plan{Fields: p.Fields}
	for _, o := range p.Objects {
		if o.NameSingular != MemberObject {
			out.Objects = append(out.Objects, o)
		}
	}
	return out
}

// useMembers reads the workspace's members (readMembers) and has the
// mapper point member relations at them; the plan it returns has no member
// object (withoutMembers).
func useMembers(ctx context.Context, db *sql.DB, c *Client, plan Plan, mp *Mapper) (Plan, *members, int, error) {
	m, calls, err := readMembers(ctx, db, c, plan)
	if err != nil {
		return plan, nil, calls, err
	}
	mp.members = m
	return withoutMembers(plan), m, calls, nil
}

// readMembers matches the table's users with the workspace's members. It
// returns nil when the plan has no member object.
func readMembers(ctx context.Context, db *sql.DB, c *Client, plan Plan) (*members, int, error) {
	o, ok := plan.Object(MemberObject)
	if !ok {
		return nil, 0, nil
	}
	ws, calls, err := c.List(ctx, "workspaceMembers", "")
	if err != nil {
		return nil, calls, err
	}
	byEmail := map[string]string{}
	for _, r := range ws {
		if e := strings.ToLower(strings.TrimSpace(fmt.Sprint(orEmpty(r["userEmail"])))); e != "" {
			byEmail[e] = recordID(r)
		}
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT id, user_email, "_source_key" FROM twenty.%s ORDER BY "_source_key"`, o.Table))
	if err != nil {
		return nil, calls, fmt.Errorf("read %s: %w", o.QualifiedTable(), err)
	}
	defer rows.Close()
	m := &members{byRowID: map[string]memberLink{}, keys: map[string][]string{}, rep: &MemberReport{}, table: o.QualifiedTable()}
	for rows.Next() {
		var id, email, key sql.NullString
		if err := rows.Scan(&id, &email, &key); err != nil {
			return nil, calls, err
		}
		l := memberLink{email: email.String, sourceKey: key.String, memberID: byEmail[strings.ToLower(strings.TrimSpace(email.String))]}
		m.byRowID[id.String] = l
		if l.memberID != "" {
			m.rep.Joined = append(m.rep.Joined, l.email)
		} else if l.email != "" {
			m.rep.ToInvite = append(m.rep.ToInvite, l.email)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, calls, err
	}
	sort.Strings(m.rep.Joined)
	sort.Strings(m.rep.ToInvite)
	for _, f := range plan.Fields {
		if src, ok := plan.Object(f.Object); ok && f.Type == "RELATION" && f.RelationTarget == MemberObject {
			m.keys[src.Table] = append(m.keys[src.Table], f.RelationName()+"Id")
		}
	}
	return m, calls, nil
}

// adjust points a payload's member relations at the workspace's members:
// the member the user is, or none while the user has not joined.
func (m *members) adjust(table string, p Record) {
	if m == nil {
		return
	}
	for _, k := range m.keys[table] {
		v, ok := p[k].(string)
		if !ok || v == "" {
			continue
		}
		l, known := m.byRowID[v]
		if !known {
			continue
		}
		if l.memberID != "" {
			p[k] = l.memberID
			continue
		}
		p[k] = nil
		m.mu.Lock()
		m.rep.Unassigned++
		m.mu.Unlock()
	}
}

// invite sends the invitations the report lists, with the client's user
// token; it returns the calls made.
func (m *members) invite(ctx context.Context, c *Client) (int, error) {
	if m == nil || len(m.rep.ToInvite) == 0 || !c.CanInvite() {
		return 0, nil
	}
	invited, refused, err := c.SendInvitations(ctx, m.rep.ToInvite)
	if err != nil {
		return 1, err
	}
	m.invited = map[string]bool{}
	for _, e := range invited {
		m.invited[strings.ToLower(e)] = true
	}
	m.rep.Invited, m.rep.InviteErrors = invited, refused
	return 1, nil
}

// report is what readMembers found (nil without a member object).
func (m *members) report() *MemberReport {
	if m == nil {
		return nil
	}
	return m.rep
}

// entries log each member row as skipped, with why.
func (m *members) entries() []audit.Entry {
	if m == nil {
		return nil
	}
	ids := make([]string, 0, len(m.byRowID))
	for id := range m.byRowID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []audit.Entry
	for _, id := range ids {
		l := m.byRowID[id]
		reason := fmt.Sprintf("workspace members join by invitation, never through the API: %s is member %s; their tasks are assigned to it", l.email, l.memberID)
		if l.memberID == "" {
			reason = fmt.Sprintf("workspace members join by invitation, never through the API: %s has not joined; invite them in Settings > Members, their tasks stay unassigned (provider linked) until a push after they join", l.email)
			if m.invited[strings.ToLower(l.email)] {
				reason = fmt.Sprintf("workspace members join by invitation, never through the API: the push sent %s an invitation; their tasks stay unassigned (provider linked) until a push after they accept it", l.email)
			}
		}
		out = append(out, audit.Entry{Object: MemberObject, Table: m.table, SourceKey: l.sourceKey, DestID: l.memberID,
			Action: audit.Skip, Reason: reason})
	}
	return out
}
