package endpoint

import "github.com/godwit/godwit/model"

// Creation-time checks an endpoint package contributes for its own data-source types, so
// that a setting the endpoint cannot honour is refused when the data source or project is
// created (PARAM_ERROR naming the field), not when a step runs. Endpoint packages register
// them in init; the service calls CheckDataSource and CheckProject.

// DataSourceCheck validates a data source of the registered type before it is stored. It
// returns an *errs.Error (KindInvalid, naming the field) or nil.
type DataSourceCheck func(ds model.DataSource) error

// ProjectCheck validates a project whose source (sink false) or sink (sink true) is of the
// registered type. It returns an *errs.Error (KindInvalid, naming the field) or nil.
type ProjectCheck func(p *model.Project, sink bool) error

var (
	dsChecks      = map[model.DataSourceType]DataSourceCheck{}
	projectChecks = map[model.DataSourceType]ProjectCheck{}
)

// RegisterDataSourceCheck binds a data-source check to types. Called from init.
func RegisterDataSourceCheck(f DataSourceCheck, types ...model.DataSourceType) {
	mu.Lock()
	defer mu.Unlock()
	for _, t := range types {
		dsChecks[t] = f
	}
}

// RegisterProjectCheck binds a project check to types. Called from init.
func RegisterProjectCheck(f ProjectCheck, types ...model.DataSourceType) {
	mu.Lock()
	defer mu.Unlock()
	for _, t := range types {
		projectChecks[t] = f
	}
}

// CheckDataSource runs the check registered for ds.Type (nil when none is).
func CheckDataSource(ds model.DataSource) error {
	mu.RLock()
	f := dsChecks[ds.Type]
	mu.RUnlock()
	if f == nil {
		return nil
	}
	return f(ds)
}

// CheckProject runs the checks registered for the project's source type (sink false) and
// sink type (sink true); it returns the first refusal.
func CheckProject(p *model.Project, src, dst model.DataSourceType) error {
	mu.RLock()
	fs, fd := projectChecks[src], projectChecks[dst]
	mu.RUnlock()
	if fs != nil {
		if err := fs(p, false); err != nil {
			return err
		}
	}
	if fd != nil {
		return fd(p, true)
	}
	return nil
}

// UserOptional reports whether a data source of type t may have no user name (a check is
// registered that takes the credentials from elsewhere, as Kafka's SASL options).
func UserOptional(t model.DataSourceType) bool {
	return t == model.TypeKafka
}
