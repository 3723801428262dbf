//! The resource graph: validates a [`Config`] as a whole (kinds, attributes,
//! references, dependencies, cycles) and orders it with petgraph.
//!
//! Every problem is reported at once, each pointing at its place in the
//! manifest when there is one.

use std::collections::BTreeSet;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::addr::Address;
use crate::config::{Config, ResourceConfig, Span};
use crate::diag::{Problem, Problems};
use crate::kinds::{self, check_resource};
use crate::value::{Reference, Value};

mod instances;

pub use instances::{CROSS_REGION_SOURCE, UNKNOWN_PROVIDER};

/// A validated configuration with its dependency graph.
#[derive(Debug, Clone)]
pub struct Graph {
    /// The configuration (attributes normalised, defaults filled in).
    pub config: Config,
    /// Node `i` is the configuration's resource at position `i`.
    dag: DiGraph<Address, ()>,
    order: Vec<Address>,
    /// The configuration positions of `order`.
    positions: Vec<usize>,
}

impl Graph {
    /// Validates `config` and builds its graph, or returns every problem found.
    pub fn build(mut config: Config) -> Result<Graph, Problems> {
        let mut problems = std::mem::take(&mut config.pending_problems);
        problems.extend(crate::moved::check(&config));
        let source = config.source.clone();
        // The region of each provider instance (a few), not of each resource.
        let regions = instances::regions(&config);
        // Env and file secrets a configuration built in Rust holds unread.
        problems.extend(crate::secret::read_local_secrets(&mut config));

        // Kinds and attributes.
        for r in config.resources.values_mut() {
            let region = regions.of(r.provider.as_deref());
            let Some(schema) = kinds::schema_of(&r.kind) else {
                problems.push(
                    Problem::new(
                        "strata::graph::unknown_kind",
                        format!("`{}` has an unknown kind `{}`", r.address, r.kind),
                        Some(match kinds::suggest_kind(&r.kind) {
                            Some(k) => format!("did you mean `{k}`?"),
                            None => {
                                "see `strata validate --kinds` for the kinds Strata manages".into()
                            }
                        }),
                    )
                    .at(
                        source.as_ref(),
                        r.spans.kind.or(r.spans.header),
                        "unknown kind",
                    ),
                );
                continue;
            };
            for p in check_resource(schema, &mut r.attrs, region) {
                let span = p
                    .attr
                    .as_ref()
                    .and_then(|a| attr_span(r, a))
                    .or(r.spans.header);
                problems.push(
                    Problem::new(
                        "strata::graph::invalid_attribute",
                        format!("`{}`: {}", r.address, p.message),
                        p.help,
                    )
                    .at(source.as_ref(), span, "here"),
                );
            }
            for ignored in &r.lifecycle.ignore_changes {
                if schema.attr(ignored).is_none() {
                    problems.push(
                        Problem::new(
                            "strata::graph::ignore_changes",
                            format!(
                                "`{}` ignores changes to `{ignored}`, which {} does not have",
                                r.address, r.kind
                            ),
                            Some("list attribute names of this kind".into()),
                        )
                        .at(
                            source.as_ref(),
                            r.spans.header,
                            "in this resource",
                        ),
                    );
                }
            }
        }

        // References and explicit dependencies, each looked up once: the
        // edges of the DAG, by configuration position, from each dependency
        // to its dependent.
        let mut edges: Vec<(usize, usize)> = Vec::with_capacity(config.resources.len());
        for (to, r) in config.resources.values().enumerate() {
            for (attr, value) in &r.attrs {
                for reference in value.references() {
                    let (from, problem) = check_reference(&config, reference);
                    edges.extend(from.map(|from| (from, to)));
                    if let Some(p) = problem {
                        problems.push(p.at(source.as_ref(), attr_span(r, attr), "referenced here"));
                    }
                }
            }
            for (i, dep) in r.depends_on.iter().enumerate() {
                if let Some(from) = config.resources.get_index_of(dep) {
                    edges.push((from, to));
                } else {
                    problems.push(
                        Problem::new(
                            "strata::graph::unknown_dependency",
                            format!("`{}` depends on `{dep}`, which does not exist", r.address),
                            Some(suggest_address(&config, dep)),
                        )
                        .at(
                            source.as_ref(),
                            r.spans.depends_on.get(i).copied(),
                            "no such resource",
                        ),
                    );
                }
            }
        }
        for (name, out) in &config.outputs {
            for reference in out.value.references() {
                if let (_, Some(p)) = check_reference(&config, reference) {
                    problems.push(
                        Problem::new(p.code, format!("output `{name}`: {}", p.message), p.help).at(
                            source.as_ref(),
                            out.span,
                            "referenced here",
                        ),
                    );
                }
            }
        }
        problems.extend(check_cross_resource(&config));
        problems.extend(instances::check(&config));
        problems.extend(crate::lookup::validate(&config));

        // The DAG: an edge from each dependency to its dependent.
        // Node indices are configuration positions: the configuration's
        // hashed index finds a node, and no second one is kept.
        let mut dag = DiGraph::with_capacity(config.resources.len(), edges.len());
        for addr in config.resources.keys() {
            dag.add_node(addr.clone());
        }
        for (from, to) in edges {
            dag.update_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
        // Dependency order; a graph with a cycle leaves some resources out,
        // and only then are the cycles looked for, to report them.
        let positions = stable_toposort(&dag);
        let cycles = if positions.len() < dag.node_count() {
            find_cycles(&dag)
        } else {
            Vec::new()
        };
        for cycle in cycles {
            let path: Vec<String> = cycle.iter().map(|a| format!("`{a}`")).collect();
            let mut p = Problem::new(
                "strata::graph::cycle",
                format!(
                    "dependency cycle: {} → {}",
                    path.join(" → "),
                    path.first().cloned().unwrap_or_default()
                ),
                Some("break the cycle: one of these resources must not refer to the next".into()),
            );
            for a in &cycle {
                let span = config.resources.get(a).and_then(|r| r.spans.header);
                p = p.at(source.as_ref(), span, format!("`{a}` is in the cycle"));
            }
            problems.push(p);
        }

        if !problems.is_empty() {
            let what = source
                .as_ref()
                .map_or("the configuration", |s| s.name.as_str())
                .to_string();
            return Err(Problems::new(&what, problems));
        }
        let order = positions
            .iter()
            .map(|&i| dag[NodeIndex::new(i)].clone())
            .collect();
        Ok(Graph {
            config,
            dag,
            order,
            positions,
        })
    }

    /// Each resource in dependency order with its position in the
    /// configuration (`config.resources.get_index(position)`).
    pub(crate) fn ordered(&self) -> impl Iterator<Item = (usize, &ResourceConfig)> + '_ {
        self.positions
            .iter()
            .filter_map(|&i| self.config.resources.get_index(i).map(|(_, r)| (i, r)))
    }

