package main

// What every check shares: running one named check, assertions that stop it,
// the GitHub error it expects, requests go-github has no method for (made
// with the client's own NewRequest and Do, so that they go through the same
// transport, error handling and rate-limit bookkeeping), and the control API.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v48/github"
)

var (
	passed int
	failed int
)

// failure is what an assertion panics with; check reports its message.
type failure struct {
	message string
	at      string
}

// check runs one named check right away; a failed assertion, an error or a
// panic fails it, and the next check runs regardless.
func check(name string, body func()) {
	defer func() {
		recovered := recover()
		if recovered == nil {
			passed++
			fmt.Printf("ok   %s\n", name)
			return
		}
		failed++
		var detail string
		if f, ok := recovered.(failure); ok {
			detail = fmt.Sprintf("%s\n(%s)", f.message, f.at)
		} else {
			detail = fmt.Sprintf("panic: %v\n%s", recovered, debug.Stack())
		}
		fmt.Printf("FAIL %s\n     %s\n", name, strings.ReplaceAll(strings.TrimRight(detail, "\n"), "\n", "\n     "))
	}()
	body()
}

// fail stops the running check.
func fail(format string, args ...any) {
	panic(failure{message: fmt.Sprintf(format, args...), at: caller()})
}

// caller is the first line of the checks themselves (not of these helpers)
// on the stack, to name where an assertion failed.
func caller() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	first := ""
	for {
		frame, more := frames.Next()
		if first == "" {
			first = fmt.Sprintf("%s:%d", frame.File, frame.Line)
		}
		if !strings.HasSuffix(frame.File, "/helpers.go") && strings.HasPrefix(frame.Function, "main.") {
			return fmt.Sprintf("%s:%d", frame.File[strings.LastIndex(frame.File, "/")+1:], frame.Line)
		}
		if !more {
			return first
		}
	}
}

// earlier stops a check that builds on what an earlier, failed check should
// have made.
func earlier(made bool) {
	if !made {
		fail("not run: an earlier check it builds on failed")
	}
}

