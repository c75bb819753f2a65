package errs

import (
	"context"
	"time"
)

// RetryUnavailable runs fn until it succeeds, fails with something other than
// KindUnavailable, or ctx ends (then it returns ctx's error); waits grow from 200 ms to 5 s
// between attempts. warn, when not nil, is called with the failure on the first attempt and
// every tenth after it.
func RetryUnavailable(ctx context.Context, warn func(err error), fn func() error) error {
	wait := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || ctx.Err() != nil {
			if ctx.Err() != nil && err != nil {
				return ctx.Err()
			}
			return err
		}
		if As(err).Kind != KindUnavailable {
			return err
		}
		if warn != nil && (attempt == 0 || attempt%10 == 0) {
			warn(err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(wait*2, 5*time.Second)
	}
}
