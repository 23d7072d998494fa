package proxy

import (
	"context"
	"testing"
)

// TestNATIndexKeepsRacingStart checks that a clear which listed the
// chains before a concurrent start added its own does not forget the
// instance, and that a clear after it does.
func TestNATIndexKeepsRacingStart(t *testing.T) {
	ctx := context.Background()
	table := "pf-natindex-test"
	natIndex.Lock()
	natIndex.tables[table] = map[string]int{} // known table: no nft call
	natIndex.Unlock()
	t.Cleanup(func() {
		natIndex.Lock()
		delete(natIndex.tables, table)
		natIndex.Unlock()
	})
	r := Ref{Project: "default", Instance: "c1", FirewallTable: table}
	other := Ref{Project: "default", Instance: "c2", FirewallTable: table}
	mayExist := func(r Ref) (bool, int) {
		t.Helper()
		may, gen, err := natMayExist(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return may, gen
	}
	if may, _ := mayExist(r); may {
		t.Fatal("an instance never started may have chains")
	}
	if err := natAdded(ctx, r); err != nil {
		t.Fatal(err)
	}
	may, gen := mayExist(r)
	if !may {
		t.Fatal("a started instance has no chains")
	}
	if may, _ := mayExist(other); may {
		t.Fatal("another instance of the table may have chains")
	}
	if err := natAdded(ctx, r); err != nil { // a start racing the clear
		t.Fatal(err)
	}
	natCleared(r, gen)
	if may, _ := mayExist(r); !may {
		t.Fatal("a clear that raced a start dropped the instance")
	}
	_, gen = mayExist(r)
	natCleared(r, gen)
	if may, _ := mayExist(r); may {
		t.Fatal("a clear did not drop the instance")
	}
}
