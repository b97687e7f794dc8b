//! Runner groups of enterprises and organizations: which organizations or
//! repositories may use which runners (SPEC §7).
//!
//! Every enterprise and organization has its default group, shown with id
//! 1; a runner joins its scope's default group unless it names another. An
//! organization also sees, as `inherited`, the groups of its enterprise that
//! serve it. Groups are only managed through the scope that owns them.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::memory::{GroupEntry, Memory, ScopeEntry};
use super::{PageRequest, Service, Writer};
use crate::error::{Error, FieldError};
use crate::model::{Page, Scope, Visibility};
use crate::store::{self, groups};
use crate::version::Feature;

/// Whose group it is: the two kinds differ in what they give access to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// Serves organizations of the enterprise.
    Enterprise,
    /// Serves repositories of the organization.
    Org,
}

impl GroupKind {
    fn of(scope: &Scope) -> Result<GroupKind, Error> {
        match scope {
            Scope::Enterprise(_) => Ok(GroupKind::Enterprise),
            Scope::Org(_) => Ok(GroupKind::Org),
            Scope::Repo { .. } => Err(Error::NotFound),
        }
    }

    /// The resource GitHub names in its validation errors.
    fn selected_field(self) -> &'static str {
        match self {
            GroupKind::Enterprise => "selected_organization_ids",
            GroupKind::Org => "selected_repository_ids",
        }
    }
}

/// A runner group as the scope asking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupView {
    /// The id GitHub shows: 1 for the default group.
    pub number: i64,
    pub name: String,
    pub visibility: Visibility,
    pub default: bool,
    /// An enterprise's group seen from one of its organizations.
    pub inherited: bool,
    pub allows_public_repositories: bool,
    pub restricted_to_workflows: bool,
    pub selected_workflows: Vec<String>,
}

impl GroupView {
    fn of(group: &GroupEntry, inherited: bool) -> GroupView {
        GroupView {
            number: group.number(),
            name: group.name.to_string(),
            visibility: group.visibility,
            default: group.is_default,
            inherited,
            allows_public_repositories: group.allows_public_repositories,
            restricted_to_workflows: group.restricted_to_workflows,
            selected_workflows: group.selected_workflows.clone(),
        }
    }
}

/// The body of "create a self-hosted runner group".
#[derive(Debug, Clone, Deserialize)]
pub struct NewGroup {
    pub name: String,
    pub visibility: Option<Visibility>,
    pub selected_repository_ids: Option<Vec<i64>>,
    pub selected_organization_ids: Option<Vec<i64>>,
    pub runners: Option<Vec<i64>>,
    pub allows_public_repositories: Option<bool>,
    pub restricted_to_workflows: Option<bool>,
    pub selected_workflows: Option<Vec<String>>,
}

/// The body of "update a self-hosted runner group".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupChange {
    pub name: Option<String>,
    pub visibility: Option<Visibility>,
    pub allows_public_repositories: Option<bool>,
    pub restricted_to_workflows: Option<bool>,
    pub selected_workflows: Option<Vec<String>>,
}

/// The organizations or repositories a group serves, by scope, with what
/// a body needs to show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessList {
    /// Each one's id and scope, in the order they were given.
    pub members: Vec<(i64, Scope)>,
    /// The owner of the repositories (an organization group's scope): id
    /// and login.
    pub owner: Option<(i64, String)>,
}

/// GitHub's wording for a group that another scope manages.
fn managed_elsewhere(group: &GroupView) -> Error {
    custom(format!(
        "Runner group \"{}\" is shared by the enterprise and can only be changed there",
        group.name
    ))
}

