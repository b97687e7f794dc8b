//! Memory on its own: pages, ids, label sets, groups, names and tokens.

use super::*;
use crate::store::groups::GroupRow;

fn memory_with_runners(count: i64) -> Memory {
    let mut memory = Memory::default();
    memory.add_scope(&ScopeRow {
        scope_id: 1,
        kind: "org".to_owned(),
        name: "Octo-Org".to_owned(),
        enterprise_id: None,
    });
    memory.add_labels(vec![
        LabelRow {
            label_id: 1,
            name: "self-hosted".to_owned(),
            kind: "read-only".to_owned(),
        },
        LabelRow {
            label_id: 8,
            name: "gpu".to_owned(),
            kind: "custom".to_owned(),
        },
    ]);
    for id in 1..=count {
        let name = format!("runner-{id}");
        memory.add_runner(
            1,
            NewEntry {
                id,
                name: &name,
                os: Os::Linux,
                status: RunnerStatus::Online,
                busy: id % 2 == 0,
                ephemeral: false,
                group: None,
                version: None,
                label_ids: if id % 2 == 0 { &[1, 8] } else { &[1] },
            },
        );
    }
    memory
}

#[test]
fn a_page_is_the_same_json_as_the_runners_it_holds() {
    let memory = memory_with_runners(5);
    let org = Scope::Org("octo-org".to_owned());
    let (total, json) = memory.page(&org, 2, 2).unwrap();
    assert_eq!(total, 5);
    let scope = memory.scope(&org).unwrap();
    let expected: Vec<Runner> = [3, 4]
        .iter()
        .map(|&id| memory.runner(scope.runner(id).unwrap()))
        .collect();
    let page: Vec<Runner> = serde_json::from_str(json.get()).unwrap();
    assert_eq!(page, expected);
    assert_eq!(page[1].labels[1].name, "gpu");
    assert_eq!(
        json.get(),
        serde_json::to_string(&expected).unwrap(),
        "same keys in the same order"
    );
}

#[test]
fn pages_past_the_end_and_unknown_scopes_are_empty() {
    let memory = memory_with_runners(3);
    let org = Scope::Org("octo-org".to_owned());
    assert_eq!(memory.page(&org, 30, 30).unwrap().1.get(), "[]");
    assert_eq!(memory.page(&org, 30, u64::MAX).unwrap().1.get(), "[]");
    let other = Scope::Org("other".to_owned());
    assert_eq!(memory.page(&other, 30, 0).unwrap().0, 0);
}

#[test]
fn runners_stay_in_id_order_and_share_label_lists() {
    let mut memory = memory_with_runners(4);
    let removed = memory.remove_runner(2).unwrap();
    assert_eq!(&*removed.name, "runner-2");
    // A replaced runner comes back under its old id, in its old place.
    memory.add_runner(
        1,
        NewEntry {
            id: 2,
            name: "again",
            os: Os::Macos,
            status: RunnerStatus::Offline,
            busy: false,
            ephemeral: false,
            group: None,
            version: None,
            label_ids: &[1, 8],
        },
    );
    let scope = memory.scope_by_id(1).unwrap();
    let ids: Vec<i64> = scope.runners().iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    assert!(Arc::ptr_eq(
        &scope.runners()[1].labels,
        &scope.runners()[3].labels
    ));
    assert_eq!(memory.find_runner(3).unwrap().0.id, 1);
    assert!(memory.update_runner(3, None, Some(true)).unwrap().busy);
    assert!(memory.update_runner(99, None, Some(true)).is_none());
}

#[test]
fn a_full_scope_pushes_out_its_oldest_token() {
    let mut memory = memory_with_runners(0);
    let entry = TokenEntry {
        scope_id: 1,
        kind: TokenKind::Registration,
        expires_at: 10,
    };
    let registration = |n| std::iter::repeat_n((1, TokenKind::Registration), n);
    for i in 0..MAX_LIVE_TOKENS {
        assert!(memory.tokens_to_evict(registration(1)).is_empty());
        memory.insert_token(&format!("T{i}"), entry);
    }
    let evicted = memory.tokens_to_evict(registration(2));
    let evicted: Vec<&str> = evicted.iter().map(|t| &**t).collect();
    assert_eq!(evicted, ["T0", "T1"]);
    let remove = std::iter::once((1, TokenKind::Remove));
    assert!(memory.tokens_to_evict(remove).is_empty());
    memory.remove_token("T0");
    assert!(memory.token("T0").is_none());
    assert_eq!(memory.tokens_to_evict(registration(1)).len(), 0);
    memory.remove_expired_tokens(10);
    assert_eq!(memory.tokens(0).count(), 0);
    assert!(memory.scopes()[0].tokens[0].is_empty());
}

#[test]
fn names_are_found_in_any_case_and_forgotten_with_their_runner() {
    let mut memory = memory_with_runners(1_000);
    let scope_id = 1;
    let find = |memory: &Memory, name: &str| {
        let scope = memory.scope_by_id(scope_id).unwrap();
        memory.runner_named(scope, name).map(|r| r.id)
    };

    assert_eq!(find(&memory, "RUNNER-700"), Some(700));
    memory.remove_runner(700);
    memory.remove_runners(&[1, 2]);
    assert_eq!(find(&memory, "runner-700"), None);
    assert_eq!(find(&memory, "runner-2"), None);
    assert_eq!(find(&memory, "runner-999"), Some(999));
    assert_eq!(find(&memory, "runner-"), None);
}

fn group_row(id: i64, is_default: bool, name: &str) -> GroupRow {
    GroupRow {
        runner_group_id: id,
        scope_id: 1,
        name: name.to_owned(),
        is_default,
        visibility: "all".to_owned(),
        allows_public_repositories: false,
        restricted_to_workflows: false,
        selected_workflows: "[]".to_owned(),
        selected_ids: "[]".to_owned(),
    }
}

#[test]
fn runners_move_between_groups_and_a_deleted_groups_runners_go_to_the_default() {
    let mut memory = memory_with_runners(0);
    memory.add_group(group_row(2, true, "Default")).unwrap();
    memory.add_group(group_row(5, false, "gpu")).unwrap();
    for id in 1..=4 {
        let name = format!("r{id}");
        memory.add_runner(
            1,
            NewEntry {
                id,
                name: &name,
                os: Os::Linux,
                status: RunnerStatus::Online,
                busy: false,
                ephemeral: false,
                group: Some(2),
                version: None,
                label_ids: &[1],
            },
        );
    }

    memory.move_runners(&[3, 1], 5);
    let scope = memory.scope_by_id(1).unwrap();
    assert_eq!(
        memory.group_numbered(scope, 1).unwrap().runner_ids(),
        [2, 4]
    );
    assert_eq!(
        memory.group_numbered(scope, 5).unwrap().runner_ids(),
        [1, 3]
    );
    assert!(
        memory.group_numbered(scope, 2).is_none(),
        "the default shows as 1"
    );
    assert_eq!(
        memory.runner(scope.runner(3).unwrap()).runner_group_id,
        None
    );

    memory.remove_group(5, 2);
    memory.remove_runner(4);
    let scope = memory.scope_by_id(1).unwrap();
    assert!(memory.group(5).is_none());
    assert_eq!(memory.default_group(scope).unwrap().runner_ids(), [1, 2, 3]);
    assert_eq!(
        memory
            .groups_of(scope)
            .map(|g| g.number())
            .collect::<Vec<_>>(),
        [1]
    );
}
