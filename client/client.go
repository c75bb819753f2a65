// Package client is a small Go client of godwit's native REST API (/api/v1). Every route has
// a typed method; responses keep their raw JSON (Raw fields) so callers such as the CLI's
// `-o json` can print exactly what the server sent. API errors are returned as *APIError.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Auth holds the credentials sent with every request: Token (Bearer) wins over
// User/Password (HTTP Basic). The zero value sends no credentials.
type Auth struct {
	User     string
	Password string
	Token    string
}

// Client talks to one godwit server. It is safe for concurrent use.
type Client struct {
	base string // e.g. http://127.0.0.1:8089, no trailing slash
	auth Auth
	// HTTP is the underlying HTTP client; New sets one with a 60 s timeout.
	HTTP *http.Client
}

// New returns a client for the server at baseURL (scheme://host:port, optionally with a path
// prefix in front of /api/v1).
func New(baseURL string, auth Auth) *Client {
	return &Client{
		base: strings.TrimRight(baseURL, "/"),
		auth: auth,
		HTTP: &http.Client{Timeout: 60 * time.Second},
	}
}

// BaseURL returns the server address the client was built with.
func (c *Client) BaseURL() string { return c.base }

// APIError is an error response of the native API: the HTTP status plus the body's
// {"error":{"code","message","advice"}}.
type APIError struct {
	Status    int
	Code      string
	Message   string
	Advice    string
	Params    map[string]string
	RequestID string
}

// Error renders "CODE: message (advice)"; the advice part is left out when empty.
func (e *APIError) Error() string {
	s := e.Code + ": " + e.Message
	if e.Code == "" {
		s = fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	}
	if e.Advice != "" {
		s += " (" + e.Advice + ")"
	}
	return s
}

// IsStatus reports whether err is an *APIError with the given HTTP status.
func IsStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == status
}

type errorBody struct {
	Error *struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Advice  string            `json:"advice"`
		Params  map[string]string `json:"params"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

// maxBody bounds how much of a response is read (a log page or a big list still fits).
const maxBody = 64 << 20

// Do sends one request to path (starting with /api/v1/… or /metrics) with body marshalled as
// JSON (nil: no body; []byte or json.RawMessage: sent as is) and returns the raw response body
// of a 2xx answer. Any other status becomes an *APIError.
func (c *Client) Do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		var b []byte
		switch v := body.(type) {
		case []byte:
			b = v
		case json.RawMessage:
			b = v
		default:
			var err error
			if b, err = json.Marshal(body); err != nil {
				return nil, fmt.Errorf("encode request: %w", err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case c.auth.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.auth.Token)
	case c.auth.User != "":
		req.SetBasicAuth(c.auth.User, c.auth.Password)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("read response of %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return raw, nil
	}
	return nil, decodeError(resp, raw)
}

func decodeError(resp *http.Response, raw []byte) error {
	e := &APIError{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	var b errorBody
	if json.Unmarshal(raw, &b) == nil && b.Error != nil {
		e.Code, e.Message, e.Advice, e.Params = b.Error.Code, b.Error.Message, b.Error.Advice, b.Error.Params
		if b.RequestID != "" {
			e.RequestID = b.RequestID
		}
		return e
	}
	msg := strings.TrimSpace(string(raw))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e.Message = msg
	return e
}

// call sends a request and decodes the body into out, returning the raw body too.
func (c *Client) call(ctx context.Context, method, path string, body, out any) ([]byte, error) {
	raw, err := c.Do(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return raw, fmt.Errorf("decode response of %s %s: %w", method, path, err)
		}
	}
	return raw, nil
}

func esc(id string) string { return url.PathEscape(id) }

// query renders non-empty values as a query string ("" when there are none).
func query(v url.Values) string {
	for k, vs := range v {
		kept := vs[:0]
		for _, s := range vs {
			if s != "" {
				kept = append(kept, s)
			}
		}
		if len(kept) == 0 {
			delete(v, k)
		} else {
			v[k] = kept
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
