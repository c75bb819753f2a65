package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/godwit/godwit/demo"
)

func (a *app) demoCmd() *cobra.Command {
	var o demo.Options
	var level string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Migrate a seeded MariaDB database to another one, end to end, with live progress",
		Long: "Starts two throwaway MariaDB servers, seeds database shop on the first (≥ 200k rows of\n" +
			"every common type at scale 1), starts godwit in-process with a generated admin password,\n" +
			"creates a MIGRATION project (schema + full copy + verification) through the API, shows its\n" +
			"progress and a summary. Then a SYNC project applies live writes to shop.orders on the source\n" +
			"(--incr long; 0 skips it), showing godwit's delay and apply rate every second, and checks the\n" +
			"table is identical on both sides. Then it keeps serving until Ctrl-C, which stops and removes everything.\n" +
			"With --exit or DEMO_EXIT=1 it exits after the summary: status 0 only if the project finished\n" +
			"and verification was CONSISTENT.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(a.stderr, level)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			o.Open, o.Out, o.Log = openDemoBackend, a.stdout, log
			o.Exit = o.Exit || os.Getenv("DEMO_EXIT") == "1"
			_, err = demo.Run(ctx, o)
			if errors.Is(err, demo.ErrNotOK) {
				a.stderr.Write([]byte("error: " + err.Error() + "\n"))
				return &exitError{code: 1}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "", "API address (default: a free port on 127.0.0.1)")
	f.Float64Var(&o.Scale, "scale", 1, "sample data scale (1 ≈ 200k rows)")
	f.BoolVar(&o.Exit, "exit", false, "exit after the summary (also DEMO_EXIT=1)")
	f.BoolVar(&o.Plain, "plain", false, "print progress lines instead of bars")
	f.DurationVar(&o.Incr, "incr", 5*time.Second, "how long to write to the source during the incremental phase (0 skips it)")
	f.StringVar(&level, "log-level", "warn", "godwit server log level (stderr)")
	return cmd
}
