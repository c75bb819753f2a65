package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/godwit/godwit/secret"
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

// accessKeySpec is a DRS AK/SK pair (Huawei Cloud SDK signatures).
type accessKeySpec struct {
	AK   string `json:"ak"`
	SK   string `json:"sk"`
	Role string `json:"role"` // admin | readonly
}

// alarmSpec configures sync-delay alarms.
type alarmSpec struct {
	DelayThresholdSeconds int64  `json:"delayThresholdSeconds"` // default for projects without their own rule (0 = none)
	HoldSeconds           int64  `json:"holdSeconds"`           // how long the delay must hold before the alarm triggers
	IntervalSeconds       int64  `json:"intervalSeconds"`       // evaluation period (default 10)
	WebhookURL            string `json:"webhookUrl"`            // HTTP POST JSON on trigger and clear
}

// serveConfig is the --config file: JSON {"users":[…],"tokens":[…],"accessKeys":[…],"alarms":{…}}.
type serveConfig struct {
	Users      []userSpec      `json:"users"`
	Tokens     []tokenSpec     `json:"tokens"`
	AccessKeys []accessKeySpec `json:"accessKeys"`
	Alarms     *alarmSpec      `json:"alarms"`
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
	for i, k := range c.AccessKeys {
		if k.Role == "" {
			c.AccessKeys[i].Role = "admin"
		}
		if k.AK == "" || len(k.SK) < 16 || !validRole(c.AccessKeys[i].Role) {
			return nil, fmt.Errorf("config %s: access key %d needs an ak, an sk of at least 16 characters and role admin or readonly", path, i+1)
		}
	}
	if a := c.Alarms; a != nil {
		if a.DelayThresholdSeconds < 0 || a.HoldSeconds < 0 || a.IntervalSeconds < 0 {
			return nil, fmt.Errorf("config %s: alarms values must not be negative", path)
		}
		if a.WebhookURL != "" && !strings.HasPrefix(a.WebhookURL, "http://") && !strings.HasPrefix(a.WebhookURL, "https://") {
			return nil, fmt.Errorf("config %s: alarms.webhookUrl must be an http:// or https:// URL", path)
		}
	}
	if len(c.Users) == 0 && len(c.Tokens) == 0 && len(c.AccessKeys) == 0 {
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
	sc, created, path, err := loadOrCreateCredentials(dataDir, slog.New(slog.NewTextHandler(notice, nil)))
	if err != nil {
		return nil, nil, err
	}
	if created {
		fmt.Fprintf(notice, "admin password generated: %s (user %q, stored in %s)\n", sc.Password, sc.User, path)
	}
	return []userSpec{{Name: sc.User, Password: sc.Password, Role: "admin"}}, nil, nil
}

// loadOrCreateCredentials reads <dataDir>/credentials or creates it (mode 0600, exclusive
// create) with user admin and a random 32-character password. An existing file that group
// or others may read is restricted to 0600 (with a warning on log).
func loadOrCreateCredentials(dataDir string, log *slog.Logger) (storedCredentials, bool, string, error) {
	path := filepath.Join(dataDir, credentialsFile)
	var sc storedCredentials
	b, err := os.ReadFile(path)
	if err == nil {
		if err := secret.RestrictFile(path, log); err != nil {
			return sc, false, path, err
		}
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
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, secret.PrivateFileMode)
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
