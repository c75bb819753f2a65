package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestGeneratedPasswordIsStoredAndAnnouncedOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var notice bytes.Buffer
	users, tokens, err := resolvePrincipals("", dir, envMap(nil), &notice)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || len(tokens) != 0 || users[0].Name != "admin" || users[0].Role != "admin" || len(users[0].Password) < 24 {
		t.Fatalf("users = %+v", users)
	}
	path := filepath.Join(dir, credentialsFile)
	want := "admin password generated: " + users[0].Password + ` (user "admin", stored in ` + path + ")\n"
	if notice.String() != want {
		t.Fatalf("notice = %q, want %q", notice.String(), want)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", st, err)
	}
	notice.Reset()
	again, _, err := resolvePrincipals("", dir, envMap(nil), &notice)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Password != users[0].Password || notice.Len() != 0 {
		t.Fatalf("second start: %+v, notice %q", again, notice.String())
	}
	// A different data dir gets a different password: there is no built-in default.
	other, _, err := resolvePrincipals("", t.TempDir(), envMap(nil), &notice)
	if err != nil || other[0].Password == users[0].Password {
		t.Fatalf("other = %+v, %v", other, err)
	}
	if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := resolvePrincipals("", dir, envMap(nil), &notice); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged file accepted: %v", err)
	}
}

func TestPrincipalsFromEnv(t *testing.T) {
	dir := t.TempDir()
	var notice bytes.Buffer
	users, _, err := resolvePrincipals("", dir, envMap(map[string]string{"GODWIT_USER": "ops", "GODWIT_PASSWORD": "pw"}), &notice)
	if err != nil || len(users) != 1 || users[0] != (userSpec{Name: "ops", Password: "pw", Role: "admin"}) {
		t.Fatalf("users = %+v, %v", users, err)
	}
	if _, err := os.Stat(filepath.Join(dir, credentialsFile)); !os.IsNotExist(err) || notice.Len() != 0 {
		t.Fatalf("env credentials must not generate a file (%v) or a notice (%q)", err, notice.String())
	}
	if _, _, err := resolvePrincipals("", dir, envMap(map[string]string{"GODWIT_USER": "ops"}), &notice); err == nil {
		t.Fatal("user without password accepted")
	}
}

func TestPrincipalsFromConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := envMap(map[string]string{"GODWIT_USER": "ignored", "GODWIT_PASSWORD": "ignored"})
	users, tokens, err := resolvePrincipals(write(`{"users":[{"name":"a","password":"p"},{"name":"r","password":"q","role":"readonly"}],
		"tokens":[{"token":"0123456789abcdef0123"}]}`), dir, env, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Role != "admin" || users[1].Role != "readonly" {
		t.Fatalf("users = %+v", users)
	}
	if len(tokens) != 1 || tokens[0].Role != "readonly" {
		t.Fatalf("tokens = %+v", tokens)
	}
	for _, bad := range []string{
		`{"users":[{"name":"a","password":"p","role":"root"}]}`,
		`{"users":[{"name":"a"}]}`,
		`{"tokens":[{"token":"short"}]}`,
		`{"user":[{"name":"a","password":"p"}]}`,
		`{}`,
		`not json`,
	} {
		if _, _, err := resolvePrincipals(write(bad), dir, env, os.Stderr); err == nil {
			t.Errorf("config %s accepted", bad)
		}
	}
}
