package steps

import "testing"

func TestRewriteView(t *testing.T) {
	objs := &Objects{
		DBRename:    map[string]string{"shop": "shop2"},
		TableRename: map[string][2]string{"shop.orders": {"shop2", "orders_v2"}},
	}
	def := "select `shop`.`orders`.`id` AS `id`,`c`.`name` AS `n` from (`shop`.`orders` join `shop`.`customers` `c`) where `other`.`x` = 'a`b'"
	want := "select `shop2`.`orders_v2`.`id` AS `id`,`c`.`name` AS `n` from (`shop2`.`orders_v2` join `shop2`.`customers` `c`) where `other`.`x` = 'a`b'"
	if got := rewriteView(def, objs); got != want {
		t.Errorf("rewriteView:\n got %s\nwant %s", got, want)
	}
}
