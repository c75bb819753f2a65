package service

// VerifyAPI is the verification part of the service contract (runs, results, diffs,
// corrections). Owned by the verification work; embedded in API.
type VerifyAPI interface{}