impl Service {
    /// The scope's entry and kind; an unknown scope has no group.
    fn group_scope<'m>(
        memory: &'m Memory,
        scope: &Scope,
    ) -> Result<(&'m ScopeEntry, GroupKind), Error> {
        let kind = GroupKind::of(scope)?;
        Ok((memory.scope(scope).ok_or(Error::NotFound)?, kind))
    }

    /// The scope's own group shown with `number`, or an inherited one
    /// (whose view says so).
    fn find_group<'m>(
        memory: &'m Memory,
        entry: &'m ScopeEntry,
        number: i64,
    ) -> Result<(&'m GroupEntry, bool), Error> {
        if let Some(group) = memory.group_numbered(entry, number) {
            return Ok((group, false));
        }
        memory
            .inherited_groups(entry)
            .find(|g| g.number() == number)
            .map(|g| (g, true))
            .ok_or(Error::NotFound)
    }

    /// The group a write is for: the scope's own, not an inherited one.
    fn own_group(&self, scope: &Scope, number: i64) -> Result<(GroupEntry, GroupKind), Error> {
        let memory = self.memory();
        let (entry, kind) = Self::group_scope(&memory, scope)?;
        match Self::find_group(&memory, entry, number)? {
            (group, false) => Ok((group.clone(), kind)),
            (group, true) => Err(managed_elsewhere(&GroupView::of(group, true))),
        }
    }

    /// A scope's groups, own then inherited, in id order, optionally only
    /// those a repository (organization) or organization (enterprise) may
    /// use. Filters arrived in 3.6; before, GHES ignores them.
    #[tracing::instrument(skip(self))]
    pub async fn list_groups(
        &self,
        scope: &Scope,
        request: PageRequest,
        visible_to: Option<&str>,
    ) -> Result<Page<Vec<GroupView>>, Error> {
        let memory = self.memory();
        let kind = GroupKind::of(scope)?;
        let visible_to = visible_to.filter(|_| self.has(Feature::GroupVisibilityFilter));
        let Some(entry) = memory.scope(scope) else {
            return Ok(page_of(Vec::new(), request));
        };
        // The scope id of the repository or organization asked about; none
        // when it names nothing, which no group serves.
        let visible_to = visible_to.map(|name| {
            let asked = match kind {
                GroupKind::Org => {
                    let repo = name.rsplit('/').next().unwrap_or(name);
                    Scope::Repo {
                        owner: entry.scope.name(),
                        repo: repo.to_owned(),
                    }
                }
                GroupKind::Enterprise => Scope::Org(name.to_owned()),
            };
            memory
                .scope(&asked)
                .filter(|org| kind == GroupKind::Org || org.enterprise_id == Some(entry.id))
                .map(|s| s.id)
        });
        let shown = |group: &GroupEntry| match visible_to {
            None => true,
            Some(None) => false,
            Some(Some(id)) => group.serves(id),
        };
        let own = memory
            .groups_of(entry)
            .filter(|g| shown(g))
            .map(|g| GroupView::of(g, false));
        let inherited: Vec<GroupView> = match kind {
            GroupKind::Org => memory
                .inherited_groups(entry)
                .filter(|_| visible_to != Some(None))
                .map(|g| GroupView::of(g, true))
                .collect(),
            GroupKind::Enterprise => Vec::new(),
        };
        let mut all: Vec<GroupView> = own.chain(inherited).collect();
        all.sort_by_key(|g| g.number);
        Ok(page_of(all, request))
    }

    #[tracing::instrument(skip(self))]
    pub async fn get_group(&self, scope: &Scope, number: i64) -> Result<GroupView, Error> {
        let memory = self.memory();
        let (entry, _) = Self::group_scope(&memory, scope)?;
        let (group, inherited) = Self::find_group(&memory, entry, number)?;
        Ok(GroupView::of(group, inherited))
    }

    /// Creates a group, with the repositories or organizations it serves
    /// and the runners it takes in.
    #[tracing::instrument(skip(self, new), fields(name = %new.name))]
    pub async fn create_group(&self, scope: &Scope, new: NewGroup) -> Result<GroupView, Error> {
        let kind = GroupKind::of(scope)?;
        check_group_name(&new.name).map_err(|r| Error::invalid("RunnerGroup", "name", r))?;
        let visibility = new.visibility.unwrap_or(Visibility::All);
        check_visibility(kind, visibility)?;
        let mut writer = self.writer().await?;
        let scope_id = writer.ensure_scope(scope).await?;
        let (selected_ids, runners) = {
            let memory = self.memory();
            let entry = memory.scope_by_id(scope_id).ok_or(Error::NotFound)?;
            if memory.group_named(entry, &new.name).is_some() {
                return Err(name_taken(&new.name));
            }
            let selected = match kind {
                GroupKind::Enterprise => new.selected_organization_ids,
                GroupKind::Org => new.selected_repository_ids,
            };
            let selected_ids = check_members(&memory, entry, kind, selected.unwrap_or_default())?;
            let runners = check_runners(entry, &new.runners.unwrap_or_default())?;
            (selected_ids, runners)
        };
        let workflows = self.has(Feature::WorkflowRestrictions);
        let row = groups::GroupRow {
            runner_group_id: 0,
            scope_id,
            name: new.name.trim().to_owned(),
            is_default: false,
            visibility: visibility.as_str().to_owned(),
            allows_public_repositories: new.allows_public_repositories.unwrap_or(false),
            restricted_to_workflows: workflows && new.restricted_to_workflows.unwrap_or(false),
            selected_workflows: json_list(
                &new.selected_workflows
                    .filter(|_| workflows)
                    .unwrap_or_default(),
            ),
            selected_ids: json_list(&selected_ids),
        };
        let tx = async {
            let mut tx = sqlx::Connection::begin(writer.conn()?).await?;
            let stored = groups::insert(&mut *tx, &row).await?;
            store::runners::set_group(&mut *tx, &runners, stored.runner_group_id).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(stored)
        };
        let stored = match tx.await {
            Ok(stored) => stored,
            Err(error) if store::is_unique_violation(&error) => return Err(name_taken(&new.name)),
            Err(error) => return Err(error.into()),
        };
        let id = stored.runner_group_id;
        writer.apply(|memory| {
            memory.add_group(stored)?;
            memory.move_runners(&runners, id);
            Ok::<_, sqlx::Error>(())
        })?;
        let memory = self.memory();
        Ok(GroupView::of(
            memory.group(id).ok_or(Error::NotFound)?,
            false,
        ))
    }

    /// Renames a group or changes whom it serves. The default group keeps
    /// its name.
    #[tracing::instrument(skip(self))]
    pub async fn update_group(
        &self,
        scope: &Scope,
        number: i64,
        change: GroupChange,
    ) -> Result<GroupView, Error> {
        let mut writer = self.writer().await?;
        let (group, kind) = self.own_group(scope, number)?;
        let mut row = group.row();
        if let Some(name) = change.name.as_deref().map(str::trim) {
            check_group_name(name).map_err(|r| Error::invalid("RunnerGroup", "name", r))?;
            if group.is_default && name != &*group.name {
                return Err(custom(
                    "The default runner group cannot be renamed".to_owned(),
                ));
            }
            let memory = self.memory();
            let entry = memory.scope_by_id(group.scope_id).ok_or(Error::NotFound)?;
            if memory
                .group_named(entry, name)
                .is_some_and(|other| other.id != group.id)
            {
                return Err(name_taken(name));
            }
            row.name = name.to_owned();
        }
        if let Some(visibility) = change.visibility {
            check_visibility(kind, visibility)?;
            row.visibility = visibility.as_str().to_owned();
        }
        if let Some(allows) = change.allows_public_repositories {
            row.allows_public_repositories = allows;
        }
        if self.has(Feature::WorkflowRestrictions) {
            if let Some(restricted) = change.restricted_to_workflows {
                row.restricted_to_workflows = restricted;
            }
            if let Some(workflows) = &change.selected_workflows {
                row.selected_workflows = json_list(workflows);
            }
        }
        self.store_group(&mut writer, row).await
    }

    /// Writes a group's settings and shows it as its scope sees it.
    async fn store_group(
        &self,
        writer: &mut Writer,
        row: groups::GroupRow,
    ) -> Result<GroupView, Error> {
        let id = row.runner_group_id;
        match groups::update(writer.conn()?, &row).await {
            Ok(()) => {}
            Err(error) if store::is_unique_violation(&error) => {
                writer.settle();
                return Err(name_taken(&row.name));
            }
            Err(error) => return Err(error.into()),
        }
        writer.apply(|memory| memory.update_group(row))?;
        let memory = self.memory();
        Ok(GroupView::of(
            memory.group(id).ok_or(Error::NotFound)?,
            false,
        ))
    }

    /// Deletes a group; its runners go back to the default group.
    #[tracing::instrument(skip(self))]
    pub async fn delete_group(&self, scope: &Scope, number: i64) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        let (group, _) = self.own_group(scope, number)?;
        if group.is_default {
            return Err(custom(
                "The default runner group cannot be deleted".to_owned(),
            ));
        }
        let default = self.default_group_id(group.scope_id)?;
        let mut tx = sqlx::Connection::begin(writer.conn()?).await?;
        groups::move_runners(&mut *tx, group.id, default).await?;
        groups::delete(&mut *tx, group.id).await?;
        tx.commit().await?;
        writer.apply(|memory| memory.remove_group(group.id, default));
        Ok(())
    }

    /// The stored id of a scope's default group.
    fn default_group_id(&self, scope_id: i64) -> Result<i64, Error> {
        let memory = self.memory();
        memory
            .scope_by_id(scope_id)
            .and_then(|entry| memory.default_group(entry))
            .map(|g| g.id)
            .ok_or(Error::NotFound)
    }

    /// A page of a group's runners, as a JSON array.
    #[tracing::instrument(skip(self))]
    pub async fn list_group_runners(
        &self,
        scope: &Scope,
        number: i64,
        request: PageRequest,
    ) -> Result<Page<Box<RawValue>>, Error> {
        let memory = self.memory();
        let (entry, _) = Self::group_scope(&memory, scope)?;
        let (group, inherited) = Self::find_group(&memory, entry, number)?;
        // An inherited group's runners are its enterprise's.
        let owner = if inherited {
            memory.scope_by_id(group.scope_id).ok_or(Error::NotFound)?
        } else {
            entry
        };
        let ids = group.runner_page(request.per_page, request.offset());
        let items = memory
            .runners_json(owner, ids.iter())
            .map_err(|e| sqlx::Error::Encode(e.into()))?;
        Ok(Page {
            items,
            total_count: group.runner_ids().len() as i64,
            page: request.page,
            per_page: request.per_page,
        })
    }

    /// Makes these runners, and no others, the group's; the runners it
    /// loses go back to the default group.
    #[tracing::instrument(skip(self))]
    pub async fn set_group_runners(
        &self,
        scope: &Scope,
        number: i64,
        runner_ids: &[i64],
    ) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        let (group, _) = self.own_group(scope, number)?;
        let (runners, lost) = {
            let memory = self.memory();
            let entry = memory.scope_by_id(group.scope_id).ok_or(Error::NotFound)?;
            let runners = check_runners(entry, runner_ids)?;
            let lost: Vec<i64> = group
                .runner_ids()
                .iter()
                .filter(|id| !runners.contains(id))
                .copied()
                .collect();
            (runners, lost)
        };
        let default = self.default_group_id(group.scope_id)?;
        let lost = if group.is_default { Vec::new() } else { lost };
        let mut tx = sqlx::Connection::begin(writer.conn()?).await?;
        store::runners::set_group(&mut *tx, &lost, default).await?;
        store::runners::set_group(&mut *tx, &runners, group.id).await?;
        tx.commit().await?;
        writer.apply(|memory| {
            memory.move_runners(&lost, default);
            memory.move_runners(&runners, group.id);
        });
        Ok(())
    }

    /// Moves a runner of the scope into the group.
    #[tracing::instrument(skip(self))]
    pub async fn add_group_runner(
        &self,
        scope: &Scope,
        number: i64,
        runner_id: i64,
    ) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        let (group, _) = self.own_group(scope, number)?;
        {
            let memory = self.memory();
            let entry = memory.scope_by_id(group.scope_id).ok_or(Error::NotFound)?;
            if entry.runner(runner_id).is_none() {
                return Err(match memory.find_runner(runner_id) {
                    Some(_) => runner_of_another_scope(runner_id),
                    None => Error::NotFound,
                });
            }
        }
        store::runners::set_group(writer.conn()?, &[runner_id], group.id).await?;
        writer.apply(|memory| memory.move_runners(&[runner_id], group.id));
        Ok(())
    }

    /// Takes a runner out of the group, back to the default group.
    #[tracing::instrument(skip(self))]
    pub async fn remove_group_runner(
        &self,
        scope: &Scope,
        number: i64,
        runner_id: i64,
    ) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        let (group, _) = self.own_group(scope, number)?;
        if !group.runner_ids().contains(&runner_id) {
            return Err(Error::NotFound);
        }
        if group.is_default {
            return Err(custom(
                "A runner leaves the default group by joining another group".to_owned(),
            ));
        }
        let default = self.default_group_id(group.scope_id)?;
        store::runners::set_group(writer.conn()?, &[runner_id], default).await?;
        writer.apply(|memory| memory.move_runners(&[runner_id], default));
        Ok(())
    }

    /// The organizations (enterprise group) or repositories (organization
    /// group) a group is set to serve when its visibility is `selected`.
    #[tracing::instrument(skip(self))]
    pub async fn list_group_access(
        &self,
        scope: &Scope,
        number: i64,
        request: PageRequest,
    ) -> Result<Page<AccessList>, Error> {
        let memory = self.memory();
        let (entry, kind) = Self::group_scope(&memory, scope)?;
        let (group, inherited) = Self::find_group(&memory, entry, number)?;
        // An inherited group serves the whole organization here.
        let ids = if inherited {
            &[][..]
        } else {
            &group.selected_ids[..]
        };
        let start = usize::try_from(request.offset()).map_or(ids.len(), |o| o.min(ids.len()));
        let end = start
            .saturating_add(request.per_page as usize)
            .min(ids.len());
        let members = ids[start..end]
            .iter()
            .filter_map(|&id| Some((id, memory.scope_by_id(id)?.scope.clone())))
            .collect();
        let owner = (kind == GroupKind::Org).then(|| (entry.id, entry.scope.name()));
        Ok(Page {
            items: AccessList { members, owner },
            total_count: ids.len() as i64,
            page: request.page,
            per_page: request.per_page,
        })
    }

    /// Replaces the organizations or repositories a group serves.
    #[tracing::instrument(skip(self))]
    pub async fn set_group_access(
        &self,
        scope: &Scope,
        number: i64,
        ids: Vec<i64>,
    ) -> Result<(), Error> {
        self.change_access(scope, number, |_, _| Ok(ids)).await
    }

    /// Adds one organization or repository to those a group serves.
    #[tracing::instrument(skip(self))]
    pub async fn add_group_access(&self, scope: &Scope, number: i64, id: i64) -> Result<(), Error> {
        self.change_access(scope, number, |mut ids, known| {
            if !known(id) {
                return Err(Error::NotFound);
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
            Ok(ids)
        })
        .await
    }

    /// Stops a group serving one organization or repository.
    #[tracing::instrument(skip(self))]
    pub async fn remove_group_access(
        &self,
        scope: &Scope,
        number: i64,
        id: i64,
    ) -> Result<(), Error> {
        self.change_access(scope, number, |mut ids, _| {
            let before = ids.len();
            ids.retain(|&other| other != id);
            if ids.len() == before {
                return Err(Error::NotFound);
            }
            Ok(ids)
        })
        .await
    }

    /// Changes a `selected` group's list with `change`, which gets the list
    /// and a check of whether an id names an organization or repository the
    /// group may serve.
    async fn change_access(
        &self,
        scope: &Scope,
        number: i64,
        change: impl FnOnce(Vec<i64>, &dyn Fn(i64) -> bool) -> Result<Vec<i64>, Error>,
    ) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        let (group, kind) = self.own_group(scope, number)?;
        if group.visibility != Visibility::Selected {
            return Err(custom(format!(
                "Runner group \"{}\" serves {} with visibility \"{}\"; set its visibility to \"selected\" to choose",
                group.name,
                match kind {
                    GroupKind::Enterprise => "every organization",
                    GroupKind::Org => "every repository",
                },
                group.visibility
            )));
        }
        let ids = {
            let memory = self.memory();
            let entry = memory.scope_by_id(group.scope_id).ok_or(Error::NotFound)?;
            let known = |id| member_of(&memory, entry, kind, id);
            let ids = change(group.selected_ids.clone(), &known)?;
            check_members(&memory, entry, kind, ids)?
        };
        let mut row = group.row();
        row.selected_ids = json_list(&ids);
        self.store_group(&mut writer, row).await.map(drop)
    }
}

