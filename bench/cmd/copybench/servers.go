package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/testenv"
)

// serverArgs are the benchmark servers' settings, the same for every tool: a buffer pool
// that holds the dataset, a redo log that does not force constant checkpoints. The target
// has no binary log (myloader disables it for its sessions anyway; this way every tool
// writes the same way).
var (
	commonArgs = []string{"--innodb-buffer-pool-size=1G", "--innodb-log-file-size=512M", "--max-connections=500"}
	targetArgs = []string{"--skip-log-bin"}
)

// benchEnv is what `servers` writes and the other commands read (shell-sourceable).
type benchEnv struct {
	Password         string
	SrcPort, DstPort int
	SrcSock, DstSock string
}

func cmdServers(args []string) error {
	fs := flag.NewFlagSet("servers", flag.ExitOnError)
	envFile := fs.String("env", "", "file to write the servers' settings to")
	_ = fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	src, err := testenv.StartMariaDB(ctx, testenv.MariaDBOptions{ExtraArgs: commonArgs})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := testenv.StartMariaDB(ctx, testenv.MariaDBOptions{ExtraArgs: append(append([]string{}, commonArgs...), targetArgs...)})
	if err != nil {
		return err
	}
	defer dst.Close()
	body := fmt.Sprintf("PASSWORD=%s\nSRC_PORT=%d\nDST_PORT=%d\nSRC_SOCK=%s\nDST_SOCK=%s\n",
		src.Password, src.Port, dst.Port, src.Socket, dst.Socket)
	if err := os.WriteFile(*envFile, []byte(body), 0o600); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}

func readEnv(path string) (*benchEnv, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	e := &benchEnv{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch k {
		case "PASSWORD":
			e.Password = v
		case "SRC_PORT":
			e.SrcPort, _ = strconv.Atoi(v)
		case "DST_PORT":
			e.DstPort, _ = strconv.Atoi(v)
		case "SRC_SOCK":
			e.SrcSock = v
		case "DST_SOCK":
			e.DstSock = v
		}
	}
	if e.SrcPort == 0 || e.DstPort == 0 {
		return nil, fmt.Errorf("%s: no server ports", path)
	}
	return e, nil
}

// open connects to 127.0.0.1:port as root with UTC and utf8mb4.
func open(port int, password string) (*sql.DB, error) {
	c := gomysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr = "root", password, "tcp", "127.0.0.1:"+strconv.Itoa(port)
	c.Loc = time.UTC
	c.Params = map[string]string{"time_zone": "'+00:00'"}
	conn, err := gomysql.NewConnector(c)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	return db, db.Ping()
}

func cmdSeed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	envFile := fs.String("env", "", "servers' settings file")
	wide := fs.Bool("wide", false, "build the wide-row database "+wideDB+" instead")
	_ = fs.Parse(args)
	e, err := readEnv(*envFile)
	if err != nil {
		return err
	}
	db, err := open(e.SrcPort, e.Password)
	if err != nil {
		return err
	}
	defer db.Close()
	t0 := time.Now()
	if *wide {
		if err := seedWide(context.Background(), db); err != nil {
			return err
		}
		fmt.Printf("seeded %s: 400 x 1 MB + 8 x 24 MB rows in %.1fs\n", wideDB, time.Since(t0).Seconds())
		return nil
	}
	if err := seed(context.Background(), db); err != nil {
		return err
	}
	fmt.Printf("seeded %s: %d x %d sbtest rows + %d awkward rows in %.1fs\n", benchDB, sbTables, sbRows, awkRows, time.Since(t0).Seconds())
	return nil
}
