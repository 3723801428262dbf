//! Turns a plan's changes into a DAG of operations: creates and updates in
//! dependency order, deletes in reverse, replacements split into their two
//! halves in the order their lifecycle asks for.

use std::collections::HashMap;

use crate::addr::Address;
use crate::plan::{Action, Plan, ReplaceOrder};

/// One operation against the cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// Create the resource (or its replacement).
    Create,
    /// Update it in place.
    Update,
    /// Delete the current object (a removal, or the first half of a
    /// delete-then-create replacement).
    Delete,
    /// Delete an old object after its replacement exists.
    DeleteDeposed,
}

impl OpKind {
    /// Its name in JSON events and error messages: `create`, `update`,
    /// `delete`, `delete-deposed`.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Create => "create",
            OpKind::Update => "update",
            OpKind::Delete => "delete",
            OpKind::DeleteDeposed => "delete-deposed",
        }
    }

    /// A verb for progress lines.
    pub fn verb(self) -> &'static str {
        match self {
            OpKind::Create => "creating",
            OpKind::Update => "updating",
            OpKind::Delete | OpKind::DeleteDeposed => "destroying",
        }
    }
}

/// An operation: which change of the plan, and which half of it.
#[derive(Debug, Clone)]
pub struct Op {
    /// Index into `plan.changes`.
    pub change: usize,
    /// What to do.
    pub kind: OpKind,
    /// The resource's address.
    pub address: Address,
}

/// Operations and the edges between them (`succ[i]` run after `i`).
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// The operations.
    pub ops: Vec<Op>,
    /// Successors of each operation.
    pub succ: Vec<Vec<usize>>,
    /// Number of predecessors of each operation.
    pub preds: Vec<usize>,
}

impl Schedule {
    /// Builds the schedule for `plan`.
    pub fn build(plan: &Plan) -> Schedule {
        let mut s = Schedule::default();
        // address -> node of its create/update, and of its delete.
        let mut write: HashMap<&Address, usize> = HashMap::new();
        let mut delete: HashMap<&Address, usize> = HashMap::new();
        let mut deposed: Vec<(usize, &Address)> = Vec::new();
        let mut edges: Vec<(usize, usize)> = Vec::new();

        for (i, c) in plan.changes.iter().enumerate() {
            let mut push = |kind| {
                s.ops.push(Op {
                    change: i,
                    kind,
                    address: c.address.clone(),
                });
                s.ops.len() - 1
            };
            match (c.action, c.replace_order, c.deposed) {
                (Action::Create, _, _) => {
                    write.insert(&c.address, push(OpKind::Create));
                }
                (Action::Update, _, _) => {
                    write.insert(&c.address, push(OpKind::Update));
                }
                (Action::Delete, _, true) => {
                    deposed.push((push(OpKind::DeleteDeposed), &c.address))
                }
                (Action::Delete, _, false) => {
                    delete.insert(&c.address, push(OpKind::Delete));
                }
                (Action::Replace, Some(ReplaceOrder::CreateThenDelete), _) => {
                    let create = push(OpKind::Create);
                    let old = push(OpKind::DeleteDeposed);
                    edges.push((create, old));
                    write.insert(&c.address, create);
                    deposed.push((old, &c.address));
                }
                (Action::Replace, _, _) => {
                    let del = push(OpKind::Delete);
                    let create = push(OpKind::Create);
                    edges.push((del, create));
                    delete.insert(&c.address, del);
                    write.insert(&c.address, create);
                }
                (Action::NoOp | Action::Read, _, _) => {}
            }
        }

        for c in &plan.changes {
            // Creates and updates after what they depend on.
            if let Some(&node) = write.get(&c.address) {
                for dep in &c.dependencies {
                    if let Some(&d) = write.get(dep) {
                        edges.push((d, node));
                    }
                }
            }
            // An object is deleted only after whatever depended on it is deleted,
            // and (for removals) after dependents stopped referring to it.
            for dep in c.prior_dependencies.iter() {
                let Some(&del_dep) = delete.get(dep) else {
                    continue;
                };
                let removal = plan.change(dep).is_some_and(|d| d.action == Action::Delete);
                if let Some(&del_self) = delete.get(&c.address) {
                    edges.push((del_self, del_dep));
                }
                if removal {
                    if let Some(&w) = write.get(&c.address) {
                        edges.push((w, del_dep));
                    }
                }
            }
        }
        // Old objects go only once everything that refers to the new one is done.
        for &(old, address) in &deposed {
            for c in &plan.changes {
                if c.dependencies.contains(address) || c.prior_dependencies.contains(address) {
                    if let Some(&w) = write.get(&c.address) {
                        if w != old {
                            edges.push((w, old));
                        }
                    }
                    if let Some(&d) = delete.get(&c.address) {
                        edges.push((d, old));
                    }
                }
            }
        }

        s.succ = vec![Vec::new(); s.ops.len()];
        s.preds = vec![0; s.ops.len()];
        edges.sort_unstable();
        edges.dedup();
        for (from, to) in edges {
            if from != to {
                s.succ[from].push(to);
                s.preds[to] += 1;
            }
        }
        s
    }

    /// Every operation reachable from `node` (its transitive successors).
    pub fn downstream(&self, node: usize) -> Vec<usize> {
        let mut seen = vec![false; self.ops.len()];
        let mut stack = self.succ[node].clone();
        let mut out = Vec::new();
        while let Some(n) = stack.pop() {
            if !seen[n] {
                seen[n] = true;
                out.push(n);
                stack.extend(self.succ[n].iter().copied());
            }
        }
        out
    }
}
