//! Moves and removals at plan time: the configuration's `[[moved]]` and
//! `[[removed]]` ([`crate::moved`]) applied to the state the diff compares
//! with, so a moved object is diffed at its new address (no create, no
//! delete) and a forgotten one is not planned for deletion. The plan
//! records both ([`Plan::moves`], [`Plan::forgets`]); apply commits them
//! first (`state_changes`), in the session, before any operation.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::refresh::{InOrder, Live};
use super::Plan;
use crate::addr::Address;
use crate::config::Config;
use crate::diag::Problem;
use crate::moved::{Moved, TARGET_EXISTS};
use crate::state::{ResourceState, State, StateChange};

/// An object in state that takes a new address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedMove {
    /// Its address in state.
    pub from: Address,
    /// Its new address.
    pub to: Address,
}

/// An object dropped from state and left in the cloud (`[[removed]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forget {
    /// Its address in state.
    pub address: Address,
    /// Its kind.
    pub kind: String,
    /// Its id in the cloud (which keeps it).
    pub id: String,
}

/// The state to diff against once moves and removals are applied, with
/// refresh's findings in its order.
pub(crate) struct Refactored {
    pub state: State,
    pub found: InOrder,
    pub moves: Vec<PlannedMove>,
    pub forgets: Vec<Forget>,
}

