package twenty

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// RecordPage is one page of an object's records in id order.
type RecordPage struct {
	Records []Record
	// Total is the list's totalCount: the object's records, every page.
	Total int
	// Cursor is passed back to read the next page; More says there is one.
	Cursor string
	More   bool
}

// ListPage reads one page of an object's records, all of them in id
// order, MaxBatch (Twenty's QUERY_MAX_RECORDS, the most a list returns) a
// call: cursor is "" for the first page, then the previous page's Cursor.
// A verify reads an object this way in about as many calls as by id, and
// without the calls that look for records linked to migrated people.
func (c *Client) ListPage(ctx context.Context, plural, cursor string) (RecordPage, error) {
	q := url.Values{"limit": {strconv.Itoa(MaxBatch)}, "order_by": {"id[AscNullsFirst]"}}
	if cursor != "" {
		q.Set("starting_after", cursor)
	}
	b, err := c.do(ctx, http.MethodGet, "/rest/"+url.PathEscape(plural)+"?"+q.Encode(), nil, "")
	if err != nil {
		return RecordPage{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var resp struct {
		Data       map[string][]Record `json:"data"`
		TotalCount int                 `json:"totalCount"`
		PageInfo   struct {
			HasNextPage bool   `json:"hasNextPage"`
			EndCursor   string `json:"endCursor"`
		} `json:"pageInfo"`
	}
	if err := dec.Decode(&resp); err != nil {
		return RecordPage{}, fmt.Errorf("twenty: list %s: %w", plural, err)
	}
	p := RecordPage{Records: resp.Data[plural], Total: resp.TotalCount, Cursor: resp.PageInfo.EndCursor}
	p.More = resp.PageInfo.HasNextPage && p.Cursor != "" && p.Cursor != cursor && len(p.Records) > 0
	return p, nil
}
