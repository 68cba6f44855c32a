package m365

import (
	"context"
	"fmt"
)

// page is one OData collection page.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// maxPages guards against a server that links pages in a circle.
const maxPages = 100000

// eachItem walks a collection from url through every @odata.nextLink and
// calls fn for each item. A page is decoded completely before any of its
// items reach fn, so a truncated page is an error and none of it is
// delivered. When eachItem returns an error the caller must discard what
// fn received: the collection was not read to its end.
func eachItem[T any](ctx context.Context, c *Client, url string, fn func(T) error) error {
	for n := 0; url != ""; n++ {
		if n >= maxPages {
			return fmt.Errorf("graph: more than %d pages; stopping", maxPages)
		}
		var p page[T]
		if err := c.getJSON(ctx, url, &p); err != nil {
			return err
		}
		for _, item := range p.Value {
			if err := fn(item); err != nil {
				return err
			}
		}
		if p.NextLink != "" && !c.sameHost(p.NextLink) {
			return fmt.Errorf("graph: nextLink %q leaves the Graph host; refusing to send the token there", p.NextLink)
		}
		url = p.NextLink
	}
	return nil
}
