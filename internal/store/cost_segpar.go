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
// with its own map (key gives a line's group, add counts the line into
// it), merged at the end. The order lines are seen in does not matter.
func scanGrouped[K comparable, A any](ctx context.Context, c *Costs, orgID string, q costs.Query, cols *segColumns,
	key func(segRow) K, add func(*A, segRow), merge func(dst, src *A)) (map[K]*A, error) {
	f, err := c.compileFilter(ctx, orgID, q)
	if err != nil {
		return nil, err
	}
	f.mark(cols)
	workers := runtime.GOMAXPROCS(0)
	segs, maps := make(chan []byte, 2*workers), make([]map[K]*A, workers)
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

func decodeInto[K comparable, A any](segs <-chan []byte, f *segFilter, want *costseg.Columns, m map[K]*A,
	key func(segRow) K, add func(*A, segRow)) error {
	blk := &costseg.Block{}
	for data := range segs {
		if err := decodeSegment(data, blk, want); err != nil {
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
			add(a, r)
		}
	}
	return nil
}

// readSegments sends the data of the segments f's days may hold, in no
// particular order (asking for one made SQLite sort the blobs on disk).
func (c *Costs) readSegments(ctx context.Context, orgID string, f *segFilter, out chan<- []byte) error {
	where, args := segmentsWhere(orgID, f)
	rows, err := c.reader().query(ctx, `SELECT data FROM cost_segments WHERE `+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte // a fresh copy: a worker keeps it
		if err := rows.Scan(&data); err != nil {
			return err
		}
		select {
		case out <- data:
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
