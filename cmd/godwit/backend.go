package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/demo"
	"github.com/godwit/godwit/server"
)

// openServer assembles a godwit server over dataDir and starts it (resuming projects that
// were RUNNING). listen is informational: the caller serves Handler().
func openServer(ctx context.Context, dataDir, listen string, users []userSpec, tokens []tokenSpec, log *slog.Logger, opts ...func(*server.Config)) (*server.Server, error) {
	cfg := server.Config{DataDir: dataDir, Listen: listen, Log: log, Version: versionString()}
	for _, o := range opts {
		o(&cfg)
	}
	for _, u := range users {
		cfg.Users = append(cfg.Users, api.User{Name: u.Name, Password: u.Password, Role: u.Role})
	}
	for _, t := range tokens {
		cfg.Tokens = append(cfg.Tokens, api.Token{Token: t.Token, Role: t.Role})
	}
	srv, err := server.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, errors.Join(err, srv.Close())
	}
	return srv, nil
}

// openDemoBackend is the demo's demo.OpenFunc.
func openDemoBackend(ctx context.Context, cfg demo.BackendConfig) (demo.Backend, error) {
	return openServer(ctx, cfg.DataDir, cfg.Listen,
		[]userSpec{{Name: cfg.AdminUser, Password: cfg.AdminPassword, Role: "admin"}}, nil, cfg.Log)
}
