package main

// Webhooks and workflow jobs, as Go runner managers meet them
// (actions-runner-controller's webhook autoscaler is built on go-github):
// a receiver on a loopback port takes real deliveries from the mock and
// checks each with github.ValidatePayload and github.ParseWebHook, as such
// a manager does; the hooks are made and inspected with go-github's hook and
// delivery methods, and the runs and jobs read with its Actions methods.
//
// It runs against its own server presenting GHES 3.22 (GHES_HOOKS_API_URL,
// GHES_HOOKS_MOCK_URL), whose token adds admin:org_hook, so that no runner
// of the other checks takes its jobs; GHES_NO_HOOK_TOKEN has admin:org and
// repo but not admin:org_hook.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v48/github"
)

// hookSecret signs every delivery of the hooks made here but one.
const hookSecret = "It's a Secret to Everybody"

// deliveryWait bounds every wait for a delivery.
const deliveryWait = 15 * time.Second

// received is one POST the receiver took, and what github.ValidatePayload
// made of it with the hook's secret.
type received struct {
	path    string
	header  http.Header
	body    []byte
	event   string // github.WebHookType
	guid    string // github.DeliveryID
	payload []byte // ValidatePayload's answer; nil when it failed
	err     error  // ValidatePayload's error
}

// request is the delivery again, as a fresh *http.Request.
func (d *received) request() *http.Request {
	r, err := http.NewRequest("POST", "http://receiver"+d.path, bytes.NewReader(d.body))
	must(err, "rebuild the request")
	r.Header = d.header.Clone()
	return r
}

// parse is ParseWebHook of the validated payload.
func (d *received) parse() any {
	truth(d.err == nil, "ValidatePayload failed: %v", d.err)
	event, err := github.ParseWebHook(d.event, d.payload)
	must(err, "ParseWebHook "+d.event)
	return event
}

func (d *received) hookID() string { return d.header.Get("X-GitHub-Hook-ID") }

// receiver is a Go runner manager's webhook endpoint: it validates every
// POST with its secret, answers 200, or 401 when the signature is wrong,
// and keeps what it got.
type receiver struct {
	url    string
	secret []byte
	mu     sync.Mutex
	got    []*received
}

