//! Security groups and their rules.
//!
//! AWS keeps a group's rules as a set of single rules, each one protocol,
//! port range, source (a CIDR block or a security group) and description;
//! DescribeSecurityGroups merely groups them by port range. Strata does the
//! same: a configured rule with several sources is several [`Rule`]s, an
//! edit authorizes the rules that are new, updates changed descriptions in
//! place and revokes only the rules that are gone, in that order, so a rule
//! that stays is never missing, not even for a moment. A read reports one
//! rule per protocol, port range and description with its sources in AWS's
//! order (as configurations write rules), the rules sorted (the plan
//! compares rules as a set).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, ResourceType, SecurityGroup, UserIdGroupPair,
};
use strata_core::kinds;
use strata_core::provider::ProviderError;
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::network::{filters, region, tag_map, tag_spec};
use crate::tags::finish;
use crate::util::{int_of, required, str_of, strings};

/// Where a rule admits traffic from (ingress) or to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    /// An IPv4 or IPv6 CIDR block.
    Cidr(String),
    /// Another security group.
    Group(String),
}

/// One rule as AWS keeps it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Rule {
    /// `tcp`, `udp`, `icmp`, ... or `-1` (all).
    pub protocol: String,
    /// First port (0 for all protocols).
    pub from: i64,
    /// Last port (0 for all protocols).
    pub to: i64,
    /// The source or destination.
    pub source: Source,
    /// Its description, if any.
    pub description: Option<String>,
}

impl Rule {
    /// What identifies a rule on AWS: all but its description.
    fn key(&self) -> (&str, i64, i64, &Source) {
        (&self.protocol, self.from, self.to, &self.source)
    }

    /// The rule as an IpPermission for Authorize/Revoke/Update calls.
    fn permission(&self) -> IpPermission {
        let mut b = IpPermission::builder().ip_protocol(&self.protocol);
        if self.protocol != "-1" {
            b = b
                .from_port(i32::try_from(self.from).unwrap_or(0))
                .to_port(i32::try_from(self.to).unwrap_or(0));
        }
        let d = self.description.clone();
        match &self.source {
            Source::Cidr(c) if c.contains(':') => b
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(d).build())
                .build(),
            Source::Cidr(c) => b
                .ip_ranges(IpRange::builder().cidr_ip(c).set_description(d).build())
                .build(),
            Source::Group(g) => b
                .user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id(g)
                        .set_description(d)
                        .build(),
                )
                .build(),
        }
    }
}

/// Port range as AWS reports it: all protocols have none (0, 0 here).
fn ports(protocol: &str, from: i64, to: i64) -> (i64, i64) {
    if protocol == "-1" {
        (0, 0)
    } else {
        (from, to)
    }
}

fn nonempty(d: Option<&str>) -> Option<String> {
    d.filter(|d| !d.is_empty()).map(str::to_string)
}

/// The rules of AWS's permissions, in AWS's order.
pub(crate) fn live_rules(perms: &[IpPermission]) -> Vec<Rule> {
    let mut out = Vec::new();
    for p in perms {
        let protocol = p.ip_protocol().unwrap_or("-1").to_string();
        let (from, to) = ports(
            &protocol,
            i64::from(p.from_port().unwrap_or(0)),
            i64::from(p.to_port().unwrap_or(0)),
        );
        let rule = |source: Source, description: Option<&str>| Rule {
            protocol: protocol.clone(),
            from,
            to,
            source,
            description: nonempty(description),
        };
        for r in p.ip_ranges() {
            if let Some(c) = r.cidr_ip() {
                out.push(rule(Source::Cidr(c.to_string()), r.description()));
            }
        }
        for r in p.ipv6_ranges() {
            if let Some(c) = r.cidr_ipv6() {
                out.push(rule(Source::Cidr(c.to_string()), r.description()));
            }
        }
        for g in p.user_id_group_pairs() {
            if let Some(id) = g.group_id() {
                out.push(rule(Source::Group(id.to_string()), g.description()));
            }
        }
    }
    let mut seen = Vec::new();
    out.retain(|r| {
        let new = !seen.contains(r);
        if new {
            seen.push(r.clone());
        }
        new
    });
    out
}

/// Protocol, ports and description: what the sources of one rule share.
type GroupKey = (String, i64, i64, Option<String>);

/// Rules as attribute values: the sources of one protocol, port range and
/// description make one rule (as configurations write them), in AWS's
/// order; the rules are sorted by protocol, ports and description.
pub(crate) fn rule_values(rules: &[Rule]) -> Vec<Value> {
    let mut groups: BTreeMap<GroupKey, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for r in rules {
        let (cidrs, sgs) = groups
            .entry((r.protocol.clone(), r.from, r.to, r.description.clone()))
            .or_default();
        match &r.source {
            Source::Cidr(c) => cidrs.push(Value::from(c.as_str())),
            Source::Group(g) => sgs.push(Value::from(g.as_str())),
        }
    }
    groups
        .into_iter()
        .map(|((protocol, from, to, description), (cidrs, sgs))| {
            let mut m = Attrs::new();
            m.insert("protocol".into(), Value::from(protocol.as_str()));
            m.insert("from_port".into(), Value::Int(from));
            m.insert("to_port".into(), Value::Int(to));
            if !cidrs.is_empty() {
                m.insert("cidr_blocks".into(), Value::List(cidrs));
            }
            if !sgs.is_empty() {
                m.insert("security_group_ids".into(), Value::List(sgs));
            }
            if let Some(d) = description {
                m.insert("description".into(), Value::from(d.as_str()));
            }
            Value::Map(m)
        })
        .collect()
}

