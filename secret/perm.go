package secret

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// Files that hold secrets or sealed data (the key file, the metadata database and its
// -wal/-shm files, the generated credentials) are created 0600, and the data directory 0700
// when godwit creates it. Files found with looser modes are tightened; a data directory found
// with looser modes is only warned about (it may be shared on purpose, and the files in it
// are private anyway).

// PrivateFileMode is the mode of every file godwit keeps secrets or metadata in.
const PrivateFileMode fs.FileMode = 0o600

// RestrictFile makes an existing file private to its owner: if any group or other permission
// bit is set it is chmod-ed to PrivateFileMode and a warning is logged (names the path and
// the old mode, never the content). A missing file is not an error; a chmod that fails is.
func RestrictFile(path string, log *slog.Logger) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("secret: stat %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, PrivateFileMode); err != nil {
		return fmt.Errorf("secret: %s is readable by group or others (mode %s) and cannot be restricted: %w", path, st.Mode().Perm(), err)
	}
	if log != nil {
		log.Warn("file was readable by group or others; restricted it to its owner",
			"path", path, "old_mode", st.Mode().Perm().String(), "mode", PrivateFileMode.String())
	}
	return nil
}

// CheckDir logs a warning when the existing directory dir is accessible by group or others.
func CheckDir(dir string, log *slog.Logger) {
	st, err := os.Stat(dir)
	if err != nil || log == nil || st.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn("data directory is accessible by group or others; godwit's files in it are 0600, but consider chmod 700",
		"path", dir, "mode", st.Mode().Perm().String())
}