    /// Addresses in dependency order (dependencies first).
    pub fn order(&self) -> &[Address] {
        &self.order
    }

    /// The resource at `address`.
    pub fn resource(&self, address: &Address) -> Option<&ResourceConfig> {
        self.config.resources.get(address)
    }

    /// The configuration positions of what the resource at `position`
    /// directly depends on.
    pub(crate) fn dependency_positions(&self, position: usize) -> impl Iterator<Item = usize> + '_ {
        self.dag
            .neighbors_directed(NodeIndex::new(position), Direction::Incoming)
            .map(|n| n.index())
    }

    /// Direct dependencies of `address`.
    pub fn dependencies(&self, address: &Address) -> Vec<Address> {
        self.neighbors(address, Direction::Incoming)
    }

    /// Direct dependents of `address`.
    pub fn dependents(&self, address: &Address) -> Vec<Address> {
        self.neighbors(address, Direction::Outgoing)
    }

    fn neighbors(&self, address: &Address, dir: Direction) -> Vec<Address> {
        let Some(i) = self.config.resources.get_index_of(address) else {
            return Vec::new();
        };
        let i = NodeIndex::new(i);
        let mut out: Vec<Address> = self
            .dag
            .neighbors_directed(i, dir)
            .map(|n| self.dag[n].clone())
            .collect();
        out.sort();
        out
    }

    /// `targets` and everything they depend on, transitively.
    pub fn with_dependencies(&self, targets: &[Address]) -> BTreeSet<Address> {
        self.closure(targets, Direction::Incoming)
    }

    /// `targets` and everything that (transitively) depends on them.
    pub fn with_dependents(&self, targets: &[Address]) -> BTreeSet<Address> {
        self.closure(targets, Direction::Outgoing)
    }

    /// `targets` and every resource reachable from them along `dir`.
    fn closure(&self, targets: &[Address], dir: Direction) -> BTreeSet<Address> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<Address> = targets.to_vec();
        while let Some(a) = stack.pop() {
            if seen.insert(a.clone()) {
                stack.extend(self.neighbors(&a, dir));
            }
        }
        seen
    }

    /// The graph in Graphviz DOT: an edge from each resource to what it depends on.
    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph strata {\n  rankdir = \"RL\";\n  node [shape = box];\n");
        for a in &self.order {
            let kind = self.config.resources.get(a).map_or("", |r| r.kind.as_str());
            out.push_str(&format!("  \"{a}\" [label = \"{a}\\n{kind}\"];\n"));
        }
        for a in &self.order {
            for dep in self.dependencies(a) {
                out.push_str(&format!("  \"{a}\" -> \"{dep}\";\n"));
            }
        }
        out.push_str(&crate::lookup::dot_lines(&self.config));
        out.push_str("}\n");
        out
    }
}

