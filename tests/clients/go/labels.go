package main

// Runner labels (GHES 3.4+) in every scope, through the raw-request API:
// go-github v48 has no label methods.

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/google/go-github/v48/github"
)

// byName is a copy of labels sorted by name, for comparing label sets with
// their ids.
func byName(labels []*github.RunnerLabels) []*github.RunnerLabels {
	out := append([]*github.RunnerLabels{}, labels...)
	sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
	return out
}

func labels(s scope) {
	n := s.name + " labels"
	var runner *runner322
	path := func() string { return fmt.Sprintf("%s/actions/runners/%d/labels", s.path, runner.GetID()) }
	// call sends a label request and checks the answer: 200 {total_count, labels}.
	call := func(method, path string, body any) *labelList {
		list := new(labelList)
		resp, err := raw(method, path, body, list)
		must(err, method+" "+path)
		status(resp, http.StatusOK, method+" "+path)
		equal(list.TotalCount, len(list.Labels), "total_count")
		for _, label := range list.Labels {
			truth(label.ID != nil && label.GetID() > 0, "label without an id: %s", show(label))
		}
		return list
	}
	readOnly := []string{"Linux/read-only", "X64/read-only", "self-hosted/read-only"}

	check(n+": list a runner's labels, ids as on the runner", func() {
		runner = register(s.newToken(), s.name+"-labelled", map[string]any{"labels": []string{"gpu"}})
		list := call("GET", path(), nil)
		deepEqual(labelPairs(list.Labels), sorted(append(readOnly, "gpu/custom")...), "labels")
		deepEqual(byName(list.Labels), byName(runner.Labels), "the runner's labels")
	})

	check(n+": add custom labels (POST)", func() {
		earlier(runner != nil)
		list := call("POST", path(), map[string]any{"labels": []string{"fast"}})
		deepEqual(labelPairs(list.Labels), sorted(append(readOnly, "gpu/custom", "fast/custom")...), "labels")
	})

	check(n+": set the custom labels (PUT): read-only labels stay, the case given is kept", func() {
		earlier(runner != nil)
		list := call("PUT", path(), map[string]any{"labels": []string{"ssd", "Arm-Cross"}})
		deepEqual(labelPairs(list.Labels), sorted(append(readOnly, "ssd/custom", "Arm-Cross/custom")...), "labels")
		got, _, err := s.get(runner.GetID())
		must(err, "get the runner")
		deepEqual(labelPairs(got.Labels), labelPairs(list.Labels), "the runner's labels")
	})

	check(n+": remove one custom label (DELETE …/labels/{name})", func() {
		earlier(runner != nil)
		list := call("DELETE", path()+"/ssd", nil)
		deepEqual(labelPairs(list.Labels), sorted(append(readOnly, "Arm-Cross/custom")...), "labels")
	})

	check(n+": a custom label's name compares case-insensitively", func() {
		earlier(runner != nil)
		list := call("DELETE", path()+"/arm-cross", nil)
		deepEqual(labelPairs(list.Labels), sorted(readOnly...), "labels")
	})

	check(n+": removing a label the runner lacks is an *github.ErrorResponse 404", func() {
		earlier(runner != nil)
		_, err := raw("DELETE", path()+"/not-there", nil, new(labelList))
		wantError(err, http.StatusNotFound, "")
	})

	check(n+": remove all custom labels (DELETE …/labels) leaves the read-only ones", func() {
		earlier(runner != nil)
		call("PUT", path(), map[string]any{"labels": []string{"one", "two"}})
		list := call("DELETE", path(), nil)
		deepEqual(labelPairs(list.Labels), sorted(readOnly...), "labels")
		got, _, err := s.get(runner.GetID())
		must(err, "get the runner")
		deepEqual(labelPairs(got.Labels), sorted(readOnly...), "the runner's labels")
	})

	check(n+": an unknown runner's labels are an *github.ErrorResponse 404 Not Found", func() {
		_, err := raw("GET", fmt.Sprintf("%s/actions/runners/%d/labels", s.path, 999999), nil, new(labelList))
		wantError(err, http.StatusNotFound, "Not Found")
		_, err = raw("POST", fmt.Sprintf("%s/actions/runners/%d/labels", s.path, 999999), map[string]any{"labels": []string{"x"}}, new(labelList))
		wantError(err, http.StatusNotFound, "Not Found")
	})
}
