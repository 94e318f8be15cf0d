package workload

import (
	"slices"
	"testing"
)

func TestSelect(t *testing.T) {
	all := All()
	for _, tc := range []struct {
		list string
		want []string
	}{
		{"onerow", []string{"onerow/cached", "onerow/exec", "onerow/sql"}},
		{"batch100, onerow/exec,batch100", []string{"batch100", "onerow/exec"}},
	} {
		got, err := Select(all, tc.list)
		if err != nil {
			t.Fatalf("Select(%q): %v", tc.list, err)
		}
		if names := Names(got); !slices.Equal(names, tc.want) {
			t.Errorf("Select(%q) = %v, want %v", tc.list, names, tc.want)
		}
	}
	if got, _ := Select(all, ""); len(got) != len(all) {
		t.Errorf("Select(\"\") = %d workloads, want all %d", len(got), len(all))
	}
	if _, err := Select(all, "nosuch"); err == nil {
		t.Error("Select(\"nosuch\") did not fail")
	}
}

func TestEveryWorkloadHasOnePgxBaseline(t *testing.T) {
	for _, w := range All() {
		n := 0
		for _, c := range w.Cases {
			if c.Driver == Pgx || c.Driver == PgxStdlib || c.Driver == PgxPool {
				n++
			}
		}
		if n != 1 || w.Baseline() == "" {
			t.Errorf("%s: %d pgx drivers, baseline %q; want exactly one", w.Name, n, w.Baseline())
		}
	}
}