fn attr_span(r: &ResourceConfig, attr: &str) -> Option<Span> {
    let top = attr.split(['.', '[']).next().unwrap_or(attr);
    r.spans.attrs.get(top).copied()
}

fn suggest_address(config: &Config, missing: &Address) -> String {
    let close = config
        .resources
        .keys()
        .find(|a| strsim::levenshtein(a.as_str(), missing.as_str()) <= 2);
    match close {
        Some(a) => format!("did you mean `{a}`?"),
        None => "declare that resource, or fix the address".into(),
    }
}

/// The position of the resource `reference` refers to, if it exists, and
/// what is wrong with the reference, if anything.
fn check_reference(config: &Config, reference: &Reference) -> (Option<usize>, Option<Problem>) {
    // Lookups are read before any resource is planned: no edge.
    if crate::lookup::data_name(&reference.address).is_some() {
        return (None, crate::lookup::check_reference(config, reference));
    }
    let Some((position, _, target)) = config.resources.get_full(&reference.address) else {
        let problem = Problem::new(
            "strata::graph::unknown_reference",
            format!(
                "reference to `{reference}`: there is no resource `{}`",
                reference.address
            ),
            Some(suggest_address(config, &reference.address)),
        );
        return (None, Some(problem));
    };
    let Some(schema) = kinds::schema_of(&target.kind) else {
        return (Some(position), None);
    };
    if schema.has_output(&reference.attr) {
        return (Some(position), None);
    }
    let problem = Problem::new(
        "strata::graph::unknown_attribute",
        format!(
            "reference to `{reference}`: {} has no attribute `{}`",
            target.kind, reference.attr
        ),
        Some(match kinds::suggest_attr(schema, &reference.attr) {
            Some(s) => format!("did you mean `{}.{s}`?", reference.address),
            None => "`id` and the kind's attributes can be referenced".into(),
        }),
    );
    (Some(position), Some(problem))
}

