// Package chunk plans the full copy's chunks: Planner.PlanChunks splits a table into
// half-open key ranges (Lower, Upper] that hold every row exactly once (rows inserted after
// planning included), by arithmetic on a dense integer key, by sampling keys with index
// dives and the optimizer's estimates, or by walking the key index; KeyRangeWhere and
// IndexHint render the predicate and index hint that read one chunk back, and NormalizeKey
// puts key values read from the server into the Go types bounds use. It only reads (never
// writes) and is safe for concurrent use. It depends on packages change, errs, schema,
// myerr and sqlval only.
package chunk
