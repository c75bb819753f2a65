package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultHTTPTimeouts(t *testing.T) {
	hs := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), defaultHTTPTimeouts())
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.IdleTimeout <= 0 {
		t.Fatalf("timeouts: header %v, read %v, idle %v; want all set", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.IdleTimeout)
	}
	if hs.WriteTimeout != 0 {
		t.Fatalf("WriteTimeout = %v: streaming responses would be cut", hs.WriteTimeout)
	}
}

// closedWithin reports whether the server closes c (read returns EOF or an error other than
// our own deadline) within d.
func closedWithin(t *testing.T, c net.Conn, d time.Duration) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true
}

// TestServeHTTPTimeouts runs serveHTTP with short timeouts: a client that never finishes its
// headers, one that never finishes its body, and an idle keep-alive connection are all
// disconnected, while a response that streams for longer than every timeout completes.
func TestServeHTTPTimeouts(t *testing.T) {
	to := httpTimeouts{ReadHeader: 300 * time.Millisecond, Read: 600 * time.Millisecond, Idle: 600 * time.Millisecond}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d", len(b))
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		for i := range 8 { // 8 × 200 ms: longer than every timeout
			if r.Context().Err() != nil {
				return
			}
			fmt.Fprintf(w, "line %d\n", i)
			http.NewResponseController(w).Flush()
			time.Sleep(200 * time.Millisecond)
		}
		io.WriteString(w, "done\n")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveHTTP(ctx, ln, mux, slog.New(slog.DiscardHandler), to) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveHTTP: %v", err)
		}
	})
	addr := ln.Addr().String()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	// Headers never finished.
	c := dial()
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\n")
	if !closedWithin(t, c, 5*time.Second) {
		t.Error("a connection with unfinished headers stayed open")
	}
	// Body never finished.
	c = dial()
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
	if !closedWithin(t, c, 5*time.Second) {
		t.Error("a connection with an unfinished body stayed open")
	}
	// Idle keep-alive connection after a complete exchange.
	c = dial()
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "3" {
		t.Fatalf("echo: %d %q", resp.StatusCode, b)
	}
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err == nil || time.Since(start) >= 5*time.Second {
		t.Errorf("an idle keep-alive connection stayed open (%v, %v)", time.Since(start), err)
	}
	// A long streaming response is not cut.
	r, err := http.Get("http://" + addr + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err = io.ReadAll(r.Body)
	if err != nil || !strings.HasSuffix(string(b), "done\n") {
		t.Errorf("stream: %v %q", err, b)
	}
}

// TestWarnLooseConfig: a config file readable by others is warned about (it holds secrets); a
// private one is not.
func TestWarnLooseConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "godwit.json")
	if err := os.WriteFile(path, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	warnLooseConfig(path, log)
	if !strings.Contains(buf.String(), "readable by group or others") {
		t.Fatalf("no warning for a 0644 config: %q", buf.String())
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	warnLooseConfig(path, log)
	if buf.Len() != 0 {
		t.Fatalf("warning for a 0600 config: %q", buf.String())
	}
}
