//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package changestore

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive, non-blocking advisory lock on f; the kernel drops it when the
// process dies, so a crashed writer never leaves the store locked.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
