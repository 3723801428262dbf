//! The provider checks: every kind's lifecycle (create, read, plan sees no
//! difference, update in place, import, delete, not found), idempotency
//! tokens, reads across pages, and throttled calls retried.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use strata::core::config::{Config, ResourceConfig};
use strata::core::graph::Graph;
use strata::core::kinds;
use strata::core::plan::{self, render, Action, PlanOptions};
use strata::core::provider::{Operation, ProviderError, ReadRequest, ReadTarget, UpdateRequest};
use strata::core::retry::{with_retries, RetryPolicy};
use strata::core::schema::{Mode, Replace};
use strata::core::state::{ResourceState, State};
use strata::core::value::{Attrs, Value};

use crate::fixtures::{alarm, attrs, fixture, Deps};
use crate::harness::{addr, delete_with, normalized, read_one, token, wait, Harness, Step, STACK};

/// Plans `configured` for a resource whose state holds `live` at `id`, as
/// `strata plan` would after an apply: the plan's action for it.
async fn planned(h: &Harness, kind: &str, configured: &Attrs, id: &str, live: &Attrs) -> Action {
    let address = addr("subject");
    let mut config = Config::new(STACK);
    let mut r = ResourceConfig::new(address.clone(), kind);
    r.attrs = configured.clone();
    config.add(r);
    let graph = Graph::build(config).unwrap_or_else(|e| panic!("{kind}: {e:?}"));
    let mut state = State::new(STACK);
    let schema = kinds::schema_of(kind).unwrap();
    let mut digests = BTreeMap::new();
    for name in schema.sensitive_attrs() {
        if let Some(v) = configured.get(name) {
            digests.insert(name.to_string(), state.digest(&address, name, v));
        }
    }
    let mut stored = live.clone();
    for name in schema.sensitive_attrs() {
        stored.remove(name);
    }
    state.resources.insert(
        address.clone(),
        ResourceState {
            kind: kind.into(),
            id: id.into(),
            attrs: stored,
            sensitive_digests: digests,
            configured: configured.keys().cloned().collect(),
            dependencies: Vec::new(),
            prevent_destroy: false,
            tainted: false,
            token: None,
            provider: None,
        },
    );
    let plan = plan::plan(
        &graph,
        &state,
        &h.provider.clone().into(),
        &PlanOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("plan {kind}: {e:?}"));
    let change = plan
        .change(&address)
        .unwrap_or_else(|| panic!("{kind}: the plan has no change for it"));
    if change.action != Action::NoOp {
        eprintln!("{}", render::human(&plan));
    }
    change.action
}