/// Rules that tie resources together: subnets inside their VPC, replicas of
/// existing primaries.
fn check_cross_resource(config: &Config) -> Vec<Problem> {
    let mut out = Vec::new();
    let source = config.source.as_ref();
    fn lit<'a>(r: &'a ResourceConfig, a: &str) -> Option<&'a str> {
        r.attrs.get(a).and_then(Value::as_str)
    }
    let primaries: BTreeSet<&str> = config
        .resources
        .values()
        .filter(|r| r.kind == kinds::DB_INSTANCE)
        .filter_map(|r| lit(r, "identifier"))
        .collect();
    for r in config.resources.values() {
        match r.kind.as_str() {
            kinds::SUBNET => {
                let vpc = match r.attrs.get("vpc_id") {
                    Some(Value::Ref(reference)) => config.resources.get(&reference.address),
                    _ => None,
                };
                let (Some(vpc), Some(cidr)) = (vpc, lit(r, "cidr_block")) else { continue };
                let (Some(vpc_cidr), true) = (lit(vpc, "cidr_block"), vpc.kind == kinds::VPC) else { continue };
                if let (Ok(outer), Ok(inner)) = (kinds::check_cidr(vpc_cidr), kinds::check_cidr(cidr)) {
                    if !outer.contains(&inner) {
                        out.push(
                            Problem::new(
                                "strata::graph::invalid_attribute",
                                format!("`{}`: {cidr} is not inside its VPC's {vpc_cidr}", r.address),
                                Some(format!("pick a block inside {vpc_cidr}")),
                            )
                            .at(source, attr_span(r, "cidr_block"), "outside the VPC"),
                        );
                    }
                }
            }
            kinds::DB_INSTANCE => match r.attrs.get("replicate_source_db") {
                Some(Value::String(primary)) if !primaries.contains(kinds::db_identifier_of(primary)) => out.push(
                    Problem::new(
                        "strata::graph::unknown_primary",
                        format!("`{}` is a replica of `{primary}`, but no DB instance has that identifier", r.address),
                        Some("refer to the primary, e.g. replicate_source_db = \"${db.primary.identifier}\"".into()),
                    )
                    .at(source, attr_span(r, "replicate_source_db"), "no such primary"),
                ),
                Some(Value::Ref(reference)) => {
                    let target = config.resources.get(&reference.address);
                    if let Some(t) = target.filter(|t| t.kind != kinds::DB_INSTANCE || !matches!(reference.attr.as_str(), "identifier" | "arn")) {
                        out.push(
                            Problem::new(
                                "strata::graph::unknown_primary",
                                format!("`{}` replicates `{reference}`, which is not a DB instance's identifier ({})", r.address, t.kind),
                                Some("refer to the primary's identifier: \"${db.primary.identifier}\"".into()),
                            )
                            .at(source, attr_span(r, "replicate_source_db"), "not a primary"),
                        );
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    out
}

/// Dependencies first; among resources ready at the same time, the one
/// declared first comes first (Kahn's algorithm with a min-heap of node indices,
/// which follow declaration order). Resources on or behind a cycle are left out.
fn stable_toposort(dag: &DiGraph<Address, ()>) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut indegree: Vec<usize> = dag
        .node_indices()
        .map(|n| dag.neighbors_directed(n, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<NodeIndex>> = dag
        .node_indices()
        .filter(|n| indegree[n.index()] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(dag.node_count());
    while let Some(Reverse(n)) = ready.pop() {
        order.push(n.index());
        for m in dag.neighbors_directed(n, Direction::Outgoing) {
            indegree[m.index()] -= 1;
            if indegree[m.index()] == 0 {
                ready.push(Reverse(m));
            }
        }
    }
    order
}

/// Each cycle as the addresses along it, in order.
fn find_cycles(dag: &DiGraph<Address, ()>) -> Vec<Vec<Address>> {
    let mut cycles = Vec::new();
    for scc in petgraph::algo::tarjan_scc(dag) {
        let self_loop = scc.len() == 1 && dag.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        // Walk inside the component from its smallest address until we come back.
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let Some(&start) = scc.iter().min_by_key(|i| dag[**i].clone()) else {
            continue;
        };
        let mut path = vec![start];
        let mut seen = BTreeSet::from([start]);
        let mut cur = start;
        loop {
            let mut next: Vec<NodeIndex> = dag
                .neighbors_directed(cur, Direction::Outgoing)
                .filter(|n| members.contains(n))
                .collect();
            next.sort_by_key(|n| dag[*n].clone());
            if next.contains(&start) {
                break;
            }
            match next.into_iter().find(|n| !seen.contains(n)) {
                Some(n) => {
                    seen.insert(n);
                    path.push(n);
                    cur = n;
                }
                None => break,
            }
        }
        // Edges run dependency → dependent; show "a depends on b depends on ...".
        path.reverse();
        cycles.push(path.into_iter().map(|i| dag[i].clone()).collect());
    }
    cycles
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::kinds::{SUBNET, VPC};

    fn addr(s: &str) -> Address {
        Address::parse(s).unwrap()
    }

    fn subnet(name: &str, vpc_ref: &str, cidr: &str) -> ResourceConfig {
        ResourceConfig::new(addr(name), SUBNET)
            .with("vpc_id", Value::from(Reference::parse(vpc_ref).unwrap()))
            .with("cidr_block", cidr)
            .with("availability_zone", "us-east-1a")
    }

    #[test]
    fn orders_dependencies_first() {
        let mut c = Config::new("t");
        c.add(subnet("a", "vpc.id", "10.0.1.0/24"));
        c.add(ResourceConfig::new(addr("vpc"), VPC).with("cidr_block", "10.0.0.0/16"));
        let g = Graph::build(c).unwrap();
        assert_eq!(g.order(), &[addr("vpc"), addr("a")]);
        assert_eq!(g.dependencies(&addr("a")), vec![addr("vpc")]);
        assert!(g.to_dot().contains("\"a\" -> \"vpc\""));
    }

    #[test]
    fn reports_every_problem_at_once() {
        let mut c = Config::new("t");
        c.add(ResourceConfig::new(addr("vpc"), VPC).with("cidr_block", "10.0.0.0/16"));
        c.add(subnet("a", "vcp.id", "10.0.1.0/24")); // unknown reference
        c.add(subnet("b", "vpc.id", "10.1.0.0/24")); // outside the VPC
        let mut x = subnet("x", "y.id", "10.0.2.0/24");
        x.kind = VPC.into();
        x.attrs.clear();
        x = x.with("cidr_block", "10.0.0.0/16");
        x.depends_on.push(addr("y"));
        let mut y = ResourceConfig::new(addr("y"), VPC).with("cidr_block", "10.9.0.0/16");
        y.depends_on.push(addr("x"));
        c.add(x);
        c.add(y);
        let err = Graph::build(c).unwrap_err();
        let codes: Vec<_> = err.problems.iter().map(|p| p.code).collect();
        assert!(
            codes.contains(&"strata::graph::unknown_reference"),
            "{codes:?}"
        );
        assert!(
            codes.contains(&"strata::graph::invalid_attribute"),
            "{codes:?}"
        );
        let cycle = err
            .problems
            .iter()
            .find(|p| p.code == "strata::graph::cycle")
            .unwrap();
        assert!(
            cycle.message.contains("`x`") && cycle.message.contains("`y`"),
            "{}",
            cycle.message
        );
    }

    #[test]
    fn a_cycle_is_reported_alone_and_resources_behind_it_are_not() {
        // `self` depends on itself; `a` and `b` on each other; `c` only
        // depends on `a`, so it is behind a cycle without being on one.
        let vpc = |name: &str, deps: &[&str]| {
            let mut r = ResourceConfig::new(addr(name), VPC).with("cidr_block", "10.0.0.0/16");
            r.depends_on = deps.iter().map(|d| addr(d)).collect();
            r
        };
        let mut c = Config::new("t");
        c.add(vpc("ok", &[]));
        c.add(vpc("self", &["self"]));
        c.add(vpc("a", &["b"]));
        c.add(vpc("b", &["a"]));
        c.add(vpc("c", &["a", "ok"]));
        let err = Graph::build(c).unwrap_err();
        let cycles: Vec<_> = err
            .problems
            .iter()
            .filter(|p| p.code == "strata::graph::cycle")
            .map(|p| p.message.as_str())
            .collect();
        assert_eq!(cycles.len(), 2, "{cycles:?}");
        assert!(
            cycles.iter().any(|m| m.contains("`self` → `self`")),
            "{cycles:?}"
        );
        assert!(
            cycles
                .iter()
                .any(|m| m.contains("`a`") && m.contains("`b`") && !m.contains("`c`")),
            "{cycles:?}"
        );
    }

    #[test]
    fn replica_of_missing_primary_is_reported() {
        let mut c = Config::new("t");
        c.add(
            ResourceConfig::new(addr("replica"), kinds::DB_INSTANCE)
                .with("identifier", "r1")
                .with("instance_class", "db.t4g.medium")
                .with("replicate_source_db", "nope"),
        );
        let err = Graph::build(c).unwrap_err();
        assert_eq!(err.problems[0].code, "strata::graph::unknown_primary");
    }
}
