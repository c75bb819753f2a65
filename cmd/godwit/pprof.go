package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
)

// startPprof serves net/http/pprof on GODWIT_PPROF (e.g. 127.0.0.1:6060) when it is set:
// a diagnostics listener separate from the API, off by default.
func startPprof(log *slog.Logger) {
	addr := os.Getenv("GODWIT_PPROF")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	t := defaultHTTPTimeouts() // no write timeout: profiles and traces stream for ?seconds=
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, IdleTimeout: t.Idle}
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			log.Warn("pprof listener stopped", "addr", addr, "err", err)
		}
	}()
	log.Info("pprof listening", "addr", addr)
}

// defaultMemoryLimit sets a soft Go heap limit of 200 MiB unless GOMEMLIMIT is set, so the
// garbage collector works harder before the process grows past its budget (copy batches of
// very wide rows). Memory stays bounded by configuration; this only keeps the peak low.
func defaultMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(200 << 20)
	}
}