/// Applies the configuration's moves and removals to `state` (and to
/// `found`, refresh's findings in state's order). `Ok(None)`: nothing
/// moves or is forgotten. A move whose new address is taken in state (by
/// an object that does not move away), two objects moving to one address,
/// and moves that go round in a cycle are problems.
pub(crate) fn refactor(
    config: &Config,
    state: &State,
    found: &InOrder,
) -> Result<Option<Refactored>, Vec<Problem>> {
    if config.moved.is_empty() && config.removed.is_empty() {
        return Ok(None);
    }
    let source = config.source.as_ref();
    let mut problems = Vec::new();
    let mut moves = Vec::new();
    let mut renamed: BTreeMap<Address, Address> = BTreeMap::new();
    for address in state.resources.keys() {
        match destination(&config.moved, address) {
            Ok(None) => {}
            Ok(Some(to)) => {
                renamed.insert(address.clone(), to.clone());
                moves.push(PlannedMove {
                    from: address.clone(),
                    to,
                });
            }
            Err(m) => problems.push(
                Problem::new(
                    TARGET_EXISTS,
                    format!("the moves of `{address}` go round in a cycle"),
                    Some("drop the move that leads back to an earlier address".into()),
                )
                .at(source, m.span, "part of the cycle"),
            ),
        }
    }
    let mut taken: BTreeMap<&Address, &Address> = BTreeMap::new();
    for (from, to) in &renamed {
        let span = config
            .moved
            .iter()
            .find(|m| from.is_within(&m.from))
            .and_then(|m| m.span);
        if state.resources.contains_key(to) && !renamed.contains_key(to) {
            problems.push(
                Problem::new(
                    TARGET_EXISTS,
                    format!("`{from}` cannot move to `{to}`: the state already holds `{to}`"),
                    Some(format!(
                        "if `{to}` is the object you want, drop the move and `strata state rm \
                         {from}` (or destroy it); otherwise move to another address"
                    )),
                )
                .at(source, span, "the new address is taken"),
            );
        } else if let Some(other) = taken.insert(to, from) {
            problems.push(
                Problem::new(
                    TARGET_EXISTS,
                    format!("`{other}` and `{from}` would both move to `{to}`"),
                    Some("one object can take an address: change one of the moves".into()),
                )
                .at(source, span, "second object moving here"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut forgets = Vec::new();
    let mut resources: BTreeMap<Address, (ResourceState, Live)> = BTreeMap::new();
    for ((address, r), live) in state.resources.iter().zip(&found.lives) {
        let address = renamed.get(address).unwrap_or(address);
        let forget = config
            .removed
            .iter()
            .any(|rm| !rm.destroy && address.is_within(&rm.from));
        if forget {
            forgets.push(Forget {
                address: address.clone(),
                kind: r.kind.clone(),
                id: r.id.clone(),
            });
            continue;
        }
        let mut r = r.clone();
        rename_dependencies(&mut r, &renamed);
        resources.insert(address.clone(), (r, live.clone()));
    }
    let mut moved_state = state.clone();
    let mut lives = Vec::with_capacity(resources.len());
    moved_state.resources = resources
        .into_iter()
        .map(|(a, (r, live))| {
            lives.push(live);
            (a, r)
        })
        .collect();
    Ok(Some(Refactored {
        state: moved_state,
        found: InOrder {
            lives,
            deposed: found.deposed.clone(),
        },
        moves,
        forgets,
    }))
}

/// Where the moves take `address` (following chains: `a` → `b`, `b` → `c`
/// takes `a` to `c`); `Err` with a move of the cycle when they never stop.
fn destination<'m>(moved: &'m [Moved], address: &Address) -> Result<Option<Address>, &'m Moved> {
    let mut at = address.clone();
    let mut last = None;
    let mut last_move = None;
    for _ in 0..=moved.len() {
        // The most specific move applies: `web.public[0]` before `web`.
        let next = moved
            .iter()
            .filter(|m| at.is_within(&m.from))
            .max_by_key(|m| m.from.as_str().len());
        let Some(m) = next else {
            return Ok(last);
        };
        last_move = Some(m);
        match at.moved(&m.from, &m.to) {
            Some(to) => {
                at = to.clone();
                last = Some(to);
            }
            None => return Ok(last),
        }
        if &at == address {
            return Err(m);
        }
    }
    match last_move {
        Some(m) => Err(m),
        None => Ok(last),
    }
}

fn rename_dependencies(r: &mut ResourceState, renamed: &BTreeMap<Address, Address>) {
    for d in &mut r.dependencies {
        if let Some(to) = renamed.get(d) {
            *d = to.clone();
        }
    }
}

/// The state changes that commit a plan's moves and removals to `state`:
/// each moved object removed at its old address and put at its new one,
/// every dependency on it renamed, each forgotten object removed.
pub(crate) fn state_changes(plan: &Plan, state: &State) -> Vec<StateChange> {
    let mut changes = Vec::new();
    let renamed: BTreeMap<Address, Address> = plan
        .moves
        .iter()
        .map(|m| (m.from.clone(), m.to.clone()))
        .collect();
    let mut put = BTreeSet::new();
    for m in &plan.moves {
        let Some(r) = state.resources.get(&m.from) else {
            continue;
        };
        let mut r = r.clone();
        rename_dependencies(&mut r, &renamed);
        changes.push(StateChange::Remove {
            address: m.from.clone(),
        });
        put.insert(m.to.clone());
        changes.push(StateChange::Put {
            address: m.to.clone(),
            resource: Box::new(r),
        });
    }
    if !renamed.is_empty() {
        for (address, r) in &state.resources {
            if renamed.contains_key(address) || put.contains(address) {
                continue;
            }
            if r.dependencies.iter().any(|d| renamed.contains_key(d)) {
                let mut r = r.clone();
                rename_dependencies(&mut r, &renamed);
                changes.push(StateChange::Put {
                    address: address.clone(),
                    resource: Box::new(r),
                });
            }
        }
    }
    for f in &plan.forgets {
        changes.push(StateChange::Remove {
            address: f.address.clone(),
        });
    }
    changes
}

/// The plan's moves and removals as a person reads them (nothing when
/// there are none). Forgetting is said loudly: the object stays in the
/// cloud, and nothing manages it any more.
pub(super) fn human(plan: &Plan, out: &mut String) {
    use std::fmt::Write;
    if !plan.moves.is_empty() {
        out.push_str("Strata will move these objects in state (nothing changes in the cloud):\n\n");
        for m in &plan.moves {
            let _ = writeln!(out, "  # {} has moved from {}", m.to, m.from);
        }
        out.push('\n');
    }
    if !plan.forgets.is_empty() {
        out.push_str(
            "WARNING: Strata will FORGET these objects: they leave the state but are NOT \
             destroyed, and stay in the cloud unmanaged ([[removed]]):\n\n",
        );
        for f in &plan.forgets {
            let _ = writeln!(
                out,
                "  ! {} ({}, id {}) will be forgotten, not destroyed",
                f.address, f.kind, f.id
            );
        }
        out.push('\n');
    }
}

/// `, 2 to move, 1 to forget` for the plan's summary line (empty when
/// nothing moves or is forgotten).
pub(super) fn summary_suffix(plan: &Plan) -> String {
    let mut out = String::new();
    if !plan.moves.is_empty() {
        out.push_str(&format!(", {} to move", plan.moves.len()));
    }
    if !plan.forgets.is_empty() {
        out.push_str(&format!(", {} to forget", plan.forgets.len()));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn moves(pairs: &[(&str, &str)]) -> Vec<Moved> {
        pairs
            .iter()
            .map(|(from, to)| Moved {
                from: Address::parse(from).unwrap(),
                to: Address::parse(to).unwrap(),
                span: None,
            })
            .collect()
    }

    fn dest(m: &[Moved], a: &str) -> Result<Option<String>, ()> {
        destination(m, &Address::parse(a).unwrap())
            .map(|d| d.map(|d| d.to_string()))
            .map_err(|_| ())
    }

    fn vpc(id: &str, attrs: crate::value::Attrs, deps: &[&str]) -> ResourceState {
        ResourceState {
            kind: "aws.ec2.vpc".into(),
            id: id.into(),
            configured: attrs.keys().cloned().collect(),
            attrs,
            sensitive_digests: Default::default(),
            dependencies: deps.iter().map(|d| Address::parse(d).unwrap()).collect(),
            prevent_destroy: false,
            tainted: false,
            token: None,
            provider: None,
        }
    }

    /// The Rust API has the manifest's semantics: keyed instances, a move
    /// from index addresses, a removal that forgets.
    #[test]
    fn the_rust_api_moves_to_keyed_instances_and_forgets() {
        use crate::each::each_of;
        use crate::graph::Graph;
        use crate::value::Value;
        let a = |s: &str| Address::parse(s).unwrap();
        let mut config = Config::new("t");
        let keys = Value::List(vec!["a".into(), "b".into()]);
        let cidr = |key: &str| {
            if key == "a" {
                "10.0.0.0/16"
            } else {
                "10.1.0.0/16"
            }
        };
        config
            .add_for_each(
                &a("net"),
                "aws.ec2.vpc",
                &each_of(&keys).unwrap(),
                |each, r| r.with("cidr_block", cidr(&each.key)),
            )
            .unwrap();
        config.add_moved(a("net[0]"), a(r#"net["a"]"#));
        config.add_moved(a("net[1]"), a(r#"net["b"]"#));
        config.add_removed(a("legacy"), false);
        let graph = Graph::build(config).unwrap();
        // State as an apply of the index addresses left it.
        let attrs = |key: &str| graph.config.resources[&a(key)].attrs.clone();
        let mut state = State::new("t");
        state
            .resources
            .insert(a("net[0]"), vpc("vpc-0", attrs(r#"net["a"]"#), &[]));
        state
            .resources
            .insert(a("net[1]"), vpc("vpc-1", attrs(r#"net["b"]"#), &["net[0]"]));
        state
            .resources
            .insert(a("legacy"), vpc("vpc-9", attrs(r#"net["a"]"#), &[]));

        let found = InOrder::as_recorded(&state);
        let plan = super::super::diff::diff(&graph, &state, &found, &Default::default()).unwrap();
        let acts: Vec<String> = plan
            .changes
            .iter()
            .map(|c| format!("{} {}", c.address, c.action.as_str()))
            .collect();
        assert_eq!(acts, [r#"net["a"] no-op"#, r#"net["b"] no-op"#]);
        assert_eq!(plan.moves.len(), 2);
        assert_eq!(plan.forgets[0].id, "vpc-9");
        assert!(plan.has_changes());

        for change in state_changes(&plan, &state) {
            state.apply_change(&change);
        }
        let keys: Vec<String> = state.resources.keys().map(|k| k.to_string()).collect();
        assert_eq!(keys, [r#"net["a"]"#, r#"net["b"]"#]);
        assert_eq!(
            state.resources[&a(r#"net["b"]"#)].dependencies,
            [a(r#"net["a"]"#)]
        );
        assert_eq!(state.resources[&a(r#"net["b"]"#)].id, "vpc-1");
    }

    #[test]
    fn chains_are_followed_and_cycles_refused() {
        let m = moves(&[("a", "b"), ("b", "c"), ("old", "web"), ("old.x", "web.y")]);
        assert_eq!(dest(&m, "a"), Ok(Some("c".into())));
        assert_eq!(dest(&m, "a[2]"), Ok(Some("c[2]".into())));
        assert_eq!(dest(&m, "old.alb"), Ok(Some("web.alb".into())));
        assert_eq!(dest(&m, "old.x"), Ok(Some("web.y".into())));
        assert_eq!(dest(&m, "z"), Ok(None));
        // A module moved into a `for_each` key, and its stack's own move.
        let keyed = moves(&[
            ("web", r#"web["prod"]"#),
            (r#"web["prod"].public[0]"#, r#"web["prod"].public["a"]"#),
        ]);
        assert_eq!(
            dest(&keyed, "web.public[0]"),
            Ok(Some(r#"web["prod"].public["a"]"#.into()))
        );
        assert_eq!(
            dest(&keyed, "web.vpc"),
            Ok(Some(r#"web["prod"].vpc"#.into()))
        );
        let cycle = moves(&[("a", "b"), ("b", "a")]);
        assert_eq!(dest(&cycle, "a"), Err(()));
    }
}
