//! The backend checks, on two handles of one state store (as two processes
//! see it): the lock, stale locks, round trips, and writes from a stale read.

use std::sync::Arc;

use strata::core::addr::Address;
use strata::core::session::{Locking, Session};
use strata::core::state::{
    Backend, LockInfo, OutputState, ResourceState, State, StateChange, StateError,
};
use strata::core::value::{Attrs, Value};

use crate::harness::{Harness, STACK};

/// A lock held by a process of this host that has exited, whose lease ran
/// out ten minutes ago: stale to every backend.
fn dead_holder() -> LockInfo {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    LockInfo {
        pid,
        start_time: None,
        who: "ci@this-host".into(),
        renewed: Some((chrono::Utc::now() - chrono::Duration::minutes(10)).to_rfc3339()),
        ..LockInfo::for_operation("apply")
    }
}

fn resource(id: &str) -> ResourceState {
    ResourceState {
        kind: "aws.ec2.vpc".into(),
        id: id.into(),
        attrs: {
            let mut a = Attrs::new();
            a.insert("cidr_block".into(), Value::from("10.0.0.0/16"));
            a
        },
        sensitive_digests: Default::default(),
        configured: ["cidr_block".into()].into(),
        dependencies: Vec::new(),
        prevent_destroy: false,
        tainted: false,
        token: Some("t-1".into()),
        provider: None,
    }
}

fn put(address: &str, id: &str) -> StateChange {
    StateChange::Put {
        address: Address::parse(address).unwrap(),
        resource: Box::new(resource(id)),
    }
}

/// A session on a new handle of the store, as a run that holds the lock
/// (or thinks it does) opens it: the only way to change a state.
async fn session(h: &Harness) -> Session {
    let backend: Arc<dyn Backend> = Arc::from((h.backend)());
    Session::open(backend, h.provider.clone(), STACK, Locking::Caller)
        .await
        .unwrap()
}

/// A second lock fails with `Locked` naming the holder; unlock and
/// force-unlock by another id refuse and keep the lock; force-unlock by its
/// id works from another handle; unlocking a free lock is `NotLocked`.
pub async fn lock_contract(h: &Harness) {
    let (a, b) = ((h.backend)(), (h.backend)());
    assert_eq!(a.lock_holder().await.unwrap(), None);
    let mut held = LockInfo::for_operation("apply");
    held.who = "alice@build-7".into();
    a.lock(&held).await.unwrap();
    match b.lock(&LockInfo::for_operation("plan")).await {
        Err(StateError::Locked { holder }) => {
            assert_eq!(
                (holder.id.as_str(), holder.who.as_str()),
                (held.id.as_str(), "alice@build-7")
            );
            assert_eq!(holder.operation, "apply");
        }
        other => panic!("a second lock: expected Locked, got {other:?}"),
    }
    assert_eq!(
        b.lock_holder().await.unwrap().map(|l| l.id),
        Some(held.id.clone())
    );
    assert!(matches!(
        b.unlock("not-the-id").await,
        Err(StateError::LockMismatch { .. })
    ));
    assert!(matches!(
        b.force_unlock("not-the-id").await,
        Err(StateError::LockMismatch { .. })
    ));
    assert_eq!(
        b.lock_holder().await.unwrap().map(|l| l.id),
        Some(held.id.clone())
    );
    b.force_unlock(&held.id).await.unwrap();
    assert_eq!(a.lock_holder().await.unwrap(), None);
    assert!(matches!(
        a.unlock(&held.id).await,
        Err(StateError::NotLocked)
    ));

    let next = LockInfo::for_operation("apply");
    b.lock(&next).await.unwrap();
    b.unlock(&next.id).await.unwrap();
    assert_eq!(a.lock_holder().await.unwrap(), None);
}

