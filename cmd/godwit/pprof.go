package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
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
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			log.Warn("pprof listener stopped", "addr", addr, "err", err)
		}
	}()
	log.Info("pprof listening", "addr", addr)
}
