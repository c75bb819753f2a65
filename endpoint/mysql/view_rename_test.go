package mysql

import (
	"strings"
	"testing"
)

func TestRenameViewRefs(t *testing.T) {
	renames := map[string][2]string{"shop.orders": {"shop2", "orders_v2"}}
	dbs := map[string]string{"shop": "shop2"}
	table := func(db, name string) (string, string, bool) {
		r, ok := renames[strings.ToLower(db+"."+name)]
		return r[0], r[1], ok
	}
	database := func(db string) (string, bool) { r, ok := dbs[strings.ToLower(db)]; return r, ok }
	def := "select `shop`.`orders`.`id` AS `id`,`c`.`name` AS `n` from (`shop`.`orders` join `shop`.`customers` `c`) where `other`.`x` = 'a`b'"
	want := "select `shop2`.`orders_v2`.`id` AS `id`,`c`.`name` AS `n` from (`shop2`.`orders_v2` join `shop2`.`customers` `c`) where `other`.`x` = 'a`b'"
	if got := (&Endpoint{}).RenameViewRefs(def, table, database); got != want {
		t.Errorf("RenameViewRefs:\n got %s\nwant %s", got, want)
	}
}
