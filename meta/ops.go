package meta

import (
	"context"
	"time"
)

// OpsStore persists API-surface state that is not part of a project's own record: labels,
// OMS modify records, submitted prechecks, DRS jobs, alarm rules. Every object is a JSON
// document of a Kind, keyed by (Kind, ID). Embedded in Store.
//
// Contracts: GetObject of an unknown (kind, id) returns *errs.Error with KindNotFound;
// PutObject with an empty ID inserts a new object and sets o.ID to a decimal sequence number
// unique across all kinds (OMS modify records use it as their long id); PutObject with an ID
// inserts or replaces. Objects are not deleted with their project: the service does that.
type OpsStore interface {
	PutObject(ctx context.Context, o *Object) error
	GetObject(ctx context.Context, kind, id string) (*Object, error)
	ListObjects(ctx context.Context, f ObjectFilter) ([]Object, int64, error)
	DeleteObject(ctx context.Context, kind, id string) error
}

// Object kinds.
const (
	KindLabel        = "label"
	KindModifyRecord = "modify_record"
	KindPrecheck     = "precheck"
	KindDRSJob       = "drs_job"
	KindAlarmRule    = "alarm_rule"
)

// Object is one stored API-surface document. Doc is JSON owned by whoever wrote it and never
// holds a password.
type Object struct {
	Kind        string
	ID          string
	ProjectID   string // "" when the object belongs to no project
	Name        string // searchable name ("" when none)
	Doc         []byte
	GmtCreate   time.Time
	GmtModified time.Time
}

// ObjectFilter selects objects of one kind, oldest first; zero values match everything.
type ObjectFilter struct {
	Kind       string // required
	ProjectID  string
	Name       string // exact match
	Page, Size int    // 1-based page; Size 0 = all
}
