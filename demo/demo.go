// Package demo runs godwit end to end on one machine: two throwaway MariaDB servers (testenv),
// a seeded `shop` database (sampledb), an in-process godwit server, and a MIGRATION project
// (struct + full + verify) created and driven through the native API with the client, with
// live progress and a final summary. `godwit demo` is a thin wrapper around Run.
//
// The package does not import the server: the caller passes Options.Open, which assembles
// and starts one (cmd/godwit wires server.Open + Start).
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/testenv"
)

// Backend is a running in-process godwit server.
type Backend interface {
	Handler() http.Handler
	Close() error
}

// BackendConfig is what the demo asks its backend for: a data dir and one admin account.
type BackendConfig struct {
	DataDir       string
	Listen        string // the address the demo serves Handler() on (informational)
	AdminUser     string
	AdminPassword string
	Log           *slog.Logger
}

// OpenFunc assembles a godwit server and starts it (resuming nothing: the data dir is new).
type OpenFunc func(ctx context.Context, cfg BackendConfig) (Backend, error)

// Options configure Run.
type Options struct {
	// Open builds the godwit server (required).
	Open OpenFunc
	// Listen is the API address; "" picks a free port on 127.0.0.1.
	Listen string
	// Scale is the sampledb scale; 0 means 1 (≥ 200k rows).
	Scale float64
	// Exit makes Run return right after the summary (DEMO_EXIT=1); otherwise Run keeps
	// serving until ctx ends. Either way everything started is stopped and removed.
	Exit bool
	// Out receives progress and the summary; nil means os.Stdout.
	Out io.Writer
	// Plain forces progress lines instead of bars; they are used anyway when Out is not a
	// terminal.
	Plain bool
	// Log receives the godwit server's log; nil discards it.
	Log *slog.Logger
	// Interval is the progress poll interval; 0 means 300 ms.
	Interval time.Duration
	// Incr is how long the incremental phase writes to the source after the migration
	// (a SYNC project applies the writes live, with delay and rate shown each second);
	// 0 skips the phase.
	Incr time.Duration
	// Ready, if set, is called after the summary is printed while godwit still serves
	// (tests use it to query the live API).
	Ready func(*Summary)
}

// Summary is the outcome of a demo run.
type Summary struct {
	APIURL        string
	User          string
	Password      string // the generated admin password (shown to the user on purpose)
	ProjectID     string
	Status        string // final project status
	SeededRows    int64  // rows sampledb wrote
	RowsCopied    int64  // FULL_TRANSFER processedRecords
	CopyTime      time.Duration
	RowsPerSecond float64 // RowsCopied / CopyTime (from the step's start and finish times)
	TotalTime     time.Duration
	VerifyResult  string // FULL_VERIFIER verifyResult: CONSISTENT | INCONSISTENT | ""
	VerifyMessage string
	Failure       string       // the failed step's error, if any
	Incr          *IncrSummary // the incremental phase (nil when skipped)
	DataDir       string       // godwit's temp data dir (removed when Run returns)
}

// OK reports whether the migration finished and verification found the copy CONSISTENT.
func (s *Summary) OK() bool { return s.Status == "FINISHED" && s.VerifyResult == "CONSISTENT" }

// ErrNotOK is returned (wrapped) by Run when the project did not finish consistent.
var ErrNotOK = errors.New("demo: migration did not finish consistent")

