package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/api/drs"
)

// watchedBody is a request body that records whether anyone read it.
type watchedBody struct {
	r    io.Reader
	read atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) { b.read.Store(true); return b.r.Read(p) }
func (b *watchedBody) Close() error               { return nil }

const drsNow = "20250106T021500Z"

// signedDRS builds a DRS request signed by ak/sk the way the SDK signs, then lets mut spoil it.
func signedDRS(method, target, body, ak, sk string, mut func(r *http.Request)) (*http.Request, *watchedBody) {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Sdk-Date", drsNow)
	signedH := []string{"content-type", "x-sdk-date"}
	sig := drs.Sign(drs.CanonicalRequest(r, signedH, []byte(body)), drsNow, sk)
	r.Header.Set("Authorization", drs.Algorithm+" Access="+ak+", SignedHeaders="+strings.Join(signedH, ";")+", Signature="+sig)
	if mut != nil {
		mut(r)
	}
	wb := &watchedBody{r: strings.NewReader(body)}
	r.Body = wb
	return r, wb
}

// TestDRSSignatureBeforeBody: requests whose signature fails a body-independent check (stale
// or missing date, date not signed, malformed header) are refused without their body being
// read; an unknown access key and a wrong signature get byte-identical answers after the same
// work (both read the body); a valid signature gets through.
func TestDRSSignatureBeforeBody(t *testing.T) {
	now, _ := time.Parse("20060102T150405Z", drsNow)
	h := api.New(newFake(), api.Config{
		AccessKeys: []api.AccessKey{{AK: "AKGOOD", SK: "sk-good-0123456789", Role: "readonly"}},
		Now:        func() time.Time { return now },
	}, slog.New(slog.DiscardHandler))
	const path, body = "/v5/p1/jobs/j1/action", `{"job":{"action_name":"precheck"}}`
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	for name, mut := range map[string]func(r *http.Request){
		"stale date": func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20250106T001500Z") },
		"no date":    func(r *http.Request) { r.Header.Del("X-Sdk-Date") },
		"date unsigned": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;x-sdk-date", "content-type", 1))
		},
		"malformed": func(r *http.Request) { r.Header.Set("Authorization", drs.Algorithm+" nonsense") },
	} {
		r, wb := signedDRS("POST", path, body, "AKGOOD", "sk-good-0123456789", mut)
		w := serve(r)
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), drs.CodeUnauthorized) {
			t.Errorf("%s: HTTP %d %s", name, w.Code, w.Body)
		}
		if wb.read.Load() {
			t.Errorf("%s: the body was read before the signature was refused", name)
		}
	}

	// Unknown key versus wrong signature (and a known key signing with the wrong secret).
	var answers []string
	for _, c := range []struct{ name, ak, sk string }{
		{"unknown key", "AKNOPE", "sk-good-0123456789"},
		{"unknown key 2", "AKGOOE", "whatever"},
		{"wrong secret", "AKGOOD", "sk-bad"},
	} {
		r, wb := signedDRS("POST", path, body, c.ak, c.sk, nil)
		w := serve(r)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d %s", c.name, w.Code, w.Body)
		}
		if !wb.read.Load() {
			t.Errorf("%s: the body was not read (an unknown key must cost what a wrong signature costs)", c.name)
		}
		answers = append(answers, w.Body.String()+"|"+strings.Join(w.Header().Values("WWW-Authenticate"), ","))
	}
	for i := 1; i < len(answers); i++ {
		if answers[i] != answers[0] {
			t.Errorf("answers differ:\n %s\n %s", answers[0], answers[i])
		}
	}
	// Body substituted under a valid signature by sending its hash in X-Sdk-Content-Sha256.
	r, _ := signedDRS("POST", path, body, "AKGOOD", "sk-good-0123456789", nil)
	sum := drs.CanonicalRequest(r, nil, []byte(body)) // last line is the body hash
	r.Header.Set("X-Sdk-Content-Sha256", sum[strings.LastIndexByte(sum, '\n')+1:])
	r.Body = io.NopCloser(strings.NewReader(`{"job":{"action_name":"delete"}}`))
	if w := serve(r); w.Code != http.StatusUnauthorized {
		t.Errorf("substituted body: HTTP %d %s", w.Code, w.Body)
	}

	// A valid signature gets through authentication (the readonly key is then refused the POST).
	r, wb := signedDRS("POST", path, body, "AKGOOD", "sk-good-0123456789", nil)
	if w := serve(r); w.Code != http.StatusForbidden || !wb.read.Load() {
		t.Errorf("valid signature: HTTP %d %s (body read %v)", w.Code, w.Body, wb.read.Load())
	}
}
