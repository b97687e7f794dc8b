// Drives ghes-mock with go-github (v48, Debian's golang-github-google-go-github-dev)
// the way Go runner tooling does, against a server presenting GHES 3.22:
// go-github's own methods wherever v48 has them (runners of organizations,
// repositories and, partly, enterprises; organization runner groups), and
// its raw-request API (client.NewRequest + client.Do) for the rest:
// enterprise runner groups, runner labels, JIT configurations, the name
// filter and the runner fields v48 does not know.
//
// Input (environment):
//
//	GHES_API_URL   http://127.0.0.1:PORT/api/v3/ of a server in strict mode,
//	               started with GHES version 3.22 and seeded with enterprise
//	               octo-enterprise, its organization octo-org and the
//	               repository octo-org/octo-repo
//	GHES_MOCK_URL  http://127.0.0.1:PORT, for the control API
//	GHES_TOKEN     a token with admin:enterprise, admin:org and repo
//
// Output: one line per check, then "N passed, M failed"; exit 1 on a failure.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-github/v48/github"
)

const (
	enterprise = "octo-enterprise"
	org        = "octo-org"
	owner      = "octo-org"
	repo       = "octo-repo"
	docsPrefix = "https://docs.github.com/enterprise-server@3.22/rest"
)

var (
	apiURL    = required("GHES_API_URL")
	mockURL   = strings.TrimRight(required("GHES_MOCK_URL"), "/")
	token     = required("GHES_TOKEN")
	plainHTTP = &http.Client{Timeout: 30 * time.Second}
	client    = newClient(token)
	ctx       = context.Background()
)

func required(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fmt.Fprintf(os.Stderr, "%s is not set\n", name)
		os.Exit(2)
	}
	return value
}

// newClient is a go-github client for the server, as a GHES user builds one.
func newClient(token string) *github.Client {
	return newClientAt(apiURL, mockURL, token)
}

// newClientAt is a go-github client for the server at api (its REST base
// URL) and mock (http://HOST:PORT).
func newClientAt(api, mock, token string) *github.Client {
	httpClient := &http.Client{
		Transport: &tokenTransport{token: token, base: http.DefaultTransport},
		Timeout:   30 * time.Second,
	}
	c, err := github.NewEnterpriseClient(api, mock+"/api/uploads/", httpClient)
	if err != nil {
		fmt.Fprintf(os.Stderr, "github.NewEnterpriseClient: %v\n", err)
		os.Exit(2)
	}
	return c
}

