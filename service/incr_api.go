package service

// IncrAPI is the incremental-sync part of the service contract. Embedded in API.
type IncrAPI interface{}
