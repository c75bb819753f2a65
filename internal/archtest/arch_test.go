package archtest

import (
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rule says which packages of this module the packages it covers may import. Imports from
// outside the module (the standard library, wire and CLI libraries) are not restricted.
type rule struct {
	name string
	// covers reports whether the rule applies to the package at module-relative dir.
	covers func(dir string) bool
	// allowed reports whether a covered package may import module package p (module-relative).
	allowed func(p string) bool
	// blankOK reports whether p may be imported for its side effects only (import _ "…"):
	// registering a driver is wiring, not use.
	blankOK func(p string) bool
}

func under(dir, root string) bool { return dir == root || strings.HasPrefix(dir, root+"/") }

func oneOf(roots ...string) func(string) bool {
	return func(p string) bool {
		for _, r := range roots {
			if under(p, r) {
				return true
			}
		}
		return false
	}
}

func none(string) bool { return false }

// rules are the dependency rules of the adapters and the CLI.
var rules = []rule{
	{
		// The API adapters depend on the service, the model, errs and their own wire
		// helpers (api/shape, api/internal/httpx) only; never on the metadata store, the
		// engine, the verifier, an endpoint or the steps.
		name:    "api adapters",
		covers:  oneOf("api"),
		allowed: oneOf("service", "model", "errs", "api"),
		blankOK: none,
	},
	{
		// The CLI goes through the client (server commands) or the service (standalone
		// verification); `godwit serve` wires the server (server, api for its user types,
		// secret for the credentials file) and `godwit make-demo` drives a server through
		// demo. Endpoint drivers may be registered, never called.
		name:    "cli",
		covers:  oneOf("cmd"),
		allowed: oneOf("client", "service", "model", "errs", "server", "api", "secret", "demo"),
		blankOK: oneOf("endpoint"),
	},
}

// moduleRoot returns the repository root and the module path from go.mod.
func moduleRoot(t *testing.T) (string, string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(l), "module "); ok {
			return root, strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod has no module line")
	return "", ""
}

// imp is one non-test import of a package: the module-relative path and whether it is a
// blank import.
type imp struct {
	path  string
	blank bool
	file  string
}

// moduleImports lists the imports of module packages by the non-test files of dir that the
// default build context compiles. ok is false when dir holds no such file.
func moduleImports(t *testing.T, dir, module string) ([]imp, bool) {
	t.Helper()
	bp, err := build.Default.ImportDir(dir, build.ImportComment)
	if err != nil {
		if _, none := err.(*build.NoGoError); none {
			return nil, false
		}
		t.Fatalf("%s: %v", dir, err)
	}
	var out []imp
	fset := token.NewFileSet()
	for _, name := range append(append([]string{}, bp.GoFiles...), bp.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range f.Imports {
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			rel, ok := strings.CutPrefix(p, module+"/")
			if !ok {
				continue
			}
			out = append(out, imp{path: rel, blank: is.Name != nil && is.Name.Name == "_", file: name})
		}
	}
	return out, true
}

// TestDependencyRules fails when a package covered by a rule imports a module package the
// rule does not allow. Every directory under a covered root is checked, so a new adapter
// package is covered as soon as it exists.
func TestDependencyRules(t *testing.T) {
	root, module := moduleRoot(t)
	checked := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if base := d.Name(); rel != "." && (strings.HasPrefix(base, ".") || base == "testdata") {
			return filepath.SkipDir
		}
		for _, r := range rules {
			if !r.covers(rel) {
				continue
			}
			imps, ok := moduleImports(t, path, module)
			if !ok {
				continue
			}
			checked[r.name]++
			for _, im := range imps {
				if r.allowed(im.path) || (im.blank && r.blankOK(im.path)) {
					continue
				}
				t.Errorf("%s/%s imports %s/%s (rule %q)", rel, im.file, module, im.path, r.name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if checked[r.name] == 0 {
			t.Errorf("rule %q covers no package: the layout changed, update the rule", r.name)
		}
	}
}
