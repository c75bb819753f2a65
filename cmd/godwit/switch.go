package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/godwit/godwit/client"
)

// projectSwitchoverCmd is `godwit project switchover ID [--prepare|--cancel] [--no-wait]`.
func (a *app) projectSwitchoverCmd() *cobra.Command {
	var prepare, cancel, noWait bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "switchover ID",
		Short: "Switch the application over to the target (fence the source, catch up, final check, start reverse sync)",
		Long: `Asks TRANSFER_APP_SWITCH for the switchover and follows its phases until it is done or
refused (a refusal names its gate and exits non-zero; the source is un-fenced).
--prepare checks the gates and holds the switch until 'switchover ID' releases it;
--cancel drops a prepared switch. 'switchover ID --status' only prints the state.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c := a.client()
			if st, _ := cmd.Flags().GetBool("status"); st {
				s, err := c.SwitchStatus(ctx, args[0])
				if err != nil {
					return err
				}
				if a.json() {
					return a.printRaw(s.Raw)
				}
				return a.printSwitch(s.State.Phase, s)
			}
			action := "SWITCH"
			switch {
			case prepare && cancel:
				return fmt.Errorf("--prepare and --cancel exclude each other")
			case prepare:
				action = "PREPARE"
			case cancel:
				action = "CANCEL"
			}
			s, err := c.Switchover(ctx, args[0], action)
			if err != nil {
				return err
			}
			if noWait {
				if a.json() {
					return a.printRaw(s.Raw)
				}
				return a.printSwitch("requested", s)
			}
			reqID := s.Request.ID
			deadline := time.Now().Add(timeout)
			last := ""
			for {
				s, err = c.SwitchStatus(ctx, args[0])
				if err != nil {
					return err
				}
				if !s.Pending && s.State.RequestID == reqID {
					if s.State.Phase != last {
						last = s.State.Phase
						if !a.json() {
							fmt.Fprintf(a.stdout, "%s  %s\n", time.Now().Format("15:04:05.000"), last)
						}
					}
					done := s.State.Phase == "SWITCHED" || s.State.LastError != nil ||
						(action == "PREPARE" && s.State.Phase == "PREPARED") || (action == "CANCEL" && s.State.Phase == "WAITING")
					if done {
						break
					}
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("the switchover did not finish within %s (phase %s): see 'godwit project switchover %s --status'", timeout, s.State.Phase, args[0])
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(200 * time.Millisecond):
				}
			}
			if a.json() {
				if err := a.printRaw(s.Raw); err != nil {
					return err
				}
			} else if err := a.printSwitch(s.State.Phase, s); err != nil {
				return err
			}
			if e := s.State.LastError; e != nil {
				return fmt.Errorf("switchover refused at gate %s: [%s] %s (advice: %s)", e.Gate, e.Code, e.Message, e.Advice)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&prepare, "prepare", false, "check the gates and hold the switch (postpone) until released")
	cmd.Flags().BoolVar(&cancel, "cancel", false, "drop a prepared switch")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the request is recorded")
	cmd.Flags().Bool("status", false, "print the switchover state and exit")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "how long to follow the phases")
	return cmd
}

func (a *app) printSwitch(what string, s *client.SwitchStatus) error {
	st := s.State
	fmt.Fprintf(a.stdout, "switchover %s: phase %s (step %s, fence %s)\n", what, st.Phase, s.StepStatus, st.FenceMode)
	if st.Ps != "" {
		fmt.Fprintf(a.stdout, "  source fenced at %s; target position %s; downtime %d ms; %d changed keys re-verified\n",
			st.Ps, st.Pt, st.DowntimeMillis, st.KeysChecked)
	}
	if len(st.Bypass) > 0 {
		fmt.Fprintf(a.stdout, "  accounts that write through read_only: %v\n", st.Bypass)
	}
	if e := st.LastError; e != nil {
		fmt.Fprintf(a.stdout, "  last refusal: gate %s [%s] %s\n", e.Gate, e.Code, e.Message)
	}
	if r := s.Reverse; r != nil {
		fmt.Fprintf(a.stdout, "  reverse sync: %s, applied %s, delay %d ms\n", r.Phase, r.AppliedPos, r.DelayMillis)
	}
	return nil
}
