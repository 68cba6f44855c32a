package costs

import (
	"encoding/json"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
)

func TestMeasuresAddAndJSON(t *testing.T) {
	m := Measures{Billed: domain.Amount{Units: 1, Nanos: 5_000_000_000}}
	if err := m.Add(Measures{Billed: domain.Amount{Units: 0, Nanos: 6_000_000_000}, List: domain.Amount{Units: -2}}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"billed":"2.1","effective":"0","list":"-2","contracted":"0"}` {
		t.Fatalf("json %s", b)
	}
	var back Measures
	if err := json.Unmarshal(b, &back); err != nil || back != m {
		t.Fatalf("round trip %+v %v", back, err)
	}
	if err := m.Add(Measures{Effective: domain.Amount{Units: 1<<63 - 1}, List: domain.Amount{Units: -1 << 62}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(Measures{Effective: domain.Amount{Units: 1}}); err == nil {
		t.Fatal("overflow must fail")
	}
}
