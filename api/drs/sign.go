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
// SignedHeaders order); the body hash is X-Sdk-Content-Sha256 when present.

// Algorithm is the only signing algorithm godwit accepts.
const Algorithm = "SDK-HMAC-SHA256"

// MaxClockSkew is how far X-Sdk-Date may be from the server clock.
const MaxClockSkew = 15 * time.Minute

const dateLayout = "20060102T150405Z"

// Errors of VerifySignature (their text is safe to show).
var (
	ErrNotSigned    = errors.New("the request is not signed with " + Algorithm)
	ErrMalformed    = errors.New("malformed Authorization header: want SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…")
	ErrUnknownKey   = errors.New("unknown access key")
	ErrBadDate      = errors.New("X-Sdk-Date is missing, malformed or too far from the server clock")
	ErrBadSignature = errors.New("the request signature does not match")
)

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

// VerifySignature checks r (whose body is body) against the secret key of its access key.
// secretOf returns the SK of an AK. It returns the access key on success.
func VerifySignature(r *http.Request, body []byte, now time.Time, secretOf func(ak string) (string, bool)) (string, error) {
	a, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	sk, ok := secretOf(a.Access)
	if !ok {
		return "", ErrUnknownKey
	}
	date := r.Header.Get("X-Sdk-Date")
	t, err := time.Parse(dateLayout, date)
	if err != nil || t.Sub(now).Abs() > MaxClockSkew {
		return "", ErrBadDate
	}
	signedDate := false
	for _, h := range a.SignedHeaders {
		signedDate = signedDate || h == "x-sdk-date"
	}
	if !signedDate {
		return "", ErrMalformed
	}
	want := Sign(CanonicalRequest(r, a.SignedHeaders, body), date, sk)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(a.Signature))) {
		return "", ErrBadSignature
	}
	return a.Access, nil
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
