package changestore

import (
	"fmt"

	"github.com/godwit/godwit/errs"
)

const adviceCorrupt = "The local change store is damaged. Remove the change store directory and restart " +
	"the incremental sync from a fresh position (or rerun the project's full copy)."

// corrupt is damage found in the stored data.
func corrupt(path, what string) *errs.Error {
	return errs.New(errs.KindInternal, errs.CodeIncrStore,
		fmt.Sprintf("change store file %s is corrupt: %s", path, what), adviceCorrupt).With("path", path)
}

// ioError is a failure of the file system under the store (full disk, permissions, I/O error).
func ioError(op, path string, err error) *errs.Error {
	return errs.New(errs.KindUnavailable, errs.CodeIncrStore,
		fmt.Sprintf("change store: cannot %s %s", op, path),
		"Check free space, permissions and health of the disk holding the change store directory.").
		With("path", path).Wrap(err)
}

// gone is a read from a position whose transactions were already trimmed.
func gone(dir string, want, oldest uint64) *errs.Error {
	return errs.New(errs.KindState, errs.CodeIncrStore,
		fmt.Sprintf("change store %s no longer holds change %d (the oldest kept is %d)", dir, want, oldest),
		"The changes were removed by retention before they were applied. Raise storeLogKeptHour, then "+
			"restart the incremental sync from a fresh position (or rerun the project's full copy).").
		With("path", dir)
}

// closedError is any use of a closed Store.
func closedError(dir string) *errs.Error {
	return errs.New(errs.KindState, errs.CodeIncrStore, fmt.Sprintf("change store %s is closed", dir),
		"Open the change store again.").With("path", dir)
}
