package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/godwit/godwit/client/watch"
)

func (a *app) projectWatchCmd() *cobra.Command {
	var interval time.Duration
	var plain bool
	cmd := &cobra.Command{
		Use:   "watch ID",
		Short: "Show live progress until the project finishes, fails, stops or incremental sync catches up",
		Long: "Polls the project and shows one progress bar per step plus one per table during FULL_TRANSFER.\n" +
			"Exits 0 when the project finishes, is suspended or INCR_TRANSFER is MONITORING; exits 1 and\n" +
			"prints the step's error code, message and advice when it fails.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := watch.Watch(cmd.Context(), a.client(), args[0], watch.Options{
				Interval: interval, Out: a.stdout, Plain: plain || !watch.IsTerminal(a.stdout),
			})
			if err != nil {
				return err
			}
			if st := res.Failed(); st != nil || res.Reason == "FAILED" {
				msg := "project " + res.Project.ID + " FAILED"
				if st != nil {
					msg = watch.FailureText(st)
				}
				fmt.Fprintln(a.stderr, "error:", msg)
				return &exitError{code: 1}
			}
			if a.json() {
				return a.printRaw(res.Project.Raw)
			}
			_, err = fmt.Fprintf(a.stdout, "project %s: %s\n", res.Project.ID, res.Reason)
			return err
		},
	}
	cmd.Flags().DurationVar(&interval, "interval", 300*time.Millisecond, "poll interval")
	cmd.Flags().BoolVar(&plain, "plain", false, "print progress lines instead of bars (automatic when stdout is not a terminal)")
	return cmd
}
