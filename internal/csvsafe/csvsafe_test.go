package csvsafe

import (
	"slices"
	"testing"
)

func TestFormulasBecomeText(t *testing.T) {
	got := Row("=SUM(A1)", "+1", "-2", "@cmd", "\tx", "plain", "", "a=b")
	want := []string{"'=SUM(A1)", "'+1", "'-2", "'@cmd", "'\tx", "plain", "", "a=b"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
}