/// create → poll until done → read finds it and plan sees no difference →
/// update one in-place attribute → read shows it → import by id returns
/// what read does → delete → poll → read and import no longer find it, and
/// a second delete is `NotFound` or settles as gone (what the engine
/// accepts: `core/src/apply/exec.rs`).
pub async fn lifecycle(h: &Harness, kind: &str) {
    let schema = kinds::schema_of(kind).unwrap();
    if !h.can(kind, Step::Create) {
        return;
    }
    let mut deps = Deps::default();
    let mut f = fixture(h, kind, &mut deps).await;
    f.attrs = normalized(kind, f.attrs);
    let (name, new_value) = f.update.clone();
    let a = schema
        .attr(name)
        .unwrap_or_else(|| panic!("{kind} has no attribute {name}"));
    let in_place = matches!(a.replace, Replace::Never) && a.mode != Mode::Computed && !a.deferred;

    let (id, _) = h.create("subject", kind, f.attrs.clone()).await;
    let mut live = h
        .read(kind, &id)
        .await
        .unwrap_or_else(|| panic!("{kind} {id} was created, but a read does not find it"));
    assert_eq!(
        planned(h, kind, &f.attrs, &id, &live).await,
        Action::NoOp,
        "{kind}: plan finds a difference right after the create"
    );

    if h.can(kind, Step::Update) {
        assert!(
            in_place,
            "{kind}.{name} is not an in-place, immediate attribute: pick another for the fixture"
        );
        let mut desired = f.attrs.clone();
        desired.insert(name.into(), new_value);
        let desired = normalized(kind, desired);
        let status = h
            .provider
            .update(UpdateRequest {
                address: addr("subject"),
                kind: kind.into(),
                id: id.clone(),
                prior: live.clone(),
                attrs: desired.clone(),
                changed: vec![name.to_string()],
                stack: STACK.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("update {kind}.{name}: {e}"));
        let (same_id, _) = wait(
            h.provider.as_ref(),
            "subject",
            kind,
            Operation::Update,
            status,
        )
        .await
        .unwrap_or_else(|e| panic!("update {kind}.{name}: {e}"));
        assert_eq!(same_id, id, "an update in place keeps the id");
        live = h.read(kind, &id).await.unwrap();
        assert_eq!(
            planned(h, kind, &desired, &id, &live).await,
            Action::NoOp,
            "{kind}: the read after updating {name} does not show the new value"
        );
        assert_eq!(
            planned(h, kind, &f.attrs, &id, &live).await,
            Action::Update,
            "{kind}: the old {name} should now plan an update in place"
        );
    }

    let imported = h
        .provider
        .import(kind, &id)
        .await
        .unwrap_or_else(|e| panic!("import {kind} {id}: {e}"));
    assert_eq!(imported, live, "{kind}: import and read disagree");

    if !h.can(kind, Step::Delete) {
        return;
    }
    h.delete(kind, &id, live.clone())
        .await
        .unwrap_or_else(|e| panic!("delete {kind} {id}: {e}"));
    if !h.can(kind, Step::Gone) {
        return;
    }
    assert_eq!(
        h.read(kind, &id).await,
        None,
        "{kind} {id} is still read after its delete"
    );
    match h.provider.import(kind, &id).await {
        Err(ProviderError::NotFound { .. }) => {}
        other => panic!("import of deleted {kind} {id}: expected NotFound, got {other:?}"),
    }
    match h.delete(kind, &id, live).await {
        Ok(()) | Err(ProviderError::NotFound { .. }) => {}
        Err(e) => panic!("a second delete of {kind} {id} must be NotFound or settle: {e}"),
    }
}

/// A create with a token is found by it (exactly that resource); a create
/// retried with the same token makes no second resource; an unknown token
/// finds nothing.
pub async fn tokens(h: &Harness) {
    assert!(!h.token_kinds.is_empty());
    let mut deps = Deps::default();
    for &kind in h.token_kinds {
        if !h.can(kind, Step::FindByToken) {
            continue;
        }
        let f = fixture(h, kind, &mut deps).await;
        let attrs = normalized(kind, f.attrs);
        let tok = token();
        let (id, _) = h
            .create_with(h.provider.as_ref(), "subject", kind, attrs.clone(), &tok)
            .await
            .unwrap_or_else(|e| panic!("create {kind}: {e}"));
        let found = h
            .provider
            .find_by_token(kind, &tok)
            .await
            .unwrap_or_else(|e| panic!("find_by_token {kind}: {e}"));
        assert_eq!(
            found.map(|(i, _)| i).as_deref(),
            Some(id.as_str()),
            "{kind}"
        );
        if h.can(kind, Step::TokenRetry) {
            let (again, _) = h
                .create_with(h.provider.as_ref(), "subject", kind, attrs.clone(), &tok)
                .await
                .unwrap_or_else(|e| panic!("retried create {kind}: {e}"));
            assert_eq!(again, id, "{kind}: a retried create made a second resource");
        }
        let none = h
            .provider
            .find_by_token(kind, &token())
            .await
            .unwrap_or_else(|e| panic!("find_by_token {kind}: {e}"));
        assert!(none.is_none(), "{kind}: an unknown token found {none:?}");
        // Free names (security groups, alarms) for the next kind's fixture.
        let live = h.read(kind, &id).await.unwrap_or_default();
        h.delete(kind, &id, live).await.unwrap();
    }
}

/// More resources of one kind than one Describe call returns (alarms: 100
/// names per DescribeAlarms), read back in one `ReadRequest`; an unknown
/// id among them is reported missing.
pub async fn pagination(h: &Harness) {
    const COUNT: usize = 105;
    let mut ids = Vec::new();
    for i in 0..COUNT {
        let (id, _) = h
            .create(
                &format!("alarm_{i}"),
                kinds::METRIC_ALARM,
                attrs(alarm(&format!("conf-page-{i:03}"))),
            )
            .await;
        ids.push(id);
    }
    let mut targets: Vec<ReadTarget> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| ReadTarget {
            address: addr(&format!("alarm_{i}")),
            id: id.clone(),
        })
        .collect();
    targets.push(ReadTarget {
        address: addr("missing"),
        id: "conf-page-missing".into(),
    });
    let found = h
        .provider
        .read(ReadRequest {
            kind: kinds::METRIC_ALARM.into(),
            targets,
        })
        .await
        .unwrap()
        .found;
    assert_eq!(found.len(), COUNT, "one read returns every alarm");
    for (i, id) in ids.iter().enumerate() {
        let name = found.get(id).and_then(|a| a.get("alarm_name"));
        assert_eq!(
            name.and_then(Value::as_str),
            Some(format!("conf-page-{i:03}").as_str())
        );
    }
    assert!(!found.contains_key("conf-page-missing"));
}

/// Through a throttling front end, a create, reads and a delete succeed
/// with the engine's retries (`with_retries`, as apply and plan call the
/// provider), and faults were injected (seen by the engine as `Transient`,
/// or absorbed below the provider by the SDK's own retries).
pub async fn throttling(h: &Harness) {
    let p = h.throttled.provider.as_ref();
    let policy = RetryPolicy::default();
    let seen = AtomicUsize::new(0);
    let tok = token();
    let (id, _) = with_retries(policy, || async {
        counted(
            &seen,
            h.create_with(
                p,
                "throttled",
                kinds::VPC,
                attrs(serde_json::json!({"cidr_block": "10.9.0.0/16"})),
                &tok,
            )
            .await,
        )
    })
    .await
    .unwrap_or_else(|e| panic!("create through throttling: {e}"));
    for _ in 0..20 {
        let live = with_retries(policy, || async {
            counted(&seen, read_one(p, kinds::VPC, &id).await)
        })
        .await
        .unwrap_or_else(|e| panic!("read through throttling: {e}"));
        assert!(live.is_some(), "the VPC is read through throttling");
    }
    with_retries(policy, || async {
        match counted(&seen, delete_with(p, kinds::VPC, &id, Attrs::new()).await) {
            // A retried delete whose first attempt went through.
            Err(ProviderError::NotFound { .. }) => Ok(()),
            other => other,
        }
    })
    .await
    .unwrap_or_else(|e| panic!("delete through throttling: {e}"));
    let gone = with_retries(policy, || async {
        counted(&seen, read_one(p, kinds::VPC, &id).await)
    })
    .await
    .unwrap();
    assert!(gone.is_none());
    let faults = seen.load(Ordering::SeqCst) + (h.throttled.injected_below)();
    assert!(
        faults > 0,
        "no fault was injected: the check proved nothing"
    );
}

/// `r`, counting a transient error in `seen`.
fn counted<T>(seen: &AtomicUsize, r: Result<T, ProviderError>) -> Result<T, ProviderError> {
    if r.as_ref().is_err_and(ProviderError::is_transient) {
        seen.fetch_add(1, Ordering::SeqCst);
    }
    r
}
