package steps

import (
	"github.com/godwit/godwit/plan"
	"testing"
)

func TestRewriteView(t *testing.T) {
	objs := &plan.Plan{
		Databases: map[string]string{"shop": "shop2"},
		Renames:   map[string][2]string{"shop.orders": {"shop2", "orders_v2"}},
	}
	def := "select `shop`.`orders`.`id` AS `id`,`c`.`name` AS `n` from (`shop`.`orders` join `shop`.`customers` `c`) where `other`.`x` = 'a`b'"
	want := "select `shop2`.`orders_v2`.`id` AS `id`,`c`.`name` AS `n` from (`shop2`.`orders_v2` join `shop2`.`customers` `c`) where `other`.`x` = 'a`b'"
	if got := rewriteView(def, objs); got != want {
		t.Errorf("rewriteView:\n got %s\nwant %s", got, want)
	}
}
