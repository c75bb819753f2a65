package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

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

// Token is a bearer token for the native API.
type Token struct {
	Token string
	Role  string
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
}

func newAuthenticator(cfg Config, log *slog.Logger) *authenticator {
	a := &authenticator{}
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