func main() {
	meta()
	for _, s := range scopes() {
		runnerLifecycle(s)
	}
	orgRunnerGroups()
	enterpriseRunnerGroups()
	for _, s := range scopes() {
		labels(s)
	}
	for _, s := range scopes() {
		jit(s)
	}
	errorsAndRates()
	hooksAndJobs()

	fmt.Printf("go-github %s (%s)\n", github.Version, runtime.Version())
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func meta() {
	check("meta: the server presents GHES 3.22", func() {
		var body struct {
			InstalledVersion string `json:"installed_version"`
		}
		resp, err := raw("GET", "meta", nil, &body)
		must(err, "GET meta")
		equal(body.InstalledVersion, "3.22.0", "installed_version")
		equal(resp.Header.Get("X-GitHub-Enterprise-Version"), "3.22.0", "X-GitHub-Enterprise-Version")
	})
}

// --- Runners in every scope --------------------------------------------------

// scope is one place runners live in, with the go-github calls for it.
// go-github v48 has every call for organizations and repositories; for
// enterprises it has registration tokens, list, downloads and delete, and the
// rest goes through the raw-request API.
type scope struct {
	name string
	// path is the scope's API path, for raw requests.
	path              string
	registrationToken func() (*github.RegistrationToken, *github.Response, error)
	removeToken       func() (*github.RemoveToken, *github.Response, error)
	list              func(*github.ListOptions) (*github.Runners, *github.Response, error)
	get               func(int64) (*github.Runner, *github.Response, error)
	remove            func(int64) (*github.Response, error)
	downloads         func() ([]*github.RunnerApplicationDownload, *github.Response, error)
}

func scopes() []scope {
	enterprisePath := "enterprises/" + enterprise
	return []scope{
		{
			name: "enterprise",
			path: enterprisePath,
			registrationToken: func() (*github.RegistrationToken, *github.Response, error) {
				return client.Enterprise.CreateRegistrationToken(ctx, enterprise)
			},
			removeToken: func() (*github.RemoveToken, *github.Response, error) {
				token := new(github.RemoveToken)
				resp, err := raw("POST", enterprisePath+"/actions/runners/remove-token", nil, token)
				return token, resp, err
			},
			list: func(opts *github.ListOptions) (*github.Runners, *github.Response, error) {
				return client.Enterprise.ListRunners(ctx, enterprise, opts)
			},
			get: func(id int64) (*github.Runner, *github.Response, error) {
				runner := new(github.Runner)
				resp, err := raw("GET", fmt.Sprintf("%s/actions/runners/%d", enterprisePath, id), nil, runner)
				return runner, resp, err
			},
			remove: func(id int64) (*github.Response, error) {
				return client.Enterprise.RemoveRunner(ctx, enterprise, id)
			},
			downloads: func() ([]*github.RunnerApplicationDownload, *github.Response, error) {
				return client.Enterprise.ListRunnerApplicationDownloads(ctx, enterprise)
			},
		},
		{
			name: "organization",
			path: "orgs/" + org,
			registrationToken: func() (*github.RegistrationToken, *github.Response, error) {
				return client.Actions.CreateOrganizationRegistrationToken(ctx, org)
			},
			removeToken: func() (*github.RemoveToken, *github.Response, error) {
				return client.Actions.CreateOrganizationRemoveToken(ctx, org)
			},
			list: func(opts *github.ListOptions) (*github.Runners, *github.Response, error) {
				return client.Actions.ListOrganizationRunners(ctx, org, opts)
			},
			get: func(id int64) (*github.Runner, *github.Response, error) {
				return client.Actions.GetOrganizationRunner(ctx, org, id)
			},
			remove: func(id int64) (*github.Response, error) {
				return client.Actions.RemoveOrganizationRunner(ctx, org, id)
			},
			downloads: func() ([]*github.RunnerApplicationDownload, *github.Response, error) {
				return client.Actions.ListOrganizationRunnerApplicationDownloads(ctx, org)
			},
		},
		{
			name: "repository",
			path: "repos/" + owner + "/" + repo,
			registrationToken: func() (*github.RegistrationToken, *github.Response, error) {
				return client.Actions.CreateRegistrationToken(ctx, owner, repo)
			},
			removeToken: func() (*github.RemoveToken, *github.Response, error) {
				return client.Actions.CreateRemoveToken(ctx, owner, repo)
			},
			list: func(opts *github.ListOptions) (*github.Runners, *github.Response, error) {
				return client.Actions.ListRunners(ctx, owner, repo, opts)
			},
			get: func(id int64) (*github.Runner, *github.Response, error) {
				return client.Actions.GetRunner(ctx, owner, repo, id)
			},
			remove: func(id int64) (*github.Response, error) {
				return client.Actions.RemoveRunner(ctx, owner, repo, id)
			},
			downloads: func() ([]*github.RunnerApplicationDownload, *github.Response, error) {
				return client.Actions.ListRunnerApplicationDownloads(ctx, owner, repo)
			},
		},
	}
}

// newToken is a fresh registration token of the scope.
func (s scope) newToken() string {
	token, _, err := s.registrationToken()
	must(err, s.name+" registration token")
	return token.GetToken()
}

// getRunner322 reads a runner with the fields go-github v48 lacks.
func (s scope) getRunner322(id int64) *runner322 {
	runner := new(runner322)
	_, err := raw("GET", fmt.Sprintf("%s/actions/runners/%d", s.path, id), nil, runner)
	must(err, fmt.Sprintf("GET %s/actions/runners/%d", s.path, id))
	return runner
}

func runnerLifecycle(s scope) {
	n := s.name
	var registrationToken string
	var runner *runner322

	check(n+": create a registration token (201)", func() {
		token, resp, err := s.registrationToken()
		must(err, "registration token")
		status(resp, http.StatusCreated, "registration token")
		assertToken(token.Token, token.ExpiresAt)
		registrationToken = token.GetToken()
	})

	check(n+": a runner registers with it through the control API", func() {
		runner = register(registrationToken, n+"-runner", map[string]any{"labels": []string{"gpu"}})
		equal(runner.GetStatus(), "online", "status")
	})

	check(n+": list the runners", func() {
		runners, resp, err := s.list(nil)
		must(err, "list")
		status(resp, http.StatusOK, "list")
		equal(runners.TotalCount, 1, "total_count")
		deepEqual(runnerNames(runners.Runners), []string{n + "-runner"}, "names")
		var labels []string
		for _, label := range runners.Runners[0].Labels {
			labels = append(labels, label.GetName()+"/"+label.GetType())
		}
		deepEqual(labels, []string{"self-hosted/read-only", "X64/read-only", "Linux/read-only", "gpu/custom"}, "labels")
	})

	check(n+": get the runner", func() {
		earlier(runner != nil)
		got, resp, err := s.get(runner.GetID())
		must(err, "get")
		status(resp, http.StatusOK, "get")
		deepEqual(got, &runner.Runner, "the runner")
		equal(got.GetOS(), "linux", "os")
		equal(got.GetBusy(), false, "busy")
		equal(resp.Header.Get("X-GitHub-Enterprise-Version"), "3.22.0", "X-GitHub-Enterprise-Version")
	})

	check(n+": the runner has 3.22's fields runner_group_id 1 and ephemeral false", func() {
		earlier(runner != nil)
		got := s.getRunner322(runner.GetID())
		truth(got.RunnerGroupID != nil && got.Ephemeral != nil, "missing fields: %s", show(got))
		equal(*got.RunnerGroupID, int64(1), "runner_group_id (the default group)")
		equal(*got.Ephemeral, false, "ephemeral")
	})

	check(n+": list the runner applications", func() {
		downloads, resp, err := s.downloads()
		must(err, "downloads")
		status(resp, http.StatusOK, "downloads")
		var builds []string
		for _, d := range downloads {
			builds = append(builds, d.GetOS()+"-"+d.GetArchitecture())
			truth(strings.HasPrefix(d.GetDownloadURL(), "https://"), "download_url %q", d.GetDownloadURL())
			truth(strings.HasSuffix(d.GetDownloadURL(), d.GetFilename()), "download_url %q does not end with filename %q", d.GetDownloadURL(), d.GetFilename())
		}
		deepEqual(sorted(builds...), []string{"linux-arm", "linux-arm64", "linux-x64", "osx-arm64", "osx-x64", "win-arm64", "win-x64"}, "builds")
	})

	check(n+": create a remove token (201)", func() {
		token, resp, err := s.removeToken()
		must(err, "remove token")
		status(resp, http.StatusCreated, "remove token")
		assertToken(token.Token, token.ExpiresAt)
	})

	check(n+": delete the runner (204)", func() {
		earlier(runner != nil)
		resp, err := s.remove(runner.GetID())
		must(err, "delete")
		status(resp, http.StatusNoContent, "delete")
	})

	check(n+": the deleted runner is an *github.ErrorResponse 404 Not Found", func() {
		earlier(runner != nil)
		got, resp, err := s.get(runner.GetID())
		wantError(err, http.StatusNotFound, "Not Found")
		status(resp, http.StatusNotFound, "get")
		truth(got == nil || got.ID == nil, "a runner came back: %s", show(got))
	})

	check(n+": deleting a busy runner is an *github.ErrorResponse 422 and keeps it", func() {
		busy := register(s.newToken(), n+"-busy", map[string]any{"busy": true})
		_, err := s.remove(busy.GetID())
		wantError(err, http.StatusUnprocessableEntity, fmt.Sprintf("Bad request - Runner %q is still running a job", n+"-busy"))
		got, _, err := s.get(busy.GetID())
		must(err, "get the busy runner")
		equal(got.GetBusy(), true, "busy")
		control("PATCH", fmt.Sprintf("/runners/%d", busy.GetID()), map[string]any{"busy": false}, http.StatusOK, nil)
		resp, err := s.remove(busy.GetID())
		must(err, "delete the idle runner")
		status(resp, http.StatusNoContent, "delete")
	})

	var names []string
	check(n+": resp.NextPage walks three pages; resp.LastPage reads rel=\"last\"", func() {
		token := s.newToken()
		for i := 0; i < 7; i++ {
			names = append(names, register(token, fmt.Sprintf("%s-page-%d", n, i), nil).GetName())
		}
		opts := &github.ListOptions{PerPage: 3}
		var seen []string
		var pages []int
		for {
			runners, resp, err := s.list(opts)
			must(err, fmt.Sprintf("page %d", opts.Page))
			equal(runners.TotalCount, 7, "total_count")
			if opts.Page == 0 {
				equal(resp.LastPage, 3, "LastPage of page 1")
				equal(resp.FirstPage, 0, "FirstPage of page 1 (no rel=\"first\")")
			}
			pages = append(pages, len(runners.Runners))
			seen = append(seen, runnerNames(runners.Runners)...)
			if resp.NextPage == 0 {
				equal(resp.PrevPage, 2, "PrevPage of the last page")
				break
			}
			truth(len(pages) < 5, "more pages than expected: %v", pages)
			opts.Page = resp.NextPage
		}
		deepEqual(pages, []int{3, 3, 1}, "page sizes")
		deepEqual(seen, names, "names in order")
	})

	check(n+": the name filter (3.11+) lists only the runner called so", func() {
		truth(len(names) == 7, "the runners of the previous check are missing")
		query := url.Values{"name": {names[4]}}
		runners := new(github.Runners)
		resp, err := raw("GET", s.path+"/actions/runners?"+query.Encode(), nil, runners)
		must(err, "list by name")
		status(resp, http.StatusOK, "list by name")
		equal(runners.TotalCount, 1, "total_count")
		deepEqual(runnerNames(runners.Runners), []string{names[4]}, "names")
	})
}

// --- Errors and rate limits -----------------------------------------------------

func errorsAndRates() {
	check("errors: a wrong token is an *github.ErrorResponse 401 Bad credentials", func() {
		stranger := newClient("not-a-known-token")
		_, _, err := stranger.Actions.ListOrganizationRunners(ctx, org, nil)
		wantError(err, http.StatusUnauthorized, "Bad credentials")
	})

	check("errors: a runner id of another scope is an *github.ErrorResponse 404", func() {
		token, _, err := client.Actions.CreateRegistrationToken(ctx, owner, repo)
		must(err, "registration token")
		runner := register(token.GetToken(), "isolated", nil)
		_, _, err = client.Actions.GetOrganizationRunner(ctx, org, runner.GetID())
		wantError(err, http.StatusNotFound, "Not Found")
	})

	check("rate limit: resp.Rate reads X-RateLimit-* of an answer", func() {
		_, resp, err := client.Actions.ListOrganizationRunners(ctx, org, nil)
		must(err, "list")
		equal(resp.Rate.Limit, 5000, "Rate.Limit")
		truth(resp.Rate.Remaining > 0 && resp.Rate.Remaining < 5000, "Rate.Remaining %d", resp.Rate.Remaining)
		truth(resp.Rate.Reset.After(time.Now()), "Rate.Reset %s is not ahead", resp.Rate.Reset)
	})

	check("rate limit: client.RateLimits reads the core budget", func() {
		limits, resp, err := client.RateLimits(ctx)
		must(err, "RateLimits")
		status(resp, http.StatusOK, "rate_limit")
		truth(limits.Core != nil, "no core budget: %s", show(limits))
		equal(limits.Core.Limit, 5000, "core limit")
		truth(limits.Core.Remaining > 0 && limits.Core.Remaining < 5000, "core remaining %d", limits.Core.Remaining)
	})
}