/// A list page of what is already in memory.
fn page_of<T>(mut all: Vec<T>, request: PageRequest) -> Page<Vec<T>> {
    let total_count = all.len() as i64;
    let start = usize::try_from(request.offset()).map_or(all.len(), |o| o.min(all.len()));
    all.drain(..start);
    all.truncate(request.per_page as usize);
    Page {
        items: all,
        total_count,
        page: request.page,
        per_page: request.per_page,
    }
}

fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// GitHub's 422 for a rule of its own: `Validation Failed` with a `custom`
/// error that says what is wrong.
fn custom(message: impl Into<String>) -> Error {
    Error::Validation(vec![
        FieldError::new("RunnerGroup", "runner_group", "custom").with_message(message),
    ])
}

/// A runner group's name as GitHub accepts it.
pub fn check_group_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("name must not be empty".to_owned());
    }
    if name.chars().count() > 256 || name.chars().any(char::is_control) {
        return Err(format!("{name:?} is not a valid runner group name"));
    }
    Ok(())
}

fn check_visibility(kind: GroupKind, visibility: Visibility) -> Result<(), Error> {
    if kind == GroupKind::Enterprise && visibility == Visibility::Private {
        return Err(Error::invalid(
            "RunnerGroup",
            "visibility",
            "an enterprise's runner group is visible to all or to selected organizations",
        ));
    }
    Ok(())
}

