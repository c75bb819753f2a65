package demo

import (
	"context"
	"fmt"

	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
)

// seed creates database shop on m with sampledb and returns the number of rows written.
func seed(ctx context.Context, m *testenv.MariaDB, scale float64) (int64, error) {
	db, err := m.DB("")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	sum, err := sampledb.Create(ctx, db, "shop", sampledb.Options{Scale: scale})
	if err != nil {
		return 0, fmt.Errorf("demo: seed shop: %w", err)
	}
	return sum.Rows, nil
}
