package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/godwit/godwit/client"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise the module
// version from the build info is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// app holds the global flags and the process streams every command writes to.
type app struct {
	server   string
	user     string
	password string
	token    string
	output   string

	stdin          io.Reader
	stdout, stderr io.Writer
}

// exitError carries an exit status for errors that were already reported to the user.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run executes the CLI with args and returns the process exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "error:", err)
	return 1
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "godwit",
		Short:         "Online database migration and synchronization",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if a.output != "table" && a.output != "json" {
				return fmt.Errorf("-o must be table or json, not %q", a.output)
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.server, "server", envOr("GODWIT_SERVER", "http://127.0.0.1:8089"), "godwit server URL (env GODWIT_SERVER)")
	pf.StringVar(&a.user, "user", envOr("GODWIT_USER", ""), "user name for HTTP Basic auth (env GODWIT_USER)")
	pf.StringVar(&a.password, "password", "", "password for HTTP Basic auth (env GODWIT_PASSWORD; prefer the env variable)")
	pf.StringVar(&a.token, "token", "", "bearer token (env GODWIT_TOKEN; wins over --user)")
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table or json (the raw API JSON)")
	root.AddCommand(a.serveCmd(), a.datasourceCmd(), a.projectCmd(), a.demoCmd(), a.versionCmd())
	root.AddCommand(a.verifyCmd())
	return root
}

// client builds an API client from the global flags, falling back to the environment for
// secrets (read here, not as flag defaults, so --help never prints them).
func (a *app) client() *client.Client {
	pw := a.password
	if pw == "" {
		pw = os.Getenv("GODWIT_PASSWORD")
	}
	tok := a.token
	if tok == "" {
		tok = os.Getenv("GODWIT_TOKEN")
	}
	return client.New(a.server, client.Auth{User: a.user, Password: pw, Token: tok})
}

func (a *app) json() bool { return a.output == "json" }

// printRaw writes raw API JSON, indented, followed by a newline.
func (a *app) printRaw(raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	buf.WriteByte('\n')
	_, err := a.stdout.Write(buf.Bytes())
	return err
}

// table writes a header and rows aligned in columns.
func (a *app) table(header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		for i := range r {
			if r[i] == "" {
				r[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the godwit version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(a.stdout, "godwit", versionString())
			return err
		},
	}
}
