package meta

// VerifyStore persists verification runs, results and row differences. Embedded in Store.
type VerifyStore interface{}
