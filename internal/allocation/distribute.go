package allocation

import (
	"math/big"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

const nanosPerUnit = 10_000_000_000

// divide splits m into len(weights) parts proportional to the weights
// (non-negative; at least one positive), exactly: each measure's parts add
// up to it to the 10^-10, the rounding remainder going to the parts with
// the largest fractions (ties to the first).
func divide(m costs.Measures, weights []*big.Int) ([]costs.Measures, error) {
	out := make([]costs.Measures, len(weights))
	total := new(big.Int)
	for _, w := range weights {
		total.Add(total, w)
	}
	for _, get := range []func(*costs.Measures) *domain.Amount{
		func(m *costs.Measures) *domain.Amount { return &m.Billed },
		func(m *costs.Measures) *domain.Amount { return &m.Effective },
		func(m *costs.Measures) *domain.Amount { return &m.List },
		func(m *costs.Measures) *domain.Amount { return &m.Contracted },
	} {
		parts, err := divideAmount(*get(&m), weights, total)
		if err != nil {
			return nil, err
		}
		for j := range out {
			*get(&out[j]) = parts[j]
		}
	}
	return out, nil
}

func divideAmount(a domain.Amount, weights []*big.Int, total *big.Int) ([]domain.Amount, error) {
	out := make([]domain.Amount, len(weights))
	if a.IsZero() {
		return out, nil
	}
	n := big.NewInt(a.Units)
	n.Mul(n, big.NewInt(nanosPerUnit)).Add(n, big.NewInt(a.Nanos))
	neg := n.Sign() < 0
	n.Abs(n)
	parts := make([]*big.Int, len(weights))
	rems := make([]*big.Int, len(weights))
	left := new(big.Int).Set(n)
	for i, w := range weights {
		q, r := new(big.Int), new(big.Int)
		q.QuoRem(new(big.Int).Mul(n, w), total, r)
		parts[i], rems[i] = q, r
		left.Sub(left, q)
	}
	for left.Sign() > 0 { // fewer than len(weights) nanos remain
		best := -1
		for i, r := range rems {
			if weights[i].Sign() > 0 && (best < 0 || r.Cmp(rems[best]) > 0) {
				best = i
			}
		}
		parts[best].Add(parts[best], big.NewInt(1))
		rems[best] = big.NewInt(-1)
		left.Sub(left, big.NewInt(1))
	}
	for i, p := range parts {
		if neg {
			p.Neg(p)
		}
		q, r := new(big.Int).QuoRem(p, big.NewInt(nanosPerUnit), new(big.Int))
		if !q.IsInt64() {
			return nil, domain.ErrAmountRange
		}
		out[i] = domain.Amount{Units: q.Int64(), Nanos: r.Int64()}
	}
	return out, nil
}