/// The rules of configured (or previously read) rule values, sorted.
pub(crate) fn configured_rules(rules: &[Value]) -> Vec<Rule> {
    let mut out = Vec::new();
    for r in rules.iter().filter_map(Value::as_map) {
        let Some(protocol) = str_of(r, "protocol") else {
            continue;
        };
        let protocol = match protocol.to_ascii_lowercase().as_str() {
            "all" => "-1".to_string(),
            p => p.to_string(),
        };
        let (from, to) = ports(
            &protocol,
            int_of(r, "from_port").unwrap_or(0),
            int_of(r, "to_port").unwrap_or(0),
        );
        let description = nonempty(str_of(r, "description"));
        let sources = strings(r, "cidr_blocks")
            .into_iter()
            .map(Source::Cidr)
            .chain(
                strings(r, "security_group_ids")
                    .into_iter()
                    .map(Source::Group),
            );
        for source in sources {
            out.push(Rule {
                protocol: protocol.clone(),
                from,
                to,
                source,
                description: description.clone(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What an edit does to one direction's rules.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RuleChanges {
    /// Rules to authorize (new).
    pub authorize: Vec<Rule>,
    /// Rules whose description changes (in place).
    pub describe: Vec<Rule>,
    /// Rules to revoke (no longer configured).
    pub revoke: Vec<Rule>,
}

/// The changes from `have` to `want`.
pub(crate) fn rule_changes(have: &[Rule], want: &[Rule]) -> RuleChanges {
    let mut out = RuleChanges::default();
    for w in want {
        match have.iter().find(|h| h.key() == w.key()) {
            None => out.authorize.push(w.clone()),
            Some(h) if h.description != w.description => out.describe.push(w.clone()),
            Some(_) => {}
        }
    }
    out.revoke = have
        .iter()
        .filter(|h| !want.iter().any(|w| w.key() == h.key()))
        .cloned()
        .collect();
    out
}

pub(crate) async fn read(
    c: &Clients,
    ids: &[String],
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    let pages = c
        .ec2
        .describe_security_groups()
        .set_filters(Some(filters("group-id", ids)))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    for g in pages.iter().flat_map(|p| p.security_groups()) {
        let Some(id) = g.group_id() else { continue };
        out.insert(id.to_string(), attrs(c, id, g));
    }
    Ok(())
}

fn attrs(c: &Clients, id: &str, g: &SecurityGroup) -> Attrs {
    let mut a = Attrs::new();
    crate::util::put(&mut a, "name", g.group_name());
    crate::util::put(&mut a, "description", g.description());
    crate::util::put(&mut a, "vpc_id", g.vpc_id());
    let values = |rules: Vec<Rule>| Value::List(rule_values(&rules));
    a.insert("ingress".into(), values(live_rules(g.ip_permissions())));
    a.insert(
        "egress".into(),
        values(live_rules(g.ip_permissions_egress())),
    );
    crate::util::put(
        &mut a,
        "arn",
        g.owner_id()
            .map(|o| format!("arn:aws:ec2:{}:{o}:security-group/{id}", region(c))),
    );
    finish(kinds::SECURITY_GROUP, &tag_map(g.tags()), &mut a);
    a
}

/// The group's rules as AWS has them now, by direction.
async fn current(c: &Clients, id: &str) -> Result<(Vec<Rule>, Vec<Rule>), ProviderError> {
    let resp = c
        .ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .map_err(map)?;
    let g = resp.security_groups().first();
    Ok((
        live_rules(g.map(|g| g.ip_permissions()).unwrap_or_default()),
        live_rules(g.map(|g| g.ip_permissions_egress()).unwrap_or_default()),
    ))
}

pub(crate) async fn create(
    c: &Clients,
    a: &Attrs,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let out = c
        .ec2
        .create_security_group()
        .group_name(required(a, "name")?)
        .description(str_of(a, "description").unwrap_or("Managed by Strata"))
        .vpc_id(required(a, "vpc_id")?)
        .tag_specifications(tag_spec(ResourceType::SecurityGroup, tags))
        .send()
        .await
        .map_err(map)?;
    let id = out.group_id().unwrap_or_default().to_string();
    sync_rules(c, &id, a).await?;
    Ok(id)
}

/// Brings the group's rules (of the directions configured; an unconfigured
/// egress keeps AWS's default allow-all rule) to the configured ones:
/// authorizes new rules, updates descriptions, then revokes removed rules.
pub(crate) async fn sync_rules(c: &Clients, id: &str, a: &Attrs) -> Result<(), ProviderError> {
    let (ingress, egress) = current(c, id).await?;
    for (name, have, is_egress) in [("ingress", ingress, false), ("egress", egress, true)] {
        let configured = a.get(name).and_then(Value::as_list);
        if configured.is_none() && (is_egress || have.is_empty()) {
            continue;
        }
        let want = configured_rules(configured.unwrap_or_default());
        let changes = rule_changes(&have, &want);
        let perms = |rules: &[Rule]| -> Option<Vec<IpPermission>> {
            Some(rules.iter().map(Rule::permission).collect())
        };
        if !changes.authorize.is_empty() {
            if is_egress {
                c.ec2
                    .authorize_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(perms(&changes.authorize))
                    .send()
                    .await
                    .map_err(map)?;
            } else {
                c.ec2
                    .authorize_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(perms(&changes.authorize))
                    .send()
                    .await
                    .map_err(map)?;
            }
        }
        if !changes.describe.is_empty() {
            if is_egress {
                c.ec2
                    .update_security_group_rule_descriptions_egress()
                    .group_id(id)
                    .set_ip_permissions(perms(&changes.describe))
                    .send()
                    .await
                    .map_err(map)?;
            } else {
                c.ec2
                    .update_security_group_rule_descriptions_ingress()
                    .group_id(id)
                    .set_ip_permissions(perms(&changes.describe))
                    .send()
                    .await
                    .map_err(map)?;
            }
        }
        if !changes.revoke.is_empty() {
            if is_egress {
                c.ec2
                    .revoke_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(perms(&changes.revoke))
                    .send()
                    .await
                    .map_err(map)?;
            } else {
                c.ec2
                    .revoke_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(perms(&changes.revoke))
                    .send()
                    .await
                    .map_err(map)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn rule(protocol: &str, port: i64, source: &str, description: Option<&str>) -> Value {
        let mut m = Attrs::new();
        m.insert("protocol".into(), Value::from(protocol));
        m.insert("from_port".into(), Value::Int(port));
        m.insert("to_port".into(), Value::Int(port));
        let field = if source.starts_with("sg-") {
            "security_group_ids"
        } else {
            "cidr_blocks"
        };
        m.insert(field.into(), Value::List(vec![Value::from(source)]));
        if let Some(d) = description {
            m.insert("description".into(), Value::from(d));
        }
        Value::Map(m)
    }

    #[test]
    fn an_added_rule_is_only_authorized_and_a_removed_one_only_revoked() {
        let have = configured_rules(&[
            rule("tcp", 443, "10.0.0.0/8", None),
            rule("tcp", 5432, "sg-app", None),
        ]);
        let want = configured_rules(&[
            rule("tcp", 5432, "sg-app", None),
            rule("tcp", 5432, "sg-bastion", None),
        ]);
        let changes = rule_changes(&have, &want);
        assert_eq!(
            changes.authorize,
            configured_rules(&[rule("tcp", 5432, "sg-bastion", None)])
        );
        assert_eq!(
            changes.revoke,
            configured_rules(&[rule("tcp", 443, "10.0.0.0/8", None)])
        );
        assert!(changes.describe.is_empty());
    }

    #[test]
    fn reordered_rules_change_nothing_and_a_new_description_is_updated_in_place() {
        let a = rule("tcp", 80, "0.0.0.0/0", Some("web"));
        let b = rule("-1", 0, "sg-lb", None);
        let have = configured_rules(&[a.clone(), b.clone()]);
        assert_eq!(
            rule_changes(&have, &configured_rules(&[b.clone(), a])),
            RuleChanges::default()
        );
        let changes = rule_changes(
            &have,
            &configured_rules(&[rule("tcp", 80, "0.0.0.0/0", Some("http")), b]),
        );
        assert_eq!(changes.describe.len(), 1);
        assert!(changes.authorize.is_empty() && changes.revoke.is_empty());
    }

    #[test]
    fn a_rule_with_several_sources_is_one_aws_rule_per_source_and_all_is_minus_one() {
        let mut m = Attrs::new();
        m.insert("protocol".into(), Value::from("ALL"));
        m.insert("from_port".into(), Value::Int(-1));
        m.insert("to_port".into(), Value::Int(-1));
        m.insert(
            "cidr_blocks".into(),
            Value::List(vec![Value::from("10.0.0.0/8"), Value::from("::/0")]),
        );
        m.insert(
            "security_group_ids".into(),
            Value::List(vec![Value::from("sg-1")]),
        );
        let rules = configured_rules(&[Value::Map(m)]);
        assert_eq!(rules.len(), 3);
        assert!(rules
            .iter()
            .all(|r| r.protocol == "-1" && r.from == 0 && r.to == 0));
        let perms: Vec<IpPermission> = rules.iter().map(Rule::permission).collect();
        let mut back = live_rules(&perms);
        back.sort();
        assert_eq!(back, rules, "AWS's form reads back the same");
        let values = rule_values(&rules);
        assert_eq!(values.len(), 1, "one rule, as configured: {values:?}");
    }
}
