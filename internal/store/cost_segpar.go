package store

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store/costseg"
)

// scanGrouped sums q's lines into groups, decoding segments on every core:
// the segments are read on this goroutine and decoded by workers, each
// with its own map (key gives a line's group, add counts a line, or a
// detail row of n lines, into it), merged at the end. The order lines are
// seen in does not matter. src says whether imports that keep a detail
// rollup are read from it (and the others from their lines, or not).
func scanGrouped[K comparable, A any](ctx context.Context, c *Costs, orgID string, q costs.Query, src segSource, cols *segColumns,
	key func(segRow) K, add func(a *A, r segRow, n int64), merge func(dst, src *A)) (map[K]*A, error) {
	f, err := c.compileFilter(ctx, orgID, q)
	if err != nil {
		return nil, err
	}
	f.mark(cols)
	f.src = src
	if src != linesOnly {
		cols.ints(segDetailLines)
	}
	workers := runtime.GOMAXPROCS(0)
	segs, maps := make(chan storedSegment, 2*workers), make([]map[K]*A, workers)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := range workers {
		maps[w] = map[K]*A{}
		wg.Go(func() {
			if err := decodeInto(segs, f, &cols.Columns, maps[w], key, add); err != nil {
				errs <- err
				cancel()
				for range segs { // let the reader finish
				}
			}
		})
	}
	rerr := c.readSegments(ctx, orgID, f, segs)
	close(segs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	out := maps[0]
	for _, m := range maps[1:] {
		for k, a := range m {
			if d := out[k]; d != nil {
				merge(d, a)
			} else {
				out[k] = a
			}
		}
	}
	return out, nil
}

// storedSegment is a segment's data and whether it holds detail rows.
type storedSegment struct {
	data   []byte
	detail bool
}

func decodeInto[K comparable, A any](segs <-chan storedSegment, f *segFilter, want *costseg.Columns, m map[K]*A,
	key func(segRow) K, add func(*A, segRow, int64)) error {
	blk := &costseg.Block{}
	for seg := range segs {
		if err := decodeSegment(seg.data, blk, want); err != nil {
			return err
		}
		for i := range blk.N {
			r := segRow{blk, i}
			if !f.match(r) {
				continue
			}
			k := key(r)
			a := m[k]
			if a == nil {
				a = new(A)
				m[k] = a
			}
			n := int64(1)
			if seg.detail {
				n, _ = r.int(segDetailLines)
			}
			add(a, r, n)
		}
	}
	return nil
}

// readSegments sends the data of the segments f's days may hold, in no
// particular order (asking for one made SQLite sort the blobs on disk).
func (c *Costs) readSegments(ctx context.Context, orgID string, f *segFilter, out chan<- storedSegment) error {
	dwhere, dargs := segmentsWhere(c.db.Engine, orgID, f, true)
	detail := `SELECT data, 1 FROM cost_detail_segments WHERE ` + dwhere
	if f.src == detailOnly {
		return c.sendSegments(ctx, detail, dargs, out)
	}
	where, args := segmentsWhere(c.db.Engine, orgID, f, false)
	query := `SELECT data, 0 FROM cost_segments WHERE ` + where
	if f.src == detailThenLines {
		query += ` UNION ALL ` + detail
		args = append(args, dargs...)
	}
	return c.sendSegments(ctx, query, args, out)
}

// sendSegments sends the segments query selects (data, is-detail) to out.
func (c *Costs) sendSegments(ctx context.Context, query string, args []any, out chan<- storedSegment) error {
	rows, err := c.reader().query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seg storedSegment // data is a fresh copy: a worker keeps it
		if err := rows.Scan(&seg.data, &seg.detail); err != nil {
			return err
		}
		select {
		case out <- seg:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return rows.Err()
}

// decodeSegment decodes the wanted columns of a stored segment (nil: all)
// and checks it has the cost store's columns.
func decodeSegment(data []byte, blk *costseg.Block, want *costseg.Columns) error {
	if err := costseg.DecodeColumns(data, blk, want); err != nil {
		return fmt.Errorf("cost segment: %w", err)
	}
	if len(blk.Ints) != segIntColumns || len(blk.Strs) != segTextColumns {
		return fmt.Errorf("cost segment: %d/%d columns, want %d/%d", len(blk.Ints), len(blk.Strs), segIntColumns, segTextColumns)
	}
	return nil
}