/// `break_stale` never breaks a live holder, nor a lock other than the one
/// it was shown; it breaks a dead holder's lock, once, and a renewal by
/// anyone but the holder is refused.
pub async fn break_stale(h: &Harness) {
    let (a, b, c) = ((h.backend)(), (h.backend)(), (h.backend)());
    let live = LockInfo::for_operation("apply");
    a.lock(&live).await.unwrap();
    a.renew(&live).await.unwrap();
    assert_eq!(
        b.break_stale(&live).await.unwrap(),
        None,
        "a live holder was broken"
    );
    assert_eq!(
        b.break_stale(&dead_holder()).await.unwrap(),
        None,
        "another lock was broken"
    );
    assert_eq!(
        b.lock_holder().await.unwrap().map(|l| l.id),
        Some(live.id.clone())
    );
    let stranger = LockInfo::for_operation("apply");
    if b.renew(&stranger).await.is_ok() {
        // Backends whose locks do not expire renew nothing: the lock is untouched.
        assert_eq!(
            b.lock_holder().await.unwrap().map(|l| l.id),
            Some(live.id.clone())
        );
    }
    a.unlock(&live.id).await.unwrap();

    let dead = dead_holder();
    a.lock(&dead).await.unwrap();
    let why = b.break_stale(&dead).await.unwrap();
    assert!(why.is_some(), "a dead holder's lock was kept");
    assert_eq!(c.break_stale(&dead).await.unwrap(), None, "broken twice");
    assert_eq!(a.lock_holder().await.unwrap(), None);
    // The lock is free again.
    let next = LockInfo::for_operation("apply");
    c.lock(&next).await.unwrap();
    c.unlock(&next.id).await.unwrap();
}

/// What `persist` and then `persist_changes` wrote is what another handle
/// loads, exactly.
pub async fn round_trip(h: &Harness) {
    let (a, b) = ((h.backend)(), (h.backend)());
    assert_eq!(b.load().await.unwrap(), None, "a new store holds no state");
    let empty = State::new(STACK);
    a.persist(&empty).await.unwrap();
    assert_eq!(b.load().await.unwrap().as_ref(), Some(&empty));

    let mut s = session(h).await;
    let mut outputs = std::collections::BTreeMap::new();
    outputs.insert(
        "vpc_id".to_string(),
        OutputState {
            value: serde_json::json!("vpc-1"),
            sensitive: false,
        },
    );
    s.commit(vec![put("vpc", "vpc-1"), StateChange::Outputs { outputs }])
        .await
        .unwrap();
    assert_eq!(b.load().await.unwrap().as_ref(), Some(s.state()));
    s.commit(vec![put("subnet", "subnet-1")]).await.unwrap();
    s.commit(vec![StateChange::Remove {
        address: Address::parse("vpc").unwrap(),
    }])
    .await
    .unwrap();
    let loaded = b.load().await.unwrap().unwrap();
    assert_eq!(&loaded, s.state());
    assert_eq!(loaded.serial(), empty.serial() + 3);
    assert_eq!(
        loaded
            .resources
            .keys()
            .map(Address::as_str)
            .collect::<Vec<_>>(),
        ["subnet"]
    );
}

/// Two runs read the same state; one persists its changes; the other's
/// changes, from its stale read, never overwrite them nor mix with them.
/// A backend that refuses stale writes says so with an error (S3: the
/// ETag no longer matches); the local backend relies on its lock, and a
/// stale journal record (its serial already in the state) is ignored.
pub async fn stale_write(h: &Harness) {
    (h.backend)().persist(&State::new(STACK)).await.unwrap();
    session(h)
        .await
        .commit(vec![put("vpc", "vpc-1")])
        .await
        .unwrap();
    let mut ra = session(h).await;
    let mut rb = session(h).await;
    rb.commit(vec![put("from_b", "vpc-b")]).await.unwrap();
    let stale = ra.commit(vec![put("from_a", "vpc-a")]).await;
    if h.refuses_stale_writes {
        assert!(stale.is_err(), "a write from a stale read was accepted");
    }
    let now = (h.backend)().load().await.unwrap().unwrap();
    assert_eq!(&now, rb.state(), "the first writer's state, exactly");
}
