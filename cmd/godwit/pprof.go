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

// defaultMemoryLimit sets a soft Go memory limit of 96 MiB unless GOMEMLIMIT is set, so the
// garbage collector works harder before the process grows past its budget instead of letting
// garbage reach twice the live heap (GOGC=100): with capture's transaction parts (4 MiB) and
// the replayer's queue bound (8 MiB) the live heap stays far below it, and the process's RSS
// under 128 MB however large a source transaction is (e2e TestIncrHugeTxn). Memory stays
// bounded by configuration; this only keeps the peak low.
func defaultMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(96 << 20)
	}
}