func startReceiver(secret string) *receiver {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot listen: %v\n", err)
		os.Exit(2)
	}
	rc := &receiver{url: "http://" + listener.Addr().String(), secret: []byte(secret)}
	server := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go server.Serve(listener) //nolint:errcheck // ends with the program
	return rc
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 25<<20))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	d := &received{
		path:   r.URL.Path,
		header: r.Header.Clone(),
		body:   body,
		event:  github.WebHookType(r),
		guid:   github.DeliveryID(r),
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	d.payload, d.err = github.ValidatePayload(r, rc.secret)
	rc.mu.Lock()
	rc.got = append(rc.got, d)
	rc.mu.Unlock()
	if d.err != nil {
		http.Error(w, d.err.Error(), http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"ok":true}`)
}

// matching is what the receiver got so far that match.
func (rc *receiver) matching(match func(*received) bool) []*received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []*received
	for _, d := range rc.got {
		if match(d) {
			out = append(out, d)
		}
	}
	return out
}

// await waits (bounded) until n received deliveries match, and returns them.
func (rc *receiver) await(n int, what string, match func(*received) bool) []*received {
	deadline := time.Now().Add(deliveryWait)
	for {
		got := rc.matching(match)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			fail("%s: %d of %d deliveries after %s", what, len(got), n, deliveryWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// onHook matches the deliveries of a hook, of an event and, for
// workflow_job, an action and a job.
func onHook(id int64, event string) func(*received) bool {
	return func(d *received) bool { return d.hookID() == fmt.Sprint(id) && d.event == event }
}

func jobEvent(id int64, action string, jobID int64) func(*received) bool {
	return func(d *received) bool {
		if !onHook(id, "workflow_job")(d) || d.err != nil {
			return false
		}
		var probe struct {
			Action string `json:"action"`
			Job    struct {
				ID int64 `json:"id"`
			} `json:"workflow_job"`
		}
		return json.Unmarshal(d.payload, &probe) == nil && probe.Action == action && probe.Job.ID == jobID
	}
}

// mockRun is POST /_mock/runs's answer: the run and its jobs.
type mockRun struct {
	ID   int64                `json:"id"`
	Jobs []github.WorkflowJob `json:"jobs"`
}

func hooksAndJobs() {
	api := required("GHES_HOOKS_API_URL")
	mock := strings.TrimRight(required("GHES_HOOKS_MOCK_URL"), "/")
	gh := newClientAt(api, mock, token)
	rc := startReceiver(hookSecret)
	jobLabels := []string{"self-hosted", "linux", "go-hooks"}
	var orgHook, formHook, wrongHook *github.Hook
	var run, stuck *mockRun
	var jobID, stuckJobID int64

	check("hooks: Organizations.CreateHook makes a json org hook with a secret (201); the secret reads ********", func() {
		hook, resp, err := gh.Organizations.CreateHook(ctx, org, &github.Hook{
			Config: map[string]interface{}{"url": rc.url + "/org", "content_type": "json", "secret": hookSecret, "insecure_ssl": "0"},
			Events: []string{"workflow_job"},
			Active: github.Bool(true),
		})
		must(err, "CreateHook")
		status(resp, http.StatusCreated, "CreateHook")
		equal(hook.GetType(), "Organization", "type")
		equal(hook.GetName(), "web", "name")
		deepEqual(hook.Events, []string{"workflow_job"}, "events")
		deepEqual(hook.Config["secret"], any("********"), "config.secret")
		deepEqual(hook.Config["content_type"], any("json"), "config.content_type")
		equal(hook.GetPingURL(), hook.GetURL()+"/pings", "ping_url")
		orgHook = hook
	})

	check("hooks: the org hook's ping passes ValidatePayload and parses into a *github.PingEvent", func() {
		earlier(orgHook != nil)
		d := rc.await(1, "ping", onHook(orgHook.GetID(), "ping"))[0]
		ping, ok := d.parse().(*github.PingEvent)
		truth(ok, "ParseWebHook gave %T", d.parse())
		equal(ping.GetHookID(), orgHook.GetID(), "hook_id")
		truth(ping.GetZen() != "", "no zen")
		deepEqual(ping.GetHook().Events, []string{"workflow_job"}, "hook.events")
		equal(ping.GetOrg().GetLogin(), org, "organization.login")
		equal(d.header.Get("Content-Type"), "application/json", "Content-Type")
		equal(d.header.Get("X-GitHub-Hook-Installation-Target-Type"), "organization", "X-GitHub-Hook-Installation-Target-Type")
		equal(d.header.Get("X-GitHub-Enterprise-Version"), "3.22.0", "X-GitHub-Enterprise-Version")
		truth(strings.HasPrefix(d.header.Get("User-Agent"), "GitHub-Hookshot/"), "User-Agent %q", d.header.Get("User-Agent"))
		truth(len(d.guid) == 36, "X-GitHub-Delivery %q", d.guid)
	})

	check("hooks: a token without admin:org_hook cannot list org hooks: *github.ErrorResponse 403", func() {
		other := newClientAt(api, mock, required("GHES_NO_HOOK_TOKEN"))
		_, _, err := other.Organizations.ListHooks(ctx, org, nil)
		wantError(err, http.StatusForbidden, "")
	})

	check("hooks: Repositories.CreateHook makes a form hook; its ping passes ValidatePayload as a form body", func() {
		hook, resp, err := gh.Repositories.CreateHook(ctx, owner, repo, &github.Hook{
			Config: map[string]interface{}{"url": rc.url + "/form", "content_type": "form", "secret": hookSecret},
			Events: []string{"workflow_job"},
		})
		must(err, "CreateHook")
		status(resp, http.StatusCreated, "CreateHook")
		equal(hook.GetType(), "Repository", "type")
		deepEqual(hook.Config["content_type"], any("form"), "config.content_type")
		equal(resp.Header.Get("Location"), hook.GetURL(), "Location")
		formHook = hook
		d := rc.await(1, "ping", onHook(hook.GetID(), "ping"))[0]
		equal(d.header.Get("Content-Type"), "application/x-www-form-urlencoded", "Content-Type")
		truth(bytes.HasPrefix(d.body, []byte("payload=")), "body %.40q", d.body)
		ping, ok := d.parse().(*github.PingEvent)
		truth(ok, "ParseWebHook gave %T", d.parse())
		equal(ping.GetHookID(), hook.GetID(), "hook_id")
		equal(ping.GetRepo().GetFullName(), owner+"/"+repo, "repository.full_name")
		equal(d.header.Get("X-GitHub-Hook-Installation-Target-Type"), "repository", "X-GitHub-Hook-Installation-Target-Type")
	})

	check("hooks: a hook with another secret: its ping fails ValidatePayload and the receiver answers 401", func() {
		hook, _, err := gh.Repositories.CreateHook(ctx, owner, repo, &github.Hook{
			Config: map[string]interface{}{"url": rc.url + "/wrong", "content_type": "json", "secret": "not-" + hookSecret},
			Events: []string{"workflow_job"},
		})
		must(err, "CreateHook")
		wrongHook = hook
		d := rc.await(1, "ping", onHook(hook.GetID(), "ping"))[0]
		truth(d.err != nil && d.err.Error() == "payload signature check failed", "ValidatePayload: %v", d.err)
		truth(d.payload == nil, "a payload came back")
	})

	check("jobs: POST /_mock/runs queues a run; every hook gets a queued *github.WorkflowJobEvent", func() {
		earlier(orgHook != nil && formHook != nil)
		run = new(mockRun)
		controlAt(mock, "POST", "/runs", map[string]any{
			"repo":          owner + "/" + repo,
			"workflow_name": "go-github",
			"jobs":          []map[string]any{{"name": "build", "labels": jobLabels, "duration_seconds": 0.3}},
		}, http.StatusCreated, run)
		equal(len(run.Jobs), 1, "jobs")
		jobID = run.Jobs[0].GetID()
		for _, hook := range []*github.Hook{orgHook, formHook} {
			d := rc.await(1, "queued", jobEvent(hook.GetID(), "queued", jobID))[0]
			event, ok := d.parse().(*github.WorkflowJobEvent)
			truth(ok, "ParseWebHook gave %T", d.parse())
			equal(event.GetAction(), "queued", "action")
			job := event.GetWorkflowJob()
			equal(job.GetID(), jobID, "workflow_job.id")
			equal(job.GetRunID(), run.ID, "workflow_job.run_id")
			equal(job.GetStatus(), "queued", "workflow_job.status")
			equal(job.GetName(), "build", "workflow_job.name")
			deepEqual(job.Labels, jobLabels, "workflow_job.labels")
			truth(job.RunnerName == nil && job.RunnerID == nil, "a queued job with a runner: %s", show(job))
			equal(event.GetRepo().GetFullName(), owner+"/"+repo, "repository.full_name")
			equal(event.GetOrg().GetLogin(), org, "organization.login")
			truth(event.GetSender().GetLogin() != "", "no sender")
		}
	})

	check("jobs: ListRepositoryWorkflowRuns with status queued lists the run; ListWorkflowJobs shows its job", func() {
		earlier(run != nil)
		runs, resp, err := gh.Actions.ListRepositoryWorkflowRuns(ctx, owner, repo, &github.ListWorkflowRunsOptions{Status: "queued"})
		must(err, "ListRepositoryWorkflowRuns")
		status(resp, http.StatusOK, "ListRepositoryWorkflowRuns")
		equal(runs.GetTotalCount(), 1, "total_count")
		equal(runs.WorkflowRuns[0].GetID(), run.ID, "the run")
		equal(runs.WorkflowRuns[0].GetStatus(), "queued", "status")
		equal(runs.WorkflowRuns[0].GetName(), "go-github", "name")
		jobs, _, err := gh.Actions.ListWorkflowJobs(ctx, owner, repo, run.ID, nil)
		must(err, "ListWorkflowJobs")
		equal(jobs.GetTotalCount(), 1, "total_count")
		equal(jobs.Jobs[0].GetID(), jobID, "job id")
		equal(jobs.Jobs[0].GetStatus(), "queued", "job status")
		deepEqual(jobs.Jobs[0].Labels, jobLabels, "job labels")
	})

	check("jobs: an ephemeral runner takes the job: in_progress with its runner name, as GetWorkflowJobByID says", func() {
		earlier(jobID != 0)
		registration, _, err := gh.Actions.CreateOrganizationRegistrationToken(ctx, org)
		must(err, "registration token")
		var runner runner322
		controlAt(mock, "POST", "/runners", map[string]any{
			"token": registration.GetToken(), "name": "go-hooks-runner",
			"labels": []string{"linux", "go-hooks"}, "ephemeral": true,
		}, http.StatusCreated, &runner)
		for _, hook := range []*github.Hook{orgHook, formHook} {
			d := rc.await(1, "in_progress", jobEvent(hook.GetID(), "in_progress", jobID))[0]
			event := d.parse().(*github.WorkflowJobEvent)
			job := event.GetWorkflowJob()
			equal(job.GetStatus(), "in_progress", "workflow_job.status")
			equal(job.GetRunnerName(), "go-hooks-runner", "workflow_job.runner_name")
			equal(job.GetRunnerID(), runner.GetID(), "workflow_job.runner_id")
			equal(job.GetRunnerGroupName(), "Default", "workflow_job.runner_group_name")
			truth(job.StartedAt != nil, "no started_at")
		}
		job, resp, err := gh.Actions.GetWorkflowJobByID(ctx, owner, repo, jobID)
		must(err, "GetWorkflowJobByID")
		status(resp, http.StatusOK, "GetWorkflowJobByID")
		truth(job.GetStatus() == "in_progress" || job.GetStatus() == "completed", "status %q", job.GetStatus())
		equal(job.GetRunnerName(), "go-hooks-runner", "runner_name")
	})

	check("jobs: the job completes: a completed event with conclusion success; the ephemeral runner is gone", func() {
		earlier(jobID != 0)
		for _, hook := range []*github.Hook{orgHook, formHook} {
			d := rc.await(1, "completed", jobEvent(hook.GetID(), "completed", jobID))[0]
			event := d.parse().(*github.WorkflowJobEvent)
			job := event.GetWorkflowJob()
			equal(job.GetStatus(), "completed", "workflow_job.status")
			equal(job.GetConclusion(), "success", "workflow_job.conclusion")
			equal(job.GetRunnerName(), "go-hooks-runner", "workflow_job.runner_name")
			truth(job.CompletedAt != nil, "no completed_at")
		}
		job, _, err := gh.Actions.GetWorkflowJobByID(ctx, owner, repo, jobID)
		must(err, "GetWorkflowJobByID")
		equal(job.GetStatus(), "completed", "status")
		equal(job.GetConclusion(), "success", "conclusion")
		runners, _, err := gh.Actions.ListOrganizationRunners(ctx, org, nil)
		must(err, "ListOrganizationRunners")
		equal(runners.TotalCount, 0, "runners left")
		got, _, err := gh.Actions.GetWorkflowRunByID(ctx, owner, repo, run.ID)
		must(err, "GetWorkflowRunByID")
		equal(got.GetStatus(), "completed", "run status")
		equal(got.GetConclusion(), "success", "run conclusion")
	})

	check("jobs: the status filter: queued, in_progress, completed and success each list their runs", func() {
		earlier(run != nil)
		stuck = new(mockRun)
		controlAt(mock, "POST", "/runs", map[string]any{
			"repo": owner + "/" + repo,
			"jobs": []map[string]any{{"labels": []string{"self-hosted", "go-never"}}},
		}, http.StatusCreated, stuck)
		stuckJobID = stuck.Jobs[0].GetID()
		ids := func(filter string) []int64 {
			runs, _, err := gh.Actions.ListRepositoryWorkflowRuns(ctx, owner, repo, &github.ListWorkflowRunsOptions{Status: filter})
			must(err, "ListRepositoryWorkflowRuns "+filter)
			out := []int64{}
			for _, r := range runs.WorkflowRuns {
				out = append(out, r.GetID())
			}
			return out
		}
		deepEqual(ids("queued"), []int64{stuck.ID}, "status=queued")
		deepEqual(ids("in_progress"), []int64{}, "status=in_progress")
		deepEqual(ids("completed"), []int64{run.ID}, "status=completed")
		deepEqual(ids("success"), []int64{run.ID}, "status=success")
		deepEqual(ids(""), []int64{stuck.ID, run.ID}, "no filter, newest first")
		_, _, err := gh.Actions.ListRepositoryWorkflowRuns(ctx, owner, repo, &github.ListWorkflowRunsOptions{Status: "done"})
		wantError(err, http.StatusUnprocessableEntity, "")
	})

	check("jobs: a queued job cancelled: a completed event with conclusion cancelled and no runner", func() {
		earlier(stuckJobID != 0)
		controlAt(mock, "POST", fmt.Sprintf("/jobs/%d/cancel", stuckJobID), nil, http.StatusOK, nil)
		d := rc.await(1, "completed", jobEvent(orgHook.GetID(), "completed", stuckJobID))[0]
		job := d.parse().(*github.WorkflowJobEvent).GetWorkflowJob()
		equal(job.GetConclusion(), "cancelled", "conclusion")
		truth(job.RunnerName == nil, "runner_name %q", job.GetRunnerName())
		got, _, err := gh.Actions.GetWorkflowRunByID(ctx, owner, repo, stuck.ID)
		must(err, "GetWorkflowRunByID")
		equal(got.GetConclusion(), "cancelled", "run conclusion")
	})

	check("signatures: every delivery fails ValidatePayload with a wrong secret, and passes on X-Hub-Signature (sha1) alone", func() {
		earlier(orgHook != nil && formHook != nil)
		mine := rc.matching(func(d *received) bool { return d.path != "/wrong" })
		truth(len(mine) >= 10, "only %d deliveries", len(mine))
		for _, d := range mine {
			_, err := github.ValidatePayload(d.request(), []byte("not-"+hookSecret))
			truth(err != nil, "a wrong secret passed %s %s", d.event, d.guid)
			sha1Only := d.request()
			sha1Only.Header.Del(github.SHA256SignatureHeader)
			truth(strings.HasPrefix(sha1Only.Header.Get(github.SHA1SignatureHeader), "sha1="), "X-Hub-Signature %q", sha1Only.Header.Get(github.SHA1SignatureHeader))
			payload, err := github.ValidatePayload(sha1Only, []byte(hookSecret))
			must(err, "ValidatePayload on sha1")
			equal(string(payload), string(d.payload), "the payload")
		}
	})

	check("signatures: the form hook got the events of the org hook, with the same GUIDs", func() {
		earlier(orgHook != nil && formHook != nil)
		guids := func(id int64) []string {
			var out []string
			for _, d := range rc.matching(onHook(id, "workflow_job")) {
				out = append(out, d.guid)
			}
			return sorted(out...)
		}
		org, form := guids(orgHook.GetID()), guids(formHook.GetID())
		equal(len(org), 5, "org hook's workflow_job deliveries")
		deepEqual(form, org, "GUIDs")
	})

	var deliveries []*github.HookDelivery
	check("hooks: Organizations.ListHookDeliveries pages by cursor (resp.Cursor), newest first", func() {
		earlier(orgHook != nil)
		want := len(rc.matching(onHook(orgHook.GetID(), "ping"))) + len(rc.matching(onHook(orgHook.GetID(), "workflow_job")))
		deadline := time.Now().Add(deliveryWait)
		for {
			deliveries = nil
			opts := &github.ListCursorOptions{PerPage: 2}
			pages := 0
			for {
				page, resp, err := gh.Organizations.ListHookDeliveries(ctx, org, orgHook.GetID(), opts)
				must(err, "ListHookDeliveries")
				deliveries = append(deliveries, page...)
				pages++
				truth(pages < 20, "too many pages")
				if resp.Cursor == "" {
					break
				}
				opts.Cursor = resp.Cursor
			}
			if len(deliveries) >= want || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		equal(len(deliveries), want, "deliveries listed")
		for i, d := range deliveries {
			if i > 0 {
				truth(d.GetID() < deliveries[i-1].GetID(), "not newest first: %d after %d", d.GetID(), deliveries[i-1].GetID())
			}
			equal(d.GetStatusCode(), 200, "status_code")
			equal(d.GetStatus(), "OK", "status")
			equal(d.GetRedelivery(), false, "redelivery")
		}
		equal(deliveries[len(deliveries)-1].GetEvent(), "ping", "the oldest delivery's event")
		equal(deliveries[0].GetEvent(), "workflow_job", "the newest delivery's event")
		equal(deliveries[0].GetAction(), "completed", "the newest delivery's action")
	})

	check("hooks: Organizations.GetHookDelivery shows the request's headers and payload, and the answer", func() {
		earlier(len(deliveries) > 0)
		d, resp, err := gh.Organizations.GetHookDelivery(ctx, org, orgHook.GetID(), deliveries[0].GetID())
		must(err, "GetHookDelivery")
		status(resp, http.StatusOK, "GetHookDelivery")
		equal(d.GetGUID(), deliveries[0].GetGUID(), "guid")
		equal(d.Request.Headers["X-GitHub-Event"], "workflow_job", "request X-GitHub-Event")
		equal(d.Request.Headers["X-GitHub-Delivery"], d.GetGUID(), "request X-GitHub-Delivery")
		truth(d.Request.RawPayload != nil, "no request payload")
		var payload github.WorkflowJobEvent
		must(json.Unmarshal(*d.Request.RawPayload, &payload), "request payload")
		equal(payload.GetAction(), "completed", "payload action")
		truth(d.Response != nil && d.Response.RawPayload != nil, "no response")
		var answer string
		must(json.Unmarshal(*d.Response.RawPayload, &answer), "response payload")
		equal(answer, `{"ok":true}`, "response payload")
		received := rc.matching(func(r *received) bool { return r.guid == d.GetGUID() && r.hookID() == fmt.Sprint(orgHook.GetID()) })
		truth(len(received) == 1, "%d deliveries with that GUID", len(received))
		var sent any
		must(json.Unmarshal(received[0].payload, &sent), "sent payload")
		var stored any
		must(json.Unmarshal(*d.Request.RawPayload, &stored), "stored payload")
		deepEqual(stored, sent, "the stored payload is the one sent")
	})

	check("hooks: Organizations.RedeliverHookDelivery is 202 (*github.AcceptedError); the same GUID comes again, signed", func() {
		earlier(len(deliveries) > 0)
		guid := deliveries[0].GetGUID()
		_, resp, err := gh.Organizations.RedeliverHookDelivery(ctx, org, orgHook.GetID(), deliveries[0].GetID())
		var accepted *github.AcceptedError
		truth(errors.As(err, &accepted), "want an *github.AcceptedError, got %T %v", err, err)
		status(resp, http.StatusAccepted, "RedeliverHookDelivery")
		again := rc.await(2, "redelivery", func(d *received) bool { return d.guid == guid && d.hookID() == fmt.Sprint(orgHook.GetID()) })
		_ = again[1].parse().(*github.WorkflowJobEvent)
		deadline := time.Now().Add(deliveryWait)
		for {
			page, _, err := gh.Organizations.ListHookDeliveries(ctx, org, orgHook.GetID(), &github.ListCursorOptions{PerPage: 1})
			must(err, "ListHookDeliveries")
			if len(page) == 1 && page[0].GetRedelivery() {
				equal(page[0].GetGUID(), guid, "the redelivery's guid")
				break
			}
			truth(time.Now().Before(deadline), "no redelivery listed")
			time.Sleep(50 * time.Millisecond)
		}
	})

	check("hooks: Organizations.ListHooks, GetHook, EditHook and PingHook", func() {
		earlier(orgHook != nil)
		hooks, _, err := gh.Organizations.ListHooks(ctx, org, nil)
		must(err, "ListHooks")
		equal(len(hooks), 1, "hooks")
		equal(hooks[0].GetID(), orgHook.GetID(), "hook id")
		got, _, err := gh.Organizations.GetHook(ctx, org, orgHook.GetID())
		must(err, "GetHook")
		deepEqual(got.Config["url"], any(rc.url+"/org"), "config.url")
		edited, _, err := gh.Organizations.EditHook(ctx, org, orgHook.GetID(), &github.Hook{Events: []string{"workflow_job", "workflow_run"}})
		must(err, "EditHook")
		deepEqual(edited.Events, []string{"workflow_job", "workflow_run"}, "events")
		deepEqual(edited.Config["secret"], any("********"), "the secret is kept")
		resp, err := gh.Organizations.PingHook(ctx, org, orgHook.GetID())
		must(err, "PingHook")
		status(resp, http.StatusNoContent, "PingHook")
		pings := rc.await(2, "second ping", onHook(orgHook.GetID(), "ping"))
		ping := pings[1].parse().(*github.PingEvent)
		deepEqual(ping.GetHook().Events, []string{"workflow_job", "workflow_run"}, "the ping's hook.events")
	})

	check("hooks: Repositories.ListHooks, GetHook, EditHook, PingHook and TestHook", func() {
		earlier(formHook != nil && wrongHook != nil)
		hooks, _, err := gh.Repositories.ListHooks(ctx, owner, repo, nil)
		must(err, "ListHooks")
		var ids []int64
		for _, h := range hooks {
			ids = append(ids, h.GetID())
		}
		deepEqual(ids, []int64{formHook.GetID(), wrongHook.GetID()}, "hooks")
		got, _, err := gh.Repositories.GetHook(ctx, owner, repo, formHook.GetID())
		must(err, "GetHook")
		equal(got.GetTestURL(), got.GetURL()+"/tests", "test_url")
		deepEqual(got.LastResponse["code"], any(float64(200)), "last_response.code")
		edited, _, err := gh.Repositories.EditHook(ctx, owner, repo, wrongHook.GetID(), &github.Hook{Active: github.Bool(false)})
		must(err, "EditHook")
		equal(edited.GetActive(), false, "active")
		resp, err := gh.Repositories.PingHook(ctx, owner, repo, formHook.GetID())
		must(err, "PingHook")
		status(resp, http.StatusNoContent, "PingHook")
		rc.await(2, "second ping", onHook(formHook.GetID(), "ping"))
		resp, err = gh.Repositories.TestHook(ctx, owner, repo, formHook.GetID())
		must(err, "TestHook")
		status(resp, http.StatusNoContent, "TestHook")
	})

	check("hooks: Repositories.ListHookDeliveries of the other secret's hook shows the receiver's 401s", func() {
		earlier(wrongHook != nil)
		var list []*github.HookDelivery
		deadline := time.Now().Add(deliveryWait)
		for {
			var err error
			list, _, err = gh.Repositories.ListHookDeliveries(ctx, owner, repo, wrongHook.GetID(), &github.ListCursorOptions{PerPage: 100})
			must(err, "ListHookDeliveries")
			if len(list) >= 6 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		equal(len(list), 6, "deliveries (a ping, five workflow_job)")
		for _, d := range list {
			equal(d.GetStatusCode(), 401, "status_code")
			equal(d.GetStatus(), "Invalid HTTP Response: 401", "status")
		}
		one, _, err := gh.Repositories.GetHookDelivery(ctx, owner, repo, wrongHook.GetID(), list[0].GetID())
		must(err, "GetHookDelivery")
		truth(strings.HasPrefix(one.Request.Headers["X-Hub-Signature-256"], "sha256="), "X-Hub-Signature-256 %q", one.Request.Headers["X-Hub-Signature-256"])
		_, resp, err := gh.Repositories.RedeliverHookDelivery(ctx, owner, repo, wrongHook.GetID(), list[0].GetID())
		var accepted *github.AcceptedError
		truth(errors.As(err, &accepted), "want an *github.AcceptedError, got %T %v", err, err)
		status(resp, http.StatusAccepted, "RedeliverHookDelivery")
	})

	check("hooks: DeleteHook (organization and repository) is 204; GetHook is then a 404", func() {
		earlier(orgHook != nil && formHook != nil && wrongHook != nil)
		resp, err := gh.Organizations.DeleteHook(ctx, org, orgHook.GetID())
		must(err, "org DeleteHook")
		status(resp, http.StatusNoContent, "org DeleteHook")
		_, _, err = gh.Organizations.GetHook(ctx, org, orgHook.GetID())
		wantError(err, http.StatusNotFound, "Not Found")
		for _, hook := range []*github.Hook{formHook, wrongHook} {
			resp, err := gh.Repositories.DeleteHook(ctx, owner, repo, hook.GetID())
			must(err, "repo DeleteHook")
			status(resp, http.StatusNoContent, "repo DeleteHook")
		}
		hooks, _, err := gh.Repositories.ListHooks(ctx, owner, repo, nil)
		must(err, "ListHooks")
		equal(len(hooks), 0, "hooks left")
		_, _, err = gh.Repositories.GetHook(ctx, owner, repo, formHook.GetID())
		wantError(err, http.StatusNotFound, "Not Found")
	})
}
