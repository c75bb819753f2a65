// Package web is godwit's console: a small single-page application (plain HTML, CSS and
// hand-written JavaScript, no framework, no CDN: everything is embedded in the binary with
// go:embed and works offline). It renders everything from the native REST API (/api/v1) with
// the browser's own credentials, so it has exactly the caller's rights: the api package
// authenticates the console's pages like any native route, the console asks /api/v1/me for
// the caller's role and shows no action to a readonly caller, and the API refuses a
// readonly caller's writes anyway.
//
// Routes (mounted by api.Config.Console): GET / (the page) and GET /console/<asset>.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the console.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/console/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		if r.URL.Path == "/" {
			http.ServeFileFS(w, r, sub, "index.html")
			return
		}
		files.ServeHTTP(w, r)
	})
}