// Run performs the demo. It returns the summary (also when the migration failed) and an
// error wrapping ErrNotOK when it did not finish CONSISTENT; with Exit false it then serves
// until ctx ends and returns ctx's cause only if the demo had not completed.
func Run(ctx context.Context, o Options) (sum *Summary, err error) {
	if o.Open == nil {
		return nil, errors.New("demo: Options.Open is required")
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	r := &runner{o: o, out: o.Out}
	defer func() { err = errors.Join(err, r.cleanup()) }()

	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	sum, err = r.migrate(ctx)
	if err == nil && o.Incr > 0 {
		sum.Incr, err = r.incrPhase(ctx, r.srcID, r.dstID, o.Incr)
		if err == nil && !sum.Incr.Identical {
			err = fmt.Errorf("%w: shop.orders differs after incremental sync", ErrNotOK)
		}
	}
	if sum != nil {
		r.printSummary(sum)
		if o.Ready != nil {
			o.Ready(sum)
		}
	}
	if err != nil || o.Exit {
		return sum, err
	}
	fmt.Fprintf(r.out, "\ngodwit keeps serving at %s — the console is at %s/ (user %s, password %s) — press Ctrl-C to stop and clean up.\n",
		sum.APIURL, sum.APIURL, sum.User, sum.Password)
	<-ctx.Done()
	fmt.Fprintln(r.out, "stopping godwit and the demo databases…")
	return sum, nil
}

// runner holds what a demo run started, so cleanup can stop all of it.
type runner struct {
	o        Options
	out      io.Writer
	src, dst *testenv.MariaDB
	dataDir  string
	backend  Backend
	http     *http.Server
	served   chan error
	url      string
	user, pw string
	seeded   int64
	c        *client.Client
	srcID    string // data source ids created by migrate
	dstID    string
}

func (r *runner) say(format string, a ...any) {
	fmt.Fprintf(r.out, "==> "+format+"\n", a...)
}

// setup starts the databases, seeds shop, and starts the godwit server and its HTTP listener.
func (r *runner) setup(ctx context.Context) error {
	var err error
	r.say("starting two throwaway MariaDB servers (source and target)")
	if r.src, err = testenv.StartMariaDB(ctx, testenv.MariaDBOptions{}); err != nil {
		return fmt.Errorf("demo: start source MariaDB: %w", err)
	}
	if r.dst, err = testenv.StartMariaDB(ctx, testenv.MariaDBOptions{}); err != nil {
		return fmt.Errorf("demo: start target MariaDB: %w", err)
	}
	r.say("source MariaDB on %s, target MariaDB on %s", r.src.Addr(), r.dst.Addr())

	r.say("seeding database shop on the source (scale %g)", r.o.Scale)
	start := time.Now()
	if r.seeded, err = seed(ctx, r.src, r.o.Scale); err != nil {
		return err
	}
	r.say("seeded %d rows in %s", r.seeded, time.Since(start).Round(time.Millisecond))

	if r.dataDir, err = os.MkdirTemp("", "godwit-demo-"); err != nil {
		return err
	}
	listen := r.o.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("demo: listen on %s: %w", listen, err)
	}
	r.url = "http://" + ln.Addr().String()
	r.user, r.pw = "admin", randomPassword()
	r.backend, err = r.o.Open(ctx, BackendConfig{DataDir: r.dataDir, Listen: ln.Addr().String(),
		AdminUser: r.user, AdminPassword: r.pw, Log: r.o.Log})
	if err != nil {
		ln.Close()
		return fmt.Errorf("demo: start godwit: %w", err)
	}
	r.http = &http.Server{Handler: r.backend.Handler(), ReadHeaderTimeout: 10 * time.Second}
	r.served = make(chan error, 1)
	go func() { r.served <- r.http.Serve(ln) }()
	r.c = client.New(r.url, client.Auth{User: r.user, Password: r.pw})
	r.say("godwit API at %s/api/v1 (data dir %s)", r.url, r.dataDir)
	r.say("web console: open %s/ in a browser (user %s, password %s) to watch the migration and the live incremental phase", r.url, r.user, r.pw)
	return nil
}

// cleanup stops the HTTP server, godwit and the databases, and removes the temp dirs.
func (r *runner) cleanup() error {
	var errs []error
	if r.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, r.http.Shutdown(ctx))
		cancel()
		if err := <-r.served; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if r.backend != nil {
		errs = append(errs, r.backend.Close())
	}
	for _, m := range []*testenv.MariaDB{r.src, r.dst} {
		if m != nil {
			errs = append(errs, m.Close())
		}
	}
	if r.dataDir != "" {
		errs = append(errs, os.RemoveAll(r.dataDir))
	}
	return errors.Join(errs...)
}
