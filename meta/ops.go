package meta

// OpsStore persists API-surface state: labels, alarms. Embedded in Store.
type OpsStore interface{}