// must fails the check on an error.
func must(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func equal[T comparable](got, want T, what string) {
	if got != want {
		fail("%s: got %#v, want %#v", what, got, want)
	}
}

func deepEqual(got, want any, what string) {
	if !reflect.DeepEqual(got, want) {
		fail("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

func truth(condition bool, format string, args ...any) {
	if !condition {
		fail(format, args...)
	}
}

// show writes a value as JSON, pointers followed, for failure messages.
func show(value any) string {
	text, err := json.Marshal(value)
	if err != nil {
		return fmt.Sprintf("%#v", value)
	}
	return string(text)
}

// status checks a go-github Response's HTTP status.
func status(resp *github.Response, want int, what string) {
	truth(resp != nil && resp.Response != nil, "%s: no response", what)
	equal(resp.StatusCode, want, what+" status")
}

// wantError checks that err is go-github's *ErrorResponse with this status
// and, unless message is empty, this message; GHES's documentation_url
// points into the docs of the version the server presents.
func wantError(err error, code int, message string) *github.ErrorResponse {
	var errorResponse *github.ErrorResponse
	if !errors.As(err, &errorResponse) {
		fail("want a *github.ErrorResponse %d, got %T: %v", code, err, err)
	}
	truth(errorResponse.Response != nil, "the ErrorResponse has no Response")
	equal(errorResponse.Response.StatusCode, code, "Response.StatusCode")
	if message != "" {
		equal(errorResponse.Message, message, "ErrorResponse.Message")
	}
	truth(strings.HasPrefix(errorResponse.DocumentationURL, docsPrefix),
		"documentation_url %q does not start with %q", errorResponse.DocumentationURL, docsPrefix)
	return errorResponse
}

// wantClientError checks that err is go-github's *ErrorResponse with a 4xx
// status, where GitHub documents none in particular.
func wantClientError(err error) *github.ErrorResponse {
	var errorResponse *github.ErrorResponse
	if !errors.As(err, &errorResponse) {
		fail("want a *github.ErrorResponse 4xx, got %T: %v", err, err)
	}
	code := errorResponse.Response.StatusCode
	truth(code >= 400 && code < 500, "status %d, want 4xx", code)
	truth(errorResponse.Message != "", "no message")
	return errorResponse
}

var tokenPattern = regexp.MustCompile(`^[A-Z0-9]{29}$`)

// assertToken checks a registration or remove token as GHES hands it out:
// 29 characters, valid for one hour.
func assertToken(token *string, expiresAt *github.Timestamp) {
	truth(token != nil && tokenPattern.MatchString(*token), "token %q is not 29 characters of A-Z0-9", show(token))
	truth(expiresAt != nil, "no expires_at")
	remaining := time.Until(expiresAt.Time)
	truth(remaining > 58*time.Minute && remaining <= time.Hour+time.Second,
		"expires_at %s is %s away, want one hour", expiresAt.Time.Format(time.RFC3339), remaining)
}

// --- Requests go-github has no method for -----------------------------------

// raw sends a request through go-github's raw-request API: NewRequest
// resolves path against the client's BaseURL and encodes body as JSON; Do
// checks the status (an *ErrorResponse for 4xx/5xx) and decodes into out.
func raw(method, path string, body, out any) (*github.Response, error) {
	request, err := client.NewRequest(method, path, body)
	if err != nil {
		return nil, err
	}
	return client.Do(context.Background(), request, out)
}

// runner322 is a runner with the fields GHES added after go-github v48's
// Runner: runner_group_id (3.6), ephemeral (3.12), version (3.17).
type runner322 struct {
	github.Runner
	RunnerGroupID *int64  `json:"runner_group_id,omitempty"`
	Ephemeral     *bool   `json:"ephemeral,omitempty"`
	Version       *string `json:"version,omitempty"`
}

// labelList is the body of every label operation.
type labelList struct {
	TotalCount int                    `json:"total_count"`
	Labels     []*github.RunnerLabels `json:"labels"`
}

// labelPairs are "name/type" of labels, sorted, for comparing label sets.
func labelPairs(labels []*github.RunnerLabels) []string {
	pairs := make([]string, 0, len(labels))
	for _, label := range labels {
		pairs = append(pairs, label.GetName()+"/"+label.GetType())
	}
	sort.Strings(pairs)
	return pairs
}

func sorted(values ...string) []string {
	out := append([]string{}, values...)
	sort.Strings(out)
	return out
}

func runnerNames(runners []*github.Runner) []string {
	names := make([]string, 0, len(runners))
	for _, runner := range runners {
		names = append(names, runner.GetName())
	}
	return names
}

func groupNames(groups []*github.RunnerGroup) []string {
	names := make([]string, 0, len(groups))
	for _, group := range groups {
		names = append(names, group.GetName())
	}
	return names
}

func contains(values []string, value string) bool {
	for _, v := range values {
		if v == value {
			return true
		}
	}
	return false
}

// --- The control API ---------------------------------------------------------

// control sends a request to the mock's control API with plain net/http, as
// a test fixture would, and decodes the answer into out when it is not nil.
func control(method, path string, body any, want int, out any) {
	controlAt(mockURL, method, path, body, want, out)
}

// controlAt is control against the mock at base (http://HOST:PORT).
func controlAt(base, method, path string, body any, want int, out any) {
	var reader io.Reader
	if body != nil {
		text, err := json.Marshal(body)
		must(err, "encode the control request")
		reader = bytes.NewReader(text)
	}
	request, err := http.NewRequest(method, base+"/_mock"+path, reader)
	must(err, "control request")
	request.Header.Set("Content-Type", "application/json")
	response, err := plainHTTP.Do(request)
	must(err, method+" /_mock"+path)
	defer response.Body.Close()
	text, err := io.ReadAll(response.Body)
	must(err, "read the control answer")
	if response.StatusCode != want {
		fail("%s /_mock%s: status %d, want %d: %s", method, path, response.StatusCode, want, text)
	}
	if out != nil {
		must(json.Unmarshal(text, out), fmt.Sprintf("decode %s /_mock%s: %s", method, path, text))
	}
}

// register registers a runner with a registration token through the control
// API, as ./config.sh would; extra adds fields such as labels or runner_group.
func register(token, name string, extra map[string]any) *runner322 {
	body := map[string]any{"token": token, "name": name}
	for key, value := range extra {
		body[key] = value
	}
	runner := new(runner322)
	control("POST", "/runners", body, http.StatusCreated, runner)
	equal(runner.GetName(), name, "the registered runner's name")
	return runner
}

// tokenTransport authenticates every request with a personal access token,
// as `Authorization: token T`.
type tokenTransport struct {
	token string
	base  http.RoundTripper
}

func (t *tokenTransport) RoundTrip(request *http.Request) (*http.Response, error) {
	request = request.Clone(request.Context())
	request.Header.Set("Authorization", "token "+t.token)
	return t.base.RoundTrip(request)
}
