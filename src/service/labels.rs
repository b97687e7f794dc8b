//! A runner's labels (GHES 3.4+): the read-only ones it was registered
//! with stay; the custom ones can be listed, added, set and removed.

use super::memory::Memory;
use super::{Service, check_label};
use crate::error::{Error, FieldError};
use crate::model::{Label, LabelKind, Scope};
use crate::store::{labels, runners};

/// GitHub takes at most this many labels in one request.
const MAX_LABELS: usize = 100;

/// What a label operation does to a runner's custom labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelChange {
    /// Adds these (1 to 100) to the custom labels.
    Add(Vec<String>),
    /// Makes these (0 to 100) the custom labels.
    Set(Vec<String>),
    /// Removes every custom label.
    RemoveAll,
    /// Removes one custom label.
    Remove(String),
}

impl Service {
    /// Every label of a runner of the scope, read-only ones first.
    #[tracing::instrument(skip(self))]
    pub async fn list_labels(&self, scope: &Scope, runner_id: i64) -> Result<Vec<Label>, Error> {
        let memory = self.memory();
        let runner = memory
            .scope(scope)
            .and_then(|s| s.runner(runner_id))
            .ok_or(Error::NotFound)?;
        Ok(memory.labels_of(runner))
    }

    /// Changes a runner's custom labels; returns every label it has after.
    #[tracing::instrument(skip(self))]
    pub async fn change_labels(
        &self,
        scope: &Scope,
        runner_id: i64,
        change: LabelChange,
    ) -> Result<Vec<Label>, Error> {
        let mut writer = self.writer().await?;
        let (read_only, custom) = {
            let memory = self.memory();
            let runner = memory
                .scope(scope)
                .and_then(|s| s.runner(runner_id))
                .ok_or(Error::NotFound)?;
            let labels = memory.labels_of(runner);
            let (read_only, custom): (Vec<Label>, Vec<Label>) = labels
                .into_iter()
                .partition(|l| l.kind == LabelKind::ReadOnly);
            let custom = new_custom(&memory, &read_only, custom, change)?;
            (read_only, custom)
        };
        let (known, unknown): (Vec<(String, Option<i64>)>, Vec<String>) = {
            let memory = self.memory();
            let known: Vec<(String, Option<i64>)> = custom
                .iter()
                .map(|name| (name.clone(), memory.label_id(name)))
                .collect();
            let unknown = known
                .iter()
                .filter(|(_, id)| id.is_none())
                .map(|(name, _)| name.clone())
                .collect();
            (known, unknown)
        };
        let unknown: Vec<&str> = unknown.iter().map(String::as_str).collect();
        let mut tx = writer.begin().await?;
        let added = labels::add_custom(&mut tx, &unknown).await?;
        let ids: Vec<i64> = read_only
            .iter()
            .map(|l| Some(l.id))
            .chain(known.iter().map(|(name, id)| {
                id.or_else(|| {
                    added
                        .iter()
                        .find(|l| l.name.eq_ignore_ascii_case(name))
                        .map(|l| l.label_id)
                })
            }))
            .collect::<Option<_>>()
            .ok_or_else(|| sqlx::Error::RowNotFound)?;
        runners::set_labels(&mut *tx, runner_id, &ids).await?;
        tx.commit().await?;
        writer.apply(|memory| {
            memory.add_labels(added);
            memory.set_runner_labels(runner_id, &ids);
        });
        let memory = self.memory();
        let runner = memory
            .find_runner(runner_id)
            .map(|(_, r)| r)
            .ok_or(Error::NotFound)?;
        Ok(memory.labels_of(runner))
    }
}

/// The custom label names a runner has after `change`, in order, each once.
fn new_custom(
    memory: &Memory,
    read_only: &[Label],
    custom: Vec<Label>,
    change: LabelChange,
) -> Result<Vec<String>, Error> {
    let current: Vec<String> = custom.into_iter().map(|l| l.name).collect();
    let given = match change {
        LabelChange::RemoveAll => return Ok(Vec::new()),
        LabelChange::Remove(name) => {
            if read_only.iter().any(|l| l.name.eq_ignore_ascii_case(&name)) {
                return Err(invalid(format!(
                    "{name:?} is a read-only label and cannot be removed"
                )));
            }
            if !current.iter().any(|l| l.eq_ignore_ascii_case(&name)) {
                return Err(Error::NotFound);
            }
            return Ok(current
                .into_iter()
                .filter(|l| !l.eq_ignore_ascii_case(&name))
                .collect());
        }
        LabelChange::Add(names) => {
            if names.is_empty() {
                return Err(invalid("labels must name at least one label".to_owned()));
            }
            (current, names)
        }
        LabelChange::Set(names) => (Vec::new(), names),
    };
    let (mut labels, names) = given;
    if names.len() > MAX_LABELS {
        return Err(invalid(format!(
            "labels may name at most {MAX_LABELS} labels, not {}",
            names.len()
        )));
    }
    for name in names {
        check_label(&name).map_err(invalid)?;
        let name = name.trim().to_owned();
        // A read-only label is the runner's own, never a custom one.
        let read_only_label = memory
            .label_id(&name)
            .and_then(|id| memory.label(id))
            .filter(|l| l.kind == LabelKind::ReadOnly);
        if let Some(label) = read_only_label {
            if read_only.iter().any(|l| l.id == label.id) {
                continue;
            }
            return Err(invalid(format!(
                "{name:?} is a read-only label that this runner does not have"
            )));
        }
        if !labels.iter().any(|l| l.eq_ignore_ascii_case(&name)) {
            labels.push(name);
        }
    }
    Ok(labels)
}

fn invalid(message: String) -> Error {
    Error::Validation(vec![
        FieldError::new("Label", "labels", "invalid").with_message(message),
    ])
}
