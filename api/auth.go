package api

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/godwit/godwit/api/drs"
	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
)

// Roles.
const (
	RoleAdmin    = httpx.RoleAdmin    // every action
	RoleReadonly = httpx.RoleReadonly // reading only (GET; OMS List*/Describe*/Get*)
)

// User is an HTTP Basic account.
type User struct {
	Name     string
	Password string
	Role     string // admin | readonly; anything else is treated as readonly
}

// Token is a bearer token: native API (Authorization: Bearer) and DRS (X-Auth-Token).
type Token struct {
	Token string
	Role  string
}

// AccessKey is a DRS access key pair: requests signed with SK (SDK-HMAC-SHA256) by the
// Huawei Cloud SDK authenticate as AK.
type AccessKey struct {
	AK   string
	SK   string
	Role string
}

type credential struct {
	name   string
	secret [sha256.Size]byte // SHA-256 of name:password or of the token
	role   string
}

// authenticator checks credentials in constant time with respect to the configured secrets:
// every candidate is compared (no early exit) and comparisons run on fixed-length digests.
type authenticator struct {
	users  []credential
	tokens []credential
	keys   map[string]AccessKey
	now    func() time.Time
	log    *slog.Logger
}

func newAuthenticator(cfg Config, log *slog.Logger) *authenticator {
	a := &authenticator{keys: map[string]AccessKey{}, now: cfg.Now, log: log}
	for i, k := range cfg.AccessKeys {
		if k.AK == "" || k.SK == "" {
			log.Warn("ignoring DRS access key without AK or SK", "index", i)
			continue
		}
		k.Role = role(k.Role, "ak:"+k.AK, log)
		a.keys[k.AK] = k
	}
	for _, u := range cfg.Users {
		if u.Name == "" || u.Password == "" {
			log.Warn("ignoring API user without a name or password", "user", u.Name)
			continue
		}
		a.users = append(a.users, credential{name: u.Name, secret: sha256.Sum256([]byte(u.Name + ":" + u.Password)), role: role(u.Role, u.Name, log)})
	}
	for i, t := range cfg.Tokens {
		if t.Token == "" {
			log.Warn("ignoring empty API token", "index", i)
			continue
		}
		a.tokens = append(a.tokens, credential{name: "token", secret: sha256.Sum256([]byte(t.Token)), role: role(t.Role, "token", log)})
	}
	return a
}

func role(r, who string, log *slog.Logger) string {
	switch strings.ToLower(r) {
	case RoleAdmin:
		return RoleAdmin
	case RoleReadonly:
		return RoleReadonly
	}
	log.Warn("unknown API role; treating it as readonly", "who", who, "role", r)
	return RoleReadonly
}

// authenticate returns the caller of r. Bearer tokens are honoured only when allowBearer.
func (a *authenticator) authenticate(r *http.Request, allowBearer bool) (httpx.Principal, *errs.Error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return httpx.Principal{}, unauthorized("authentication required: send HTTP Basic credentials")
	}
	scheme, rest, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		user, pass, ok := r.BasicAuth()
		if !ok {
			return httpx.Principal{}, unauthorized("malformed HTTP Basic credentials")
		}
		if c := match(a.users, sha256.Sum256([]byte(user+":"+pass))); c != nil {
			return httpx.Principal{Name: c.name, Role: c.role}, nil
		}
	case strings.EqualFold(scheme, "Bearer") && allowBearer:
		if c := match(a.tokens, sha256.Sum256([]byte(strings.TrimSpace(rest)))); c != nil {
			return httpx.Principal{Name: c.name, Role: c.role}, nil
		}
	default:
		return httpx.Principal{}, unauthorized("unsupported authorization scheme " + scheme)
	}
	return httpx.Principal{}, unauthorized("wrong user name, password or token")
}

// authenticateDRS authenticates a DRS request: an SDK-HMAC-SHA256 signature by a configured
// access key, an X-Auth-Token token, or HTTP Basic. A signature is checked in two phases (see
// package drs): what does not need the body first, so that a request refused there never has
// its body read; then the body is read (within the size limit, and put back for the handler)
// and the signature over it verified. An unknown access key and a wrong signature get the
// same answer (status, code, message), after the same work.
func (a *authenticator) authenticateDRS(r *http.Request) (httpx.Principal, *errs.Error) {
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		if c := match(a.tokens, sha256.Sum256([]byte(strings.TrimSpace(tok)))); c != nil {
			return httpx.Principal{Name: c.name, Role: c.role}, nil
		}
		return httpx.Principal{}, drsUnauthorized("the X-Auth-Token is not valid")
	}
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, drs.Algorithm+" ") {
		if h == "" {
			return httpx.Principal{}, drsUnauthorized("authentication required: sign the request with an access key (SDK-HMAC-SHA256) or send X-Auth-Token")
		}
		return a.authenticate(r, false)
	}
	signed, err := drs.CheckSigned(r, a.now(), func(ak string) (string, bool) {
		k, ok := a.keys[ak]
		return k.SK, ok
	})
	if err != nil {
		return httpx.Principal{}, drsUnauthorized(err.Error())
	}
	var body []byte
	if r.Body != nil {
		b, e := httpx.ReadBody(r)
		if e != nil {
			return httpx.Principal{}, e
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	ak, err := signed.Verify(r, body)
	if err != nil {
		a.log.Info("DRS signature refused", "request_id", httpx.RequestID(r.Context()),
			"access_key", truncate(signed.Access(), 64), "known_key", signed.KnownKey())
		return httpx.Principal{}, drsUnauthorized(err.Error())
	}
	return httpx.Principal{Name: "ak:" + ak, Role: a.keys[ak].Role}, nil
}

func drsUnauthorized(msg string) *errs.Error {
	return errs.New(errs.KindUnauthorized, errs.CodeUnauthorized, msg,
		"Configure the access key (AK/SK) in the godwit server config, or send a configured token as X-Auth-Token.")
}

// match compares digest with every candidate and returns the matching one, if any.
func match(cands []credential, digest [sha256.Size]byte) *credential {
	var found *credential
	for i := range cands {
		if subtle.ConstantTimeCompare(cands[i].secret[:], digest[:]) == 1 && found == nil {
			found = &cands[i]
		}
	}
	return found
}

func unauthorized(msg string) *errs.Error {
	return errs.New(errs.KindUnauthorized, errs.CodeUnauthorized, msg,
		"Send valid credentials: HTTP Basic user:password (or, on /api/v1, Authorization: Bearer <token>).")
}

func forbidden(what string) *errs.Error {
	return errs.New(errs.KindForbidden, errs.CodeForbidden,
		"the readonly role may not call "+what, "Use an account with the admin role.")
}
