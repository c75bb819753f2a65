package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// userSpec and tokenSpec are the principals `godwit serve` accepts (config file shape).
type userSpec struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"` // admin | readonly
}

type tokenSpec struct {
	Token string `json:"token"`
	Role  string `json:"role"`
}

// serveConfig is the --config file: JSON {"users":[…],"tokens":[…]}.
type serveConfig struct {
	Users  []userSpec  `json:"users"`
	Tokens []tokenSpec `json:"tokens"`
}

func validRole(r string) bool { return r == "admin" || r == "readonly" }

// loadServeConfig reads and validates a config file. Unknown fields are rejected so a typo
// does not silently drop a user.
func loadServeConfig(path string) (*serveConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var c serveConfig
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	for i, u := range c.Users {
		if u.Role == "" {
			c.Users[i].Role = "admin"
		}
		if u.Name == "" || u.Password == "" || !validRole(c.Users[i].Role) {
			return nil, fmt.Errorf("config %s: user %d needs a name, a password and role admin or readonly", path, i+1)
		}
	}
	for i, t := range c.Tokens {
		if t.Role == "" {
			c.Tokens[i].Role = "readonly"
		}
		if len(t.Token) < 16 || !validRole(c.Tokens[i].Role) {
			return nil, fmt.Errorf("config %s: token %d needs at least 16 characters and role admin or readonly", path, i+1)
		}
	}
	if len(c.Users) == 0 && len(c.Tokens) == 0 {
		return nil, fmt.Errorf("config %s defines no users and no tokens", path)
	}
	return &c, nil
}

// credentialsFile is where a generated admin password is kept, relative to the data dir.
const credentialsFile = "credentials"

type storedCredentials struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// resolvePrincipals decides who may use the server, in this order: the config file (if
// configPath is set); else GODWIT_USER/GODWIT_PASSWORD (env) as one admin; else the admin
// password stored in <dataDir>/credentials, generated on first start and announced once on
// notice. There is never a built-in default password.
func resolvePrincipals(configPath, dataDir string, env func(string) string, notice io.Writer) ([]userSpec, []tokenSpec, error) {
	if configPath != "" {
		c, err := loadServeConfig(configPath)
		if err != nil {
			return nil, nil, err
		}
		return c.Users, c.Tokens, nil
	}
	user, pw := env("GODWIT_USER"), env("GODWIT_PASSWORD")
	switch {
	case user != "" && pw != "":
		return []userSpec{{Name: user, Password: pw, Role: "admin"}}, nil, nil
	case user != "" || pw != "":
		return nil, nil, errors.New("set both GODWIT_USER and GODWIT_PASSWORD, or neither")
	}
	sc, created, path, err := loadOrCreateCredentials(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if created {
		fmt.Fprintf(notice, "admin password generated: %s (user %q, stored in %s)\n", sc.Password, sc.User, path)
	}
	return []userSpec{{Name: sc.User, Password: sc.Password, Role: "admin"}}, nil, nil
}

// loadOrCreateCredentials reads <dataDir>/credentials or creates it (mode 0600, exclusive
// create) with user admin and a random 32-character password.
func loadOrCreateCredentials(dataDir string) (storedCredentials, bool, string, error) {
	path := filepath.Join(dataDir, credentialsFile)
	var sc storedCredentials
	b, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(b, &sc); err != nil || sc.User == "" || sc.Password == "" {
			return sc, false, path, fmt.Errorf("%s is damaged; delete it to generate a new admin password", path)
		}
		return sc, false, path, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return sc, false, path, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return sc, false, path, err
	}
	sc = storedCredentials{User: "admin", Password: randomSecret(24)}
	out, _ := json.Marshal(sc)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return sc, false, path, fmt.Errorf("store generated credentials: %w", err)
	}
	if _, err := f.Write(append(out, '\n')); err != nil {
		f.Close()
		return sc, false, path, err
	}
	return sc, true, path, f.Close()
}

// randomSecret returns n random bytes, base64url encoded without padding.
func randomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
