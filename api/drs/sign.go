package drs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Signature verification of Huawei Cloud SDK requests (algorithm SDK-HMAC-SHA256, as the
// official SDKs sign with AK/SK credentials; drs-v5.md §1):
//
//	CanonicalRequest = METHOD \n URI \n Query \n Headers \n SignedHeaders \n hex(SHA-256(body))
//	StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA-256(CanonicalRequest))
//	Signature        = hex(HMAC-SHA256(SK, StringToSign))
//
// URI is the path with every segment percent-escaped (unreserved A-Z a-z 0-9 _ - ~ .) and a
// trailing "/"; Query is the escaped k=v pairs sorted by key, then value, joined by "&";
// Headers is "name:trimmed value\n" for each signed header (lower-case names, in
// SignedHeaders order); the body hash is X-Sdk-Content-Sha256 when present (which godwit
// then requires to be the body's real hash, so that the signature always covers the body).
//
// Verification runs in two phases so that an unauthenticated body is never buffered when the
// request can be refused without it: CheckSigned (algorithm, syntax, signed x-sdk-date within
// the skew, access key looked up) before the body is read, Verify (canonical request over the
// body, HMAC) after. An unknown access key and a wrong signature fail alike — in Verify, with
// ErrBadSignature, after an HMAC with a dummy key — so keys cannot be enumerated by status,
// message or timing.

// Algorithm is the only signing algorithm godwit accepts.
const Algorithm = "SDK-HMAC-SHA256"

// MaxClockSkew is how far X-Sdk-Date may be from the server clock.
const MaxClockSkew = 15 * time.Minute

const dateLayout = "20060102T150405Z"

// Errors of VerifySignature (their text is safe to show).
var (
	ErrNotSigned    = errors.New("the request is not signed with " + Algorithm)
	ErrMalformed    = errors.New("malformed Authorization header: want SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…")
	ErrBadDate      = errors.New("X-Sdk-Date is missing, malformed or too far from the server clock")
	ErrBadSignature = errors.New("the access key is unknown or the request signature does not match")
)

// dummySecret stands in for the secret of an unknown access key (see CheckSigned).
const dummySecret = "godwit-unknown-access-key-0000000000000000"

// SignedAuth is a parsed Authorization header.
type SignedAuth struct {
	Access        string
	SignedHeaders []string
	Signature     string
}

// ParseAuthorization parses an SDK-HMAC-SHA256 Authorization header.
func ParseAuthorization(h string) (SignedAuth, error) {
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || alg != Algorithm {
		return SignedAuth{}, ErrNotSigned
	}
	var a SignedAuth
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return SignedAuth{}, ErrMalformed
		}
		switch k {
		case "Access":
			a.Access = v
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	if a.Access == "" || a.Signature == "" || len(a.SignedHeaders) == 0 || len(a.SignedHeaders) > 64 {
		return SignedAuth{}, ErrMalformed
	}
	return a, nil
}

// Signed is a request whose signature passed the checks that do not need its body.
type Signed struct {
	auth  SignedAuth
	date  string
	sk    string // the access key's secret, or dummySecret when the key is unknown
	known bool
}

// CheckSigned runs the body-independent checks of r's signature: the algorithm and syntax of
// the Authorization header (ErrNotSigned, ErrMalformed), x-sdk-date among the signed headers
// (ErrMalformed), X-Sdk-Date within MaxClockSkew of now (ErrBadDate). It looks the access key
// up with secretOf, but an unknown key is reported only by Verify, exactly as a wrong
// signature.
func CheckSigned(r *http.Request, now time.Time, secretOf func(ak string) (string, bool)) (*Signed, error) {
	a, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	signedDate := false
	for _, h := range a.SignedHeaders {
		signedDate = signedDate || h == "x-sdk-date"
	}
	if !signedDate {
		return nil, ErrMalformed
	}
	date := r.Header.Get("X-Sdk-Date")
	t, err := time.Parse(dateLayout, date)
	if err != nil || t.Sub(now).Abs() > MaxClockSkew {
		return nil, ErrBadDate
	}
	s := &Signed{auth: a, date: date, sk: dummySecret}
	if sk, ok := secretOf(a.Access); ok && sk != "" {
		s.sk, s.known = sk, true
	}
	return s, nil
}

// Access is the access key the request names (verified only once Verify succeeded).
func (s *Signed) Access() string { return s.auth.Access }

// KnownKey reports whether the access key is configured; for the server's own log only —
// never tell the client.
func (s *Signed) KnownKey() bool { return s.known }

// Verify checks the signature over r whose body is body, and returns the access key. It
// fails with ErrBadSignature when the key is unknown, the signature does not match, or
// X-Sdk-Content-Sha256 is sent and is not the hex SHA-256 of body (e.g. UNSIGNED-PAYLOAD:
// every DRS body is JSON, which the SDK always signs).
func (s *Signed) Verify(r *http.Request, body []byte) (string, error) {
	sum := sha256.Sum256(body)
	bodyOK := true
	if h := r.Header.Get("X-Sdk-Content-Sha256"); h != "" {
		bodyOK = hmac.Equal([]byte(strings.ToLower(h)), []byte(hex.EncodeToString(sum[:])))
	}
	want := Sign(CanonicalRequest(r, s.auth.SignedHeaders, body), s.date, s.sk)
	sigOK := hmac.Equal([]byte(want), []byte(strings.ToLower(s.auth.Signature)))
	if !s.known || !sigOK || !bodyOK {
		return "", ErrBadSignature
	}
	return s.auth.Access, nil
}

// VerifySignature is CheckSigned and Verify for a request whose body is already read.
func VerifySignature(r *http.Request, body []byte, now time.Time, secretOf func(ak string) (string, bool)) (string, error) {
	s, err := CheckSigned(r, now, secretOf)
	if err != nil {
		return "", err
	}
	return s.Verify(r, body)
}

// Sign returns the hex signature of a canonical request.
func Sign(canonical, date, sk string) string {
	sum := sha256.Sum256([]byte(canonical))
	sts := Algorithm + "\n" + date + "\n" + hex.EncodeToString(sum[:])
	m := hmac.New(sha256.New, []byte(sk))
	m.Write([]byte(sts))
	return hex.EncodeToString(m.Sum(nil))
}

// CanonicalRequest builds the canonical request of r for the given signed headers.
func CanonicalRequest(r *http.Request, signed []string, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	segs := strings.Split(r.URL.Path, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	b.WriteString(uri)
	b.WriteByte('\n')
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, escape(k)+"="+escape(v))
		}
	}
	b.WriteString(strings.Join(pairs, "&"))
	b.WriteByte('\n')
	for _, h := range signed {
		var vals []string
		if h == "host" {
			vals = []string{r.Host}
		} else {
			vals = append(vals, r.Header.Values(h)...)
		}
		sort.Strings(vals)
		for _, v := range vals {
			b.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	if h := r.Header.Get("X-Sdk-Content-Sha256"); h != "" {
		b.WriteString(h)
	} else {
		sum := sha256.Sum256(body)
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.'
}

func escape(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}
