package main

// Runner groups: an organization's through go-github's own methods, an
// enterprise's through the raw-request API (go-github v48 has no methods for
// them).

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v48/github"
)

// --- Organization runner groups: go-github's own methods ----------------------

func orgRunnerGroups() {
	var repoID int64
	check("repositories: Repositories.Get shows octo-repo's numeric id", func() {
		r, resp, err := client.Repositories.Get(ctx, owner, repo)
		must(err, "Repositories.Get")
		status(resp, http.StatusOK, "Repositories.Get")
		equal(r.GetFullName(), owner+"/"+repo, "full_name")
		truth(r.GetID() > 0, "id %d", r.GetID())
		repoID = r.GetID()
	})

	check("runner groups: ListOrganizationRunnerGroups lists Default (id 1, default, visibility all)", func() {
		groups, resp, err := client.Actions.ListOrganizationRunnerGroups(ctx, org, nil)
		must(err, "ListOrganizationRunnerGroups")
		status(resp, http.StatusOK, "list")
		equal(groups.TotalCount, len(groups.RunnerGroups), "total_count")
		var own []*github.RunnerGroup
		for _, g := range groups.RunnerGroups {
			if !g.GetInherited() {
				own = append(own, g)
			}
		}
		truth(len(own) == 1, "the organization's own groups: %s", show(groups))
		equal(own[0].GetID(), int64(1), "id")
		equal(own[0].GetName(), "Default", "name")
		equal(own[0].GetDefault(), true, "default")
		equal(own[0].GetVisibility(), "all", "visibility")
		truth(own[0].Inherited != nil, "no inherited field")
	})

	var group *github.RunnerGroup
	check("runner groups: CreateOrganizationRunnerGroup with visibility selected and octo-repo (201)", func() {
		created, resp, err := client.Actions.CreateOrganizationRunnerGroup(ctx, org, github.CreateRunnerGroupRequest{
			Name:                  github.String("go-group"),
			Visibility:            github.String("selected"),
			SelectedRepositoryIDs: []int64{repoID},
		})
		must(err, "CreateOrganizationRunnerGroup")
		status(resp, http.StatusCreated, "create")
		truth(created.GetID() > 1, "id %d", created.GetID())
		equal(created.GetName(), "go-group", "name")
		equal(created.GetVisibility(), "selected", "visibility")
		equal(created.GetDefault(), false, "default")
		equal(created.GetInherited(), false, "inherited")
		id := fmt.Sprintf("/%d/", created.GetID())
		truth(strings.HasPrefix(created.GetRunnersURL(), strings.TrimRight(apiURL, "/")+"/orgs/"+org+"/actions/") &&
			strings.HasSuffix(created.GetRunnersURL(), id+"runners"), "runners_url %q", created.GetRunnersURL())
		truth(strings.HasSuffix(created.GetSelectedRepositoriesURL(), id+"repositories"),
			"selected_repositories_url %q", created.GetSelectedRepositoriesURL())
		group = created
	})

	check("runner groups: GetOrganizationRunnerGroup answers the created group", func() {
		earlier(group != nil)
		got, resp, err := client.Actions.GetOrganizationRunnerGroup(ctx, org, group.GetID())
		must(err, "GetOrganizationRunnerGroup")
		status(resp, http.StatusOK, "get")
		deepEqual(got, group, "the group")
	})

	check("runner groups: UpdateOrganizationRunnerGroup renames it", func() {
		earlier(group != nil)
		updated, resp, err := client.Actions.UpdateOrganizationRunnerGroup(ctx, org, group.GetID(), github.UpdateRunnerGroupRequest{
			Name: github.String("go-group-renamed"),
		})
		must(err, "UpdateOrganizationRunnerGroup")
		status(resp, http.StatusOK, "update")
		equal(updated.GetID(), group.GetID(), "id")
		equal(updated.GetName(), "go-group-renamed", "name")
		got, _, err := client.Actions.GetOrganizationRunnerGroup(ctx, org, group.GetID())
		must(err, "GetOrganizationRunnerGroup")
		deepEqual(got, updated, "the group read back")
		group = updated
	})

	check("runner groups: VisibleToRepository lists only the groups octo-repo may use", func() {
		hidden, resp, err := client.Actions.CreateOrganizationRunnerGroup(ctx, org, github.CreateRunnerGroupRequest{
			Name:       github.String("go-hidden-group"),
			Visibility: github.String("selected"),
		})
		must(err, "create a group without repositories")
		status(resp, http.StatusCreated, "create")
		all, _, err := client.Actions.ListOrganizationRunnerGroups(ctx, org, nil)
		must(err, "list every group")
		names := groupNames(all.RunnerGroups)
		truth(contains(names, "Default") && contains(names, "go-group-renamed") && contains(names, "go-hidden-group"), "every group: %v", names)
		visible, resp, err := client.Actions.ListOrganizationRunnerGroups(ctx, org, &github.ListOrgRunnerGroupOptions{VisibleToRepository: repo})
		must(err, "list the groups visible to octo-repo")
		status(resp, http.StatusOK, "list")
		names = groupNames(visible.RunnerGroups)
		truth(contains(names, "Default") && contains(names, "go-group-renamed") && !contains(names, "go-hidden-group"),
			"groups visible to %s: %v", repo, names)
		equal(visible.TotalCount, len(visible.RunnerGroups), "total_count")
		resp, err = client.Actions.DeleteOrganizationRunnerGroup(ctx, org, hidden.GetID())
		must(err, "delete the hidden group")
		status(resp, http.StatusNoContent, "delete")
	})

	check("runner groups: a taken name is an *github.ErrorResponse 422", func() {
		_, _, err := client.Actions.CreateOrganizationRunnerGroup(ctx, org, github.CreateRunnerGroupRequest{
			Name: github.String("go-group-renamed"),
		})
		e := wantError(err, http.StatusUnprocessableEntity, "")
		truth(e.Message != "", "no message")
	})

	check("runner groups: an unknown group is an *github.ErrorResponse 404 Not Found", func() {
		_, _, err := client.Actions.GetOrganizationRunnerGroup(ctx, org, 999999)
		wantError(err, http.StatusNotFound, "Not Found")
	})

	orgToken := ""
	var r1, r2, r3 *runner322
	check("runner groups: a runner registers into the group (runner_group), ListRunnerGroupRunners lists it", func() {
		earlier(group != nil)
		token, _, err := client.Actions.CreateOrganizationRegistrationToken(ctx, org)
		must(err, "registration token")
		orgToken = token.GetToken()
		r1 = register(orgToken, "go-grouped-1", map[string]any{"runner_group": "go-group-renamed"})
		truth(r1.RunnerGroupID != nil, "no runner_group_id: %s", show(r1))
		equal(*r1.RunnerGroupID, group.GetID(), "runner_group_id")
		runners, resp, err := client.Actions.ListRunnerGroupRunners(ctx, org, group.GetID(), nil)
		must(err, "ListRunnerGroupRunners")
		status(resp, http.StatusOK, "list")
		equal(runners.TotalCount, 1, "total_count")
		deepEqual(runnerNames(runners.Runners), []string{"go-grouped-1"}, "names")
	})

	groupOf := func(r *runner322) int64 {
		got := scopes()[1].getRunner322(r.GetID())
		truth(got.RunnerGroupID != nil, "no runner_group_id: %s", show(got))
		return *got.RunnerGroupID
	}
	inGroup := func(id int64) []string {
		runners, _, err := client.Actions.ListRunnerGroupRunners(ctx, org, id, &github.ListOptions{PerPage: 100})
		must(err, "ListRunnerGroupRunners")
		equal(runners.TotalCount, len(runners.Runners), "total_count")
		return sorted(runnerNames(runners.Runners)...)
	}

	check("runner groups: SetRunnerGroupRunners replaces the group's runners; the one left out returns to Default", func() {
		earlier(group != nil && r1 != nil)
		r2 = register(orgToken, "go-grouped-2", nil)
		r3 = register(orgToken, "go-grouped-3", nil)
		equal(groupOf(r2), int64(1), "a new runner's group")
		resp, err := client.Actions.SetRunnerGroupRunners(ctx, org, group.GetID(), github.SetRunnerGroupRunnersRequest{
			Runners: []int64{r2.GetID(), r3.GetID()},
		})
		must(err, "SetRunnerGroupRunners")
		status(resp, http.StatusNoContent, "set")
		deepEqual(inGroup(group.GetID()), []string{"go-grouped-2", "go-grouped-3"}, "the group's runners")
		equal(groupOf(r1), int64(1), "go-grouped-1's group")
	})

	check("runner groups: AddRunnerGroupRunners adds one", func() {
		earlier(group != nil && r1 != nil && r2 != nil && r3 != nil)
		resp, err := client.Actions.AddRunnerGroupRunners(ctx, org, group.GetID(), r1.GetID())
		must(err, "AddRunnerGroupRunners")
		status(resp, http.StatusNoContent, "add")
		deepEqual(inGroup(group.GetID()), []string{"go-grouped-1", "go-grouped-2", "go-grouped-3"}, "the group's runners")
		equal(groupOf(r1), group.GetID(), "go-grouped-1's group")
	})

	check("runner groups: RemoveRunnerGroupRunners sends one back to Default", func() {
		earlier(group != nil && r1 != nil && r2 != nil && r3 != nil)
		resp, err := client.Actions.RemoveRunnerGroupRunners(ctx, org, group.GetID(), r2.GetID())
		must(err, "RemoveRunnerGroupRunners")
		status(resp, http.StatusNoContent, "remove")
		deepEqual(inGroup(group.GetID()), []string{"go-grouped-1", "go-grouped-3"}, "the group's runners")
		equal(groupOf(r2), int64(1), "go-grouped-2's group")
	})

	check("runner groups: ListRunnerGroupRunners pages with resp.NextPage and resp.LastPage", func() {
		earlier(group != nil && r1 != nil && r2 != nil && r3 != nil)
		runners, resp, err := client.Actions.ListRunnerGroupRunners(ctx, org, group.GetID(), &github.ListOptions{PerPage: 1})
		must(err, "page 1")
		equal(runners.TotalCount, 2, "total_count")
		equal(len(runners.Runners), 1, "runners on page 1")
		equal(resp.NextPage, 2, "NextPage")
		equal(resp.LastPage, 2, "LastPage")
		second, resp, err := client.Actions.ListRunnerGroupRunners(ctx, org, group.GetID(), &github.ListOptions{PerPage: 1, Page: 2})
		must(err, "page 2")
		equal(resp.NextPage, 0, "NextPage of the last page")
		equal(resp.PrevPage, 1, "PrevPage of the last page")
		deepEqual(sorted(append(runnerNames(runners.Runners), runnerNames(second.Runners)...)...),
			[]string{"go-grouped-1", "go-grouped-3"}, "both pages")
	})

	access := func() []int64 {
		repos, resp, err := client.Actions.ListRepositoryAccessRunnerGroup(ctx, org, group.GetID(), nil)
		must(err, "ListRepositoryAccessRunnerGroup")
		status(resp, http.StatusOK, "list repository access")
		truth(repos.TotalCount != nil, "no total_count")
		equal(*repos.TotalCount, len(repos.Repositories), "total_count")
		ids := []int64{}
		for _, r := range repos.Repositories {
			ids = append(ids, r.GetID())
		}
		return ids
	}

	check("runner groups: ListRepositoryAccessRunnerGroup lists octo-repo", func() {
		earlier(group != nil)
		repos, _, err := client.Actions.ListRepositoryAccessRunnerGroup(ctx, org, group.GetID(), nil)
		must(err, "ListRepositoryAccessRunnerGroup")
		truth(len(repos.Repositories) == 1, "repositories: %s", show(repos))
		equal(repos.Repositories[0].GetID(), repoID, "id")
		equal(repos.Repositories[0].GetFullName(), owner+"/"+repo, "full_name")
	})

	check("runner groups: SetRepositoryAccessRunnerGroup to no repository", func() {
		earlier(group != nil)
		resp, err := client.Actions.SetRepositoryAccessRunnerGroup(ctx, org, group.GetID(), github.SetRepoAccessRunnerGroupRequest{
			SelectedRepositoryIDs: []int64{},
		})
		must(err, "SetRepositoryAccessRunnerGroup")
		status(resp, http.StatusNoContent, "set")
		deepEqual(access(), []int64{}, "repository ids")
	})

	check("runner groups: AddRepositoryAccessRunnerGroup adds octo-repo", func() {
		earlier(group != nil)
		resp, err := client.Actions.AddRepositoryAccessRunnerGroup(ctx, org, group.GetID(), repoID)
		must(err, "AddRepositoryAccessRunnerGroup")
		status(resp, http.StatusNoContent, "add")
		deepEqual(access(), []int64{repoID}, "repository ids")
	})

	check("runner groups: RemoveRepositoryAccessRunnerGroup removes it", func() {
		earlier(group != nil)
		resp, err := client.Actions.RemoveRepositoryAccessRunnerGroup(ctx, org, group.GetID(), repoID)
		must(err, "RemoveRepositoryAccessRunnerGroup")
		status(resp, http.StatusNoContent, "remove")
		deepEqual(access(), []int64{}, "repository ids")
	})

	check("runner groups: SetRepositoryAccessRunnerGroup to octo-repo", func() {
		earlier(group != nil)
		resp, err := client.Actions.SetRepositoryAccessRunnerGroup(ctx, org, group.GetID(), github.SetRepoAccessRunnerGroupRequest{
			SelectedRepositoryIDs: []int64{repoID},
		})
		must(err, "SetRepositoryAccessRunnerGroup")
		status(resp, http.StatusNoContent, "set")
		deepEqual(access(), []int64{repoID}, "repository ids")
	})

	check("runner groups: DeleteOrganizationRunnerGroup (204) moves its runners to Default", func() {
		earlier(group != nil && r1 != nil && r2 != nil && r3 != nil)
		resp, err := client.Actions.DeleteOrganizationRunnerGroup(ctx, org, group.GetID())
		must(err, "DeleteOrganizationRunnerGroup")
		status(resp, http.StatusNoContent, "delete")
		_, _, err = client.Actions.GetOrganizationRunnerGroup(ctx, org, group.GetID())
		wantError(err, http.StatusNotFound, "Not Found")
		equal(groupOf(r1), int64(1), "go-grouped-1's group")
		equal(groupOf(r3), int64(1), "go-grouped-3's group")
		inDefault := inGroup(1)
		for _, name := range []string{"go-grouped-1", "go-grouped-2", "go-grouped-3"} {
			truth(contains(inDefault, name), "%s is not in Default: %v", name, inDefault)
		}
	})

	check("runner groups: the Default group cannot be deleted", func() {
		_, err := client.Actions.DeleteOrganizationRunnerGroup(ctx, org, 1)
		wantClientError(err)
		got, _, err := client.Actions.GetOrganizationRunnerGroup(ctx, org, 1)
		must(err, "GetOrganizationRunnerGroup 1")
		equal(got.GetName(), "Default", "name")
	})
}