fn name_taken(name: &str) -> Error {
    Error::Validation(vec![
        FieldError::new("RunnerGroup", "name", "already_exists").with_message(format!(
            "A runner group named \"{}\" already exists",
            name.trim()
        )),
    ])
}

fn runner_of_another_scope(runner_id: i64) -> Error {
    Error::Validation(vec![
        FieldError::new("RunnerGroup", "runners", "invalid").with_message(format!(
            "Runner {runner_id} belongs to another enterprise, organization or repository"
        )),
    ])
}

/// Whether `id` names an organization of the enterprise, or a repository
/// of the organization.
fn member_of(memory: &Memory, entry: &ScopeEntry, kind: GroupKind, id: i64) -> bool {
    let Some(member) = memory.scope_by_id(id) else {
        return false;
    };
    match (kind, &member.scope) {
        (GroupKind::Enterprise, Scope::Org(_)) => member.enterprise_id == Some(entry.id),
        (GroupKind::Org, Scope::Repo { owner, .. }) => {
            owner.eq_ignore_ascii_case(&entry.scope.name())
        }
        _ => false,
    }
}

/// The ids given, each once, all of members the group may serve.
fn check_members(
    memory: &Memory,
    entry: &ScopeEntry,
    kind: GroupKind,
    ids: Vec<i64>,
) -> Result<Vec<i64>, Error> {
    let mut seen = Vec::with_capacity(ids.len());
    for id in ids {
        if !member_of(memory, entry, kind, id) {
            let what = match kind {
                GroupKind::Enterprise => "an organization of this enterprise",
                GroupKind::Org => "a repository of this organization",
            };
            return Err(Error::Validation(vec![
                FieldError::new("RunnerGroup", kind.selected_field(), "invalid")
                    .with_message(format!("{id} is not {what}")),
            ]));
        }
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    Ok(seen)
}

/// The runner ids given, each once, all of runners of the scope.
fn check_runners(entry: &ScopeEntry, ids: &[i64]) -> Result<Vec<i64>, Error> {
    let mut seen = Vec::with_capacity(ids.len());
    for &id in ids {
        if entry.runner(id).is_none() {
            return Err(runner_of_another_scope(id));
        }
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    Ok(seen)
}
