package endpoint

import (
	"context"
	"time"
)

// LogRetainer is an optional capability of a change-log source: how long the source keeps
// its change log (MySQL-family binlogs) before purging it. 0 means it is never purged
// automatically. The alarm evaluator uses it to warn before a paused project's capture
// position is purged.
type LogRetainer interface {
	LogRetention(ctx context.Context) (time.Duration, error)
}
