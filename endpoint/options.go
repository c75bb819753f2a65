package endpoint

import "github.com/godwit/godwit/model"

// OptionCheck validates a data source's Options for its type, before any server is
// contacted: an unknown key or value is an *errs.Error PARAM_ERROR naming the field. The
// service calls CheckOptions when a data source is created, so a setting an endpoint
// cannot honour is refused up front rather than ignored.
type OptionCheck func(ds model.DataSource) error

var optionChecks = map[model.DataSourceType]OptionCheck{}

// RegisterOptionCheck binds an option validator to data-source types; called from endpoint
// packages' init.
func RegisterOptionCheck(f OptionCheck, types ...model.DataSourceType) {
	mu.Lock()
	defer mu.Unlock()
	for _, t := range types {
		optionChecks[t] = f
	}
}

// CheckOptions validates ds.Options with the check registered for ds.Type (nil when none is).
func CheckOptions(ds model.DataSource) error {
	mu.RLock()
	f := optionChecks[ds.Type]
	mu.RUnlock()
	if f == nil {
		return nil
	}
	return f(ds)
}
