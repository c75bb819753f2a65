// Package server wires godwit together: the secret box, the metadata store, the engine, the
// service and the HTTP API. cmd/godwit and the demo use it; tests use it to run a real server
// in-process.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/godwit/godwit/api"
	_ "github.com/godwit/godwit/endpoint/kafka"    // registers KAFKA sinks
	_ "github.com/godwit/godwit/endpoint/mysql"    // registers MySQL-family data sources
	_ "github.com/godwit/godwit/endpoint/postgres" // registers PostgreSQL data sources
	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/meta/sqlite"
	"github.com/godwit/godwit/metrics"
	"github.com/godwit/godwit/secret"
	"github.com/godwit/godwit/service"
	"github.com/godwit/godwit/web"
)

// Config configures a server.
type Config struct {
	DataDir string // holds godwit.db and secret.key; created if missing
	Listen  string // informational; the caller serves Handler()
	Users   []api.User
	Tokens  []api.Token
	// AccessKeys are the DRS AK/SK pairs the Huawei Cloud SDK signs requests with.
	AccessKeys []api.AccessKey
	// Alarms configures the sync-delay alarm evaluator (webhook, default threshold, hold
	// time); it runs every Alarms.Interval once Start is called.
	Alarms service.AlarmConfig
	// History configures the metric history sampler (interval, retention); it runs once
	// Start is called.
	History service.HistoryConfig
	Log     *slog.Logger
	// MaxBodyBytes limits request bodies (0 = the api default).
	MaxBodyBytes int64
	// Version is the binary's version, reported by /api/v1/health; "" means "dev" (what the
	// binary logs when its version is unset).
	Version string
	// NodeID names this server as the owner of the project leases it takes (engine.Options
	// NodeID); "" = the id stored in <DataDir>/node.id (created at random on first start), so
	// a server restarted after a crash re-acquires its own leases at once instead of waiting
	// for them to expire. Servers sharing a metadata store need different ids.
	NodeID string
	// TxnPartBytes bounds how much of one source transaction change capture holds in memory
	// (endpoint.Options.TxnPartBytes; 0 = endpoint.DefaultTxnPartBytes).
	TxnPartBytes int
}

// Server is an assembled godwit. Close it to release everything.
type Server struct {
	store   *sqlite.Store
	eng     *engine.Engine
	svc     *service.Service
	handler http.Handler
	log     *slog.Logger

	stopAlarms context.CancelFunc
	alarmsDone chan struct{}
}

// Open assembles a server over cfg.DataDir. It does not start running projects: call Start.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir: %w", err)
	}
	secret.CheckDir(cfg.DataDir, log)
	box, err := secret.LoadOrCreateKey(cfg.DataDir, log)
	if err != nil {
		return nil, err
	}
	store, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "godwit.db"), box, log)
	if err != nil {
		return nil, err
	}
	node := cfg.NodeID
	if node == "" {
		if node, err = loadNodeID(cfg.DataDir); err != nil {
			store.Close()
			return nil, err
		}
	}
	eng := engine.New(store, log, engine.Options{DataDir: cfg.DataDir, NodeID: node, TxnPartBytes: cfg.TxnPartBytes})
	svc := service.New(store, eng, log)
	svc.SetAlarms(service.NewAlarms(cfg.Alarms, log))
	svc.SetHistory(cfg.History)
	version := cfg.Version
	if version == "" {
		version = "dev"
	}
	mx := metrics.New(svc, metrics.Options{Log: log})
	h := api.New(svc, api.Config{Users: cfg.Users, Tokens: cfg.Tokens, AccessKeys: cfg.AccessKeys,
		MaxBodyBytes: cfg.MaxBodyBytes, Version: version, Metrics: mx.Handler(), Observe: mx.ObserveRequest,
		Console: web.Handler()}, log)
	return &Server{store: store, eng: eng, svc: svc, handler: h, log: log}, nil
}

// Start resumes projects that were running when godwit last stopped and starts the alarm
// evaluator and the metric history sampler.
func (s *Server) Start(ctx context.Context) error {
	if err := s.eng.Start(ctx); err != nil {
		return err
	}
	if s.stopAlarms == nil {
		if err := s.svc.LoadAlarms(ctx); err != nil {
			return err
		}
		actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		s.stopAlarms, s.alarmsDone = cancel, make(chan struct{})
		histDone := make(chan struct{})
		go func() {
			defer close(histDone)
			s.svc.RunHistory(actx)
		}()
		go func() {
			defer close(s.alarmsDone)
			s.svc.RunAlarms(actx)
			<-histDone
		}()
	}
	return nil
}

// Handler is the HTTP API (all wire shapes).
func (s *Server) Handler() http.Handler { return s.handler }

// Service is the internal API.
func (s *Server) Service() service.API { return s.svc }

// Close stops the engine (running projects stay RUNNING and resume on the next Start) and
// closes the store.
func (s *Server) Close() error {
	if s.stopAlarms != nil {
		s.stopAlarms()
		<-s.alarmsDone
	}
	s.eng.Close()
	s.svc.Close()
	return s.store.Close()
}

// loadNodeID returns the node id stored in dir/node.id, creating it (random, 0600) if absent.
func loadNodeID(dir string) (string, error) {
	path := filepath.Join(dir, "node.id")
	if b, err := os.ReadFile(path); err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading the node id: %w", err)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("creating the node id: %w", err)
	}
	id := "node-" + hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(id+"\n"), secret.PrivateFileMode); err != nil {
		return "", fmt.Errorf("writing the node id: %w", err)
	}
	return id, nil
}
