package drs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// newSigned builds a request signed the way the SDK signs (canonical request over the
// signed headers, SHA-256 body hash, HMAC-SHA256 with sk).
func newSigned(method, target, body, ak, sk string, at time.Time) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	date := at.UTC().Format(dateLayout)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	r.Header.Set("X-Project-Id", "p1")
	r.Header.Set("X-Sdk-Date", date)
	signedH := []string{"user-agent", "x-project-id", "x-sdk-date"}
	sig := Sign(CanonicalRequest(r, signedH, []byte(body)), date, sk)
	r.Header.Set("Authorization", Algorithm+" Access="+ak+", SignedHeaders="+strings.Join(signedH, ";")+", Signature="+sig)
	return r
}

func TestVerifySignature(t *testing.T) {
	now := time.Date(2025, 1, 6, 2, 15, 0, 0, time.UTC)
	keys := func(ak string) (string, bool) { return "the-secret", ak == "AK1" }
	body := `{"job":{"action_name":"precheck"}}`
	target := "/v5/p1/jobs/x%20y/action?b=2&a=1&a=0"
	r := newSigned("POST", target, body, "AK1", "the-secret", now)
	if ak, err := VerifySignature(r, []byte(body), now.Add(time.Minute), keys); err != nil || ak != "AK1" {
		t.Fatalf("valid signature: %q %v", ak, err)
	}
	cases := []struct {
		name string
		mut  func(r *http.Request) []byte
		want error
	}{
		{"body changed", func(*http.Request) []byte { return []byte(`{"job":{"action_name":"start"}}`) }, ErrBadSignature},
		{"query changed", func(r *http.Request) []byte { r.URL.RawQuery = "a=1"; return []byte(body) }, ErrBadSignature},
		{"path changed", func(r *http.Request) []byte { r.URL.Path = "/v5/p2/jobs/x y/action"; return []byte(body) }, ErrBadSignature},
		{"header changed", func(r *http.Request) []byte { r.Header.Set("X-Project-Id", "p2"); return []byte(body) }, ErrBadSignature},
		{"unknown key", func(r *http.Request) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AK1", "AK2", 1))
			return []byte(body)
		}, ErrBadSignature}, // unknown keys and wrong signatures are told apart by no one
		{"body hash header that lies", func(r *http.Request) []byte {
			sum := sha256.Sum256([]byte(body)) // the hash the signature covers, sent for another body
			r.Header.Set("X-Sdk-Content-Sha256", hex.EncodeToString(sum[:]))
			return []byte(`{"job":{"action_name":"delete"}}`)
		}, ErrBadSignature},
		{"stale date", func(r *http.Request) []byte {
			r.Header.Set("X-Sdk-Date", now.Add(-time.Hour).Format(dateLayout))
			return []byte(body)
		}, ErrBadDate},
		{"other algorithm", func(r *http.Request) []byte {
			r.Header.Set("Authorization", "SDK-HMAC-SM3 Access=AK1, SignedHeaders=x-sdk-date, Signature=00")
			return []byte(body)
		}, ErrNotSigned},
		{"date not signed", func(r *http.Request) []byte {
			r.Header.Set("Authorization", Algorithm+" Access=AK1, SignedHeaders=user-agent, Signature=00")
			return []byte(body)
		}, ErrMalformed},
		{"garbage", func(r *http.Request) []byte { r.Header.Set("Authorization", Algorithm+" nonsense"); return nil }, ErrMalformed},
	}
	for _, c := range cases {
		r := newSigned("POST", target, body, "AK1", "the-secret", now)
		b := c.mut(r)
		if _, err := VerifySignature(r, b, now, keys); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

// TestSignatureCoversTheBody: X-Sdk-Content-Sha256 is honoured only when it is the body's
// real hash; UNSIGNED-PAYLOAD (which the SDK sends for non-JSON uploads) is refused even when
// correctly signed, since it would leave the body unauthenticated.
func TestSignatureCoversTheBody(t *testing.T) {
	now := time.Date(2025, 1, 6, 2, 15, 0, 0, time.UTC)
	keys := func(ak string) (string, bool) { return "the-secret", ak == "AK1" }
	body := `{"job":{"action_name":"precheck"}}`
	sum := sha256.Sum256([]byte(body))
	for _, c := range []struct {
		hash string
		ok   bool
	}{{hex.EncodeToString(sum[:]), true}, {strings.ToUpper(hex.EncodeToString(sum[:])), true}, {"UNSIGNED-PAYLOAD", false},
		{strings.Repeat("0", 64), false}} {
		r := httptest.NewRequest("POST", "/v5/p1/jobs/j/action", strings.NewReader(body))
		date := now.Format(dateLayout)
		r.Header.Set("X-Sdk-Date", date)
		r.Header.Set("X-Sdk-Content-Sha256", c.hash)
		signedH := []string{"x-sdk-content-sha256", "x-sdk-date"}
		sig := Sign(CanonicalRequest(r, signedH, []byte(body)), date, "the-secret")
		r.Header.Set("Authorization", Algorithm+" Access=AK1, SignedHeaders="+strings.Join(signedH, ";")+", Signature="+sig)
		_, err := VerifySignature(r, []byte(body), now, keys)
		if (err == nil) != c.ok {
			t.Errorf("X-Sdk-Content-Sha256 %s: err = %v, want ok=%v", c.hash, err, c.ok)
		}
	}
}

func TestCanonicalRequestShape(t *testing.T) {
	r := httptest.NewRequest("GET", "/v5/p1/jobs?limit=10&job_type=migration", nil)
	r.Header.Set("X-Sdk-Date", "20250106T021500Z")
	got := CanonicalRequest(r, []string{"x-sdk-date"}, nil)
	want := "GET\n/v5/p1/jobs/\njob_type=migration&limit=10\nx-sdk-date:20250106T021500Z\n\nx-sdk-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got != want {
		t.Fatalf("canonical request:\n%q\nwant\n%q", got, want)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date;host, Signature=abc")
	f.Add("SDK-HMAC-SHA256 ,,,=")
	f.Add("Basic YTpi")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err == nil && (a.Access == "" || a.Signature == "" || len(a.SignedHeaders) == 0) {
			t.Fatalf("accepted an incomplete header %q: %+v", h, a)
		}
	})
}

func FuzzDecodeCreateJob(f *testing.F) {
	f.Add([]byte(`{"job":{"base_info":{"name":"abcd","expired_days":14},"source_endpoint":[{"db_type":"mysql","endpoint":{"ip":"h","db_port":3306,"db_user":"u"}}]}}`))
	f.Add([]byte(`{"job":{"base_info":{"expired_days":"x"}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req struct {
			Job *CreateJobReq `json:"job"`
		}
		if err := DecodeBody(body, &req); err != nil {
			return
		}
		if req.Job != nil {
			_, _, _ = req.Job.validate() // must not panic on any decoded shape
		}
	})
}
