package steps

import (
	"fmt"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
)

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// need asserts that ep implements capability T, else returns a clear unsupported error.
func need[T any](ep endpoint.Endpoint, side, what string) (T, error) {
	c, ok := ep.(T)
	if !ok {
		var zero T
		return zero, errs.New(errs.KindUnsupported, errs.CodeStepNotSupported,
			fmt.Sprintf("the %s data source cannot %s", side, what),
			"Choose a data source type that supports this step, or disable the step.")
	}
	return c, nil
}
