package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/godwit/godwit/client"
)

func (a *app) projectCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "project", Aliases: []string{"p"}, Short: "Manage migration and sync projects"}
	cmd.AddCommand(a.projectCreateCmd(), a.projectListCmd(), a.projectShowCmd(), a.projectStepsCmd(),
		a.projectProgressCmd(), a.projectLogsCmd(), a.projectPrecheckCmd(), a.projectWatchCmd(), a.projectSwitchoverCmd())
	type action func(*client.Client, context.Context, string) (*client.Project, error)
	for _, x := range []struct {
		name, short string
		do          action
	}{
		{"start", "Start a project (INIT → RUNNING)", (*client.Client).StartProject},
		{"stop", "Stop a running project (→ SUSPEND)", (*client.Client).StopProject},
		{"resume", "Resume a suspended or failed project", (*client.Client).ResumeProject},
		{"release", "Release a project (→ RELEASED)", (*client.Client).ReleaseProject},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   x.name + " ID",
			Short: x.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				p, err := x.do(a.client(), cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if a.json() {
					return a.printRaw(p.Raw)
				}
				_, err = fmt.Fprintf(a.stdout, "%s %s\n", p.ID, p.Status)
				return err
			},
		})
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "delete ID",
		Short: "Delete a project (INIT or RELEASED)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.client().DeleteProject(cmd.Context(), args[0])
		},
	})
	return cmd
}

func (a *app) projectCreateCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "create -f FILE",
		Short: "Create a project from a JSON body (the OMS CreateProject shape); -f - reads stdin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var body []byte
			var err error
			if file == "-" {
				body, err = io.ReadAll(a.stdin)
			} else {
				body, err = os.ReadFile(file)
			}
			if err != nil {
				return fmt.Errorf("read project body: %w", err)
			}
			if !json.Valid(body) {
				return fmt.Errorf("%s is not valid JSON", file)
			}
			p, err := a.client().CreateProject(cmd.Context(), json.RawMessage(body))
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(p.Raw)
			}
			_, err = fmt.Fprintln(a.stdout, p.ID)
			return err
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "JSON file with the project body, - for stdin (required)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func (a *app) projectListCmd() *cobra.Command {
	var q client.ProjectQuery
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List projects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.client().ListProjects(cmd.Context(), q)
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(l.Raw)
			}
			rows := make([][]string, 0, len(l.Items))
			for _, p := range l.Items {
				rows = append(rows, []string{p.ID, p.Name, p.Type, p.Status, p.ExtraInfo.RunningStep,
					p.SourceEndpointID, p.SinkEndpointID, p.GmtCreate.String()})
			}
			return a.table([]string{"ID", "NAME", "TYPE", "STATUS", "RUNNING STEP", "SOURCE", "SINK", "CREATED"}, rows)
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Search, "search", "", "name substring")
	f.StringSliceVar(&q.Status, "status", nil, "only these statuses (repeatable or comma separated)")
	f.IntVar(&q.Page, "page", 0, "page number (1-based)")
	f.IntVar(&q.Size, "size", 0, "page size")
	return cmd
}

func (a *app) projectShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a project",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.client().GetProject(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(p.Raw)
			}
			rows := [][]string{
				{"ID", p.ID}, {"Name", p.Name}, {"Type", p.Type}, {"Status", p.Status},
				{"Source", p.SourceEndpointID + " (" + p.SourceEndpointType + ")"},
				{"Sink", p.SinkEndpointID + " (" + p.SinkEndpointType + ")"},
				{"Steps enabled", enabledSteps(p)},
				{"Running step", p.ExtraInfo.RunningStep},
				{"Running progress", strconv.Itoa(p.ExtraInfo.RunningProgress) + "%"},
				{"Created", p.GmtCreate.String()}, {"Started", p.GmtStart.String()}, {"Finished", p.GmtFinish.String()},
			}
			if p.ExtraInfo.SyncDelay != nil {
				rows = append(rows, []string{"Sync delay", strconv.FormatInt(*p.ExtraInfo.SyncDelay, 10) + "s"})
			}
			if err := a.table([]string{"FIELD", "VALUE"}, rows); err != nil {
				return err
			}
			if len(p.Steps) > 0 {
				fmt.Fprintln(a.stdout)
				return a.stepsTable(p.Steps)
			}
			return nil
		},
	}
}

