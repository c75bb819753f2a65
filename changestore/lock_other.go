//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package changestore

import "os"

// lockFile is a no-op where flock is unavailable: one process per store is then up to the caller.
func lockFile(*os.File) error { return nil }
