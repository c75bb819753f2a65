package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/server"
	"github.com/godwit/godwit/service"
)

func (a *app) serveCmd() *cobra.Command {
	var listen, dataDir, configPath, level string
	var partBytes int
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the godwit server (API and workers)",
		Long: "Runs the API and the project workers. Who may log in comes from --config (JSON\n" +
			`{"users":[{"name","password","role"}],"tokens":[{"token","role"}],"accessKeys":[{"ak","sk","role"}],` + "\n" +
			`"alarms":{"delayThresholdSeconds","holdSeconds","intervalSeconds","webhookUrl"}}, roles admin|readonly),` + "\n" +
			"else from GODWIT_USER/GODWIT_PASSWORD (one admin), else an admin password generated on the\n" +
			"first start, stored in <data-dir>/credentials (0600) and printed once to stderr.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(a.stderr, level)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return fmt.Errorf("data dir: %w", err)
			}
			startPprof(log)
			defaultMemoryLimit()
			warnLooseConfig(configPath, log)
			users, tokens, err := resolvePrincipals(configPath, dataDir, os.Getenv, a.stderr)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen: %w", err)
			}
			extra, err := serveExtras(configPath)
			if err != nil {
				ln.Close()
				return err
			}
			if partBytes < 0 {
				ln.Close()
				return fmt.Errorf("--txn-part-bytes: %d is negative", partBytes)
			}
			parts := func(c *server.Config) { c.TxnPartBytes = partBytes }
			srv, err := openServer(ctx, dataDir, ln.Addr().String(), users, tokens, log, extra, parts)
			if err != nil {
				ln.Close()
				return err
			}
			log.Info("godwit serving", "version", versionString(), "url", "http://"+ln.Addr().String()+"/api/v1", "dataDir", dataDir)
			serveErr := serveHTTP(ctx, ln, srv.Handler(), log, defaultHTTPTimeouts())
			log.Info("godwit shutting down")
			return errors.Join(serveErr, srv.Close())
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8089", "address to listen on")
	f.StringVar(&dataDir, "data-dir", "godwit-data", "directory for the metadata store and change logs")
	f.StringVar(&configPath, "config", "", "JSON file with users and tokens")
	f.StringVar(&level, "log-level", "info", "log level: debug, info, warn, error")
	f.IntVar(&partBytes, "txn-part-bytes", 0, "largest part of one source transaction change capture holds in memory, in bytes; larger transactions are stored and applied in parts (0: 4 MiB)")
	return cmd
}

// warnLooseConfig warns when the config file, which holds passwords, tokens and secret keys,
// is readable by group or others. The file is the operator's, so it is not changed.
func warnLooseConfig(path string, log *slog.Logger) {
	if path == "" {
		return
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("the config file holds secrets and is readable by group or others; chmod 600 it",
			"path", path, "mode", st.Mode().Perm().String())
	}
}

// serveExtras reads the access keys and alarm settings of the config file (none without one).
func serveExtras(configPath string) (func(*server.Config), error) {
	if configPath == "" {
		return func(*server.Config) {}, nil
	}
	c, err := loadServeConfig(configPath)
	if err != nil {
		return nil, err
	}
	return func(cfg *server.Config) {
		for _, k := range c.AccessKeys {
			cfg.AccessKeys = append(cfg.AccessKeys, api.AccessKey{AK: k.AK, SK: k.SK, Role: k.Role})
		}
		if a := c.Alarms; a != nil {
			cfg.Alarms = service.AlarmConfig{DefaultDelaySeconds: a.DelayThresholdSeconds, HoldFor: time.Duration(a.HoldSeconds) * time.Second,
				Interval: time.Duration(a.IntervalSeconds) * time.Second, WebhookURL: a.WebhookURL}
		}
	}, nil
}

// newLogger returns a text slog logger on w at the named level.
func newLogger(w interface{ Write([]byte) (int, error) }, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv})), nil
}

// httpTimeouts bound how long a client may hold a connection without finishing its request.
// There is deliberately no write timeout: some responses stream for as long as they need
// (verification corrections, large listings), and the CLI's `project watch` polls with short
// requests, so nothing long-polls.
type httpTimeouts struct {
	ReadHeader time.Duration // request line and headers
	Read       time.Duration // the whole request, body included (bodies are at most 1 MiB by default)
	Idle       time.Duration // a keep-alive connection between two requests
}

// defaultHTTPTimeouts are the timeouts of `godwit serve`.
func defaultHTTPTimeouts() httpTimeouts {
	return httpTimeouts{ReadHeader: 10 * time.Second, Read: time.Minute, Idle: 2 * time.Minute}
}

// newHTTPServer is the http.Server of `godwit serve` for h.
func newHTTPServer(h http.Handler, log *slog.Logger, t httpTimeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		IdleTimeout:       t.Idle,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serveHTTP serves h on ln until ctx ends, then shuts down gracefully (in-flight requests get
// 10 s). It returns the server's error, or nil after a clean shutdown.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, t httpTimeouts) error {
	hs := newHTTPServer(h, log, t)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
