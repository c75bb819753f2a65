package oms

import (
	"strings"

	"github.com/godwit/godwit/errs"
)

// Page-size limits (oms-v2.md §3).
const (
	defaultPageSize     = 10
	maxProjectPageSize  = 150
	maxDataSourcePageSz = 1000 // ODC validates 1..10; we accept more
	// maxPageNumber keeps (pageNumber-1)*pageSize far from integer overflow in the store.
	maxPageNumber = 1_000_000
)

// pageRequest is the paging part of a list request.
type pageRequest struct {
	PageNumber *int   `json:"pageNumber"`
	PageSize   *int   `json:"pageSize"`
	SortField  string `json:"sortField"`
	Order      string `json:"order"`
}

// resolve validates the paging fields: 1 ≤ pageNumber ≤ 1,000,000 (default 1), 1 ≤ pageSize ≤ max
// (default 10; 0 means the default), sortField gmtCreate|gmtModified (default gmtCreate),
// order asc|descend (default descend; "desc" is tolerated).
func (p pageRequest) resolve(max int) (number, size int, sortField string, asc bool, e *errs.Error) {
	number, size = 1, defaultPageSize
	if p.PageNumber != nil && *p.PageNumber != 0 {
		if *p.PageNumber < 1 || *p.PageNumber > maxPageNumber {
			return 0, 0, "", false, errs.Invalid("pageNumber must be between 1 and %d, got %d", maxPageNumber, *p.PageNumber)
		}
		number = *p.PageNumber
	}
	if p.PageSize != nil && *p.PageSize != 0 {
		if *p.PageSize < 1 || *p.PageSize > max {
			return 0, 0, "", false, errs.Invalid("pageSize must be between 1 and %d, got %d", max, *p.PageSize)
		}
		size = *p.PageSize
	}
	switch strings.ToLower(p.SortField) {
	case "", "gmtcreate":
		sortField = "gmtCreate"
	case "gmtmodified":
		sortField = "gmtModified"
	default:
		return 0, 0, "", false, errs.Invalid("sortField must be gmtCreate or gmtModified, got %q", p.SortField)
	}
	switch strings.ToLower(p.Order) {
	case "", "descend", "desc":
	case "asc", "ascend":
		asc = true
	default:
		return 0, 0, "", false, errs.Invalid("order must be asc or descend, got %q", p.Order)
	}
	return number, size, sortField, asc, nil
}