func enabledSteps(p *client.Project) string {
	s := ""
	for _, x := range []struct {
		on   bool
		name string
	}{{p.EnableStructTransfer, "struct"}, {p.EnableFullTransfer, "full"}, {p.EnableIncrTransfer, "incr"},
		{p.EnableFullVerify, "verify"}, {p.EnableIncrVerify, "incr-verify"}, {p.EnableReverseIncrTransfer, "reverse"}} {
		if x.on {
			if s != "" {
				s += ","
			}
			s += x.name
		}
	}
	return s
}

func (a *app) projectStepsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "steps ID",
		Short: "Show a project's steps",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.client().Steps(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(l.Raw)
			}
			if err := a.stepsTable(l.Items); err != nil {
				return err
			}
			a.printIncr(cmd.Context(), args[0], l.Items)
			return nil
		},
	}
}

// stepsTable prints order, name, status, progress, times, processed/capacity and error.
func (a *app) stepsTable(steps []client.Step) error {
	rows := make([][]string, 0, len(steps))
	for _, s := range steps {
		counts := ""
		if si := s.StepInfo; si != nil && si.ProcessedRecords != nil {
			counts = strconv.FormatInt(*si.ProcessedRecords, 10)
			if si.Capacity != nil {
				counts += "/" + strconv.FormatInt(*si.Capacity, 10)
			}
		}
		errText := ""
		if code, msg, _ := s.StepError(); code != "" || msg != "" {
			errText = code + ": " + msg
		} else if si := s.StepInfo; si != nil && si.VerifyResult != "" {
			errText = si.VerifyResult
		}
		rows = append(rows, []string{strconv.Itoa(s.Order), s.Name, s.Status, strconv.Itoa(s.Progress) + "%",
			s.StartTime.String(), s.FinishTime.String(), counts, errText})
	}
	return a.table([]string{"ORDER", "NAME", "STATUS", "PROGRESS", "START", "FINISH", "PROCESSED/CAPACITY", "ERROR/RESULT"}, rows)
}

func (a *app) projectProgressCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "progress ID",
		Short: "Show a project's progress summary",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.client().Progress(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(p.Raw)
			}
			opt := func(v *int64) string {
				if v == nil {
					return ""
				}
				return strconv.FormatInt(*v, 10)
			}
			return a.table([]string{"FIELD", "VALUE"}, [][]string{
				{"Project", p.ProjectID}, {"Status", p.Status}, {"Current step", p.CurrentStep},
				{"Struct transfer", strconv.Itoa(p.StructTransferProgress) + "%"},
				{"Full transfer", strconv.Itoa(p.FullTransferProgress) + "%"},
				{"Incr checkpoint", opt(p.IncrSyncCheckpoint)},
				{"Reverse checkpoint", opt(p.ReverseIncrTransferCheckpoint)},
			})
		},
	}
}

func (a *app) projectLogsCmd() *cobra.Command {
	var q client.LogQuery
	cmd := &cobra.Command{
		Use:   "logs ID",
		Short: "Show a project's event log",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.client().Logs(cmd.Context(), args[0], q)
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(l.Raw)
			}
			rows := make([][]string, 0, len(l.Items))
			for _, e := range l.Items {
				rows = append(rows, []string{e.Time.String(), e.Level, e.Step, e.Message})
			}
			return a.table([]string{"TIME", "LEVEL", "STEP", "MESSAGE"}, rows)
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Level, "level", "", "only INFO, WARN or ERROR")
	f.IntVar(&q.Page, "page", 0, "page number (1-based)")
	f.IntVar(&q.Size, "size", 0, "page size")
	return cmd
}

func (a *app) projectPrecheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "precheck ID",
		Short: "Show a project's precheck results",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.client().Precheck(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(l.Raw)
			}
			rows := make([][]string, 0, len(l.Items))
			for _, c := range l.Items {
				rows = append(rows, []string{c.Name, c.EndpointType, c.Status, strconv.FormatBool(c.Skippable), c.Message, c.Advice})
			}
			return a.table([]string{"NAME", "SIDE", "STATUS", "SKIPPABLE", "MESSAGE", "ADVICE"}, rows)
		},
	}
}