// --- Enterprise runner groups: the raw-request API -----------------------------

// enterpriseGroups is the body of list enterprise runner groups.
type enterpriseGroups struct {
	TotalCount   int                `json:"total_count"`
	RunnerGroups []*enterpriseGroup `json:"runner_groups"`
}

// enterpriseGroup is runner-groups-enterprise: go-github v48's RunnerGroup
// plus selected_organizations_url.
type enterpriseGroup struct {
	github.RunnerGroup
	SelectedOrganizationsURL *string `json:"selected_organizations_url,omitempty"`
}

func enterpriseRunnerGroups() {
	base := "enterprises/" + enterprise + "/actions/runner-groups"
	var orgID int64
	check("organizations: Organizations.Get shows octo-org's numeric id", func() {
		o, resp, err := client.Organizations.Get(ctx, org)
		must(err, "Organizations.Get")
		status(resp, http.StatusOK, "Organizations.Get")
		equal(o.GetLogin(), org, "login")
		truth(o.GetID() > 0, "id %d", o.GetID())
		orgID = o.GetID()
	})

	check("enterprise runner groups: the list has Default (id 1, default, visibility all)", func() {
		groups := new(enterpriseGroups)
		resp, err := raw("GET", base, nil, groups)
		must(err, "GET "+base)
		status(resp, http.StatusOK, "list")
		equal(groups.TotalCount, len(groups.RunnerGroups), "total_count")
		var def *enterpriseGroup
		for _, g := range groups.RunnerGroups {
			if g.GetDefault() {
				truth(def == nil, "two default groups: %s", show(groups))
				def = g
			}
		}
		truth(def != nil, "no default group: %s", show(groups))
		equal(def.GetID(), int64(1), "id")
		equal(def.GetName(), "Default", "name")
		equal(def.GetDefault(), true, "default")
		equal(def.GetVisibility(), "all", "visibility")
	})

	var group *enterpriseGroup
	check("enterprise runner groups: create one shared with octo-org (201)", func() {
		created := new(enterpriseGroup)
		resp, err := raw("POST", base, map[string]any{
			"name":                      "go-enterprise-group",
			"visibility":                "selected",
			"selected_organization_ids": []int64{orgID},
		}, created)
		must(err, "POST "+base)
		status(resp, http.StatusCreated, "create")
		truth(created.GetID() > 1, "id %d", created.GetID())
		equal(created.GetName(), "go-enterprise-group", "name")
		equal(created.GetVisibility(), "selected", "visibility")
		equal(created.GetDefault(), false, "default")
		truth(strings.HasSuffix(created.GetRunnersURL(), fmt.Sprintf("/%d/runners", created.GetID())), "runners_url %q", created.GetRunnersURL())
		got := new(enterpriseGroup)
		_, err = raw("GET", fmt.Sprintf("%s/%d", base, created.GetID()), nil, got)
		must(err, "get the group")
		deepEqual(got, created, "the group read back")
		group = created
	})

	orgSees := func() *github.RunnerGroup {
		groups, _, err := client.Actions.ListOrganizationRunnerGroups(ctx, org, nil)
		must(err, "ListOrganizationRunnerGroups")
		for _, g := range groups.RunnerGroups {
			if g.GetName() == "go-enterprise-group" {
				return g
			}
		}
		return nil
	}

	check("enterprise runner groups: octo-org's ListOrganizationRunnerGroups shows it inherited", func() {
		earlier(group != nil)
		shared := orgSees()
		truth(shared != nil, "octo-org does not see the enterprise's group")
		equal(shared.GetInherited(), true, "inherited")
	})

	check("enterprise runner groups: its organization access lists octo-org", func() {
		earlier(group != nil)
		var body struct {
			TotalCount    int                    `json:"total_count"`
			Organizations []*github.Organization `json:"organizations"`
		}
		resp, err := raw("GET", fmt.Sprintf("%s/%d/organizations", base, group.GetID()), nil, &body)
		must(err, "list organization access")
		status(resp, http.StatusOK, "list")
		equal(body.TotalCount, 1, "total_count")
		truth(len(body.Organizations) == 1, "organizations: %s", show(body))
		equal(body.Organizations[0].GetLogin(), org, "login")
		equal(body.Organizations[0].GetID(), orgID, "id")
	})

	var runner *runner322
	check("enterprise runner groups: an enterprise runner registers into it and is listed there", func() {
		earlier(group != nil)
		token, _, err := client.Enterprise.CreateRegistrationToken(ctx, enterprise)
		must(err, "registration token")
		runner = register(token.GetToken(), "go-enterprise-grouped", map[string]any{"runner_group": "go-enterprise-group"})
		truth(runner.RunnerGroupID != nil, "no runner_group_id: %s", show(runner))
		equal(*runner.RunnerGroupID, group.GetID(), "runner_group_id")
		runners := new(github.Runners)
		resp, err := raw("GET", fmt.Sprintf("%s/%d/runners", base, group.GetID()), nil, runners)
		must(err, "list the group's runners")
		status(resp, http.StatusOK, "list")
		equal(runners.TotalCount, 1, "total_count")
		deepEqual(runnerNames(runners.Runners), []string{"go-enterprise-grouped"}, "names")
	})

	check("enterprise runner groups: removing octo-org's access hides it from octo-org", func() {
		earlier(group != nil)
		resp, err := raw("DELETE", fmt.Sprintf("%s/%d/organizations/%d", base, group.GetID(), orgID), nil, nil)
		must(err, "remove organization access")
		status(resp, http.StatusNoContent, "remove")
		truth(orgSees() == nil, "octo-org still sees the group")
	})

	check("enterprise runner groups: delete it (204); its runner returns to Default", func() {
		earlier(group != nil && runner != nil)
		resp, err := raw("DELETE", fmt.Sprintf("%s/%d", base, group.GetID()), nil, nil)
		must(err, "delete the group")
		status(resp, http.StatusNoContent, "delete")
		_, err = raw("GET", fmt.Sprintf("%s/%d", base, group.GetID()), nil, new(enterpriseGroup))
		wantError(err, http.StatusNotFound, "Not Found")
		got := scopes()[0].getRunner322(runner.GetID())
		truth(got.RunnerGroupID != nil, "no runner_group_id: %s", show(got))
		equal(*got.RunnerGroupID, int64(1), "runner_group_id")
	})
}
