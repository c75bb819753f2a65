package native

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// documented returns the "METHOD path" operations of the OpenAPI document, read from its
// indentation (paths at 2 spaces, methods at 4) — enough for our own hand-written file.
func documented(t *testing.T) map[string]bool {
	t.Helper()
	ops := map[string]bool{}
	inPaths, path := false, ""
	sc := bufio.NewScanner(bytes.NewReader(openAPI))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case l == "paths:":
			inPaths = true
		case inPaths && len(l) > 0 && l[0] != ' ':
			inPaths = false
		case inPaths && strings.HasPrefix(l, "  /") && strings.HasSuffix(l, ":"):
			path = strings.TrimSuffix(strings.TrimSpace(l), ":")
		case inPaths && path != "" && strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "     "):
			m := strings.TrimSuffix(strings.TrimSpace(l), ":")
			switch m {
			case "get", "post", "delete", "put", "patch":
				ops[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	return ops
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	ops := documented(t)
	want := map[string]bool{"GET /api/v1/health": true, "GET /api/v1/openapi.yaml": true, "GET /metrics": true}
	for _, rt := range routes() {
		if strings.Contains(rt.path, "{action}") {
			for _, a := range []string{"start", "stop", "resume", "release"} {
				want[rt.method+" "+strings.Replace(rt.path, "{action}", a, 1)] = true
			}
			continue
		}
		want[rt.method+" "+rt.path] = true
	}
	for op := range want {
		if !ops[op] {
			t.Errorf("openapi.yaml does not document %s", op)
		}
	}
	for op := range ops {
		if !want[op] {
			t.Errorf("openapi.yaml documents %s, which is not served", op)
		}
	}
	for _, ref := range []string{"#/components/schemas/Problem", "#/components/responses/Unauthorized", "#/components/responses/TooLarge"} {
		if !bytes.Contains(openAPI, []byte(ref)) {
			t.Errorf("openapi.yaml never references %s", ref)
		}
	}
}

// TestOpenAPIRefsResolve checks that every $ref names a component that is defined.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := string(openAPI)
	for _, part := range strings.Split(doc, `$ref: "#/components/`)[1:] {
		ref := part[:strings.Index(part, `"`)]
		kind, name, _ := strings.Cut(ref, "/")
		section := "\n  " + kind + ":\n"
		i := strings.Index(doc, section)
		if i < 0 {
			t.Fatalf("no components section %s", kind)
		}
		if !strings.Contains(doc[i:], "\n    "+name+":") {
			t.Errorf("unresolved $ref #/components/%s", ref)
		}
	}
}
