//! Checks of attribute values: types, then what AWS itself would reject
//! (CIDRs, AZs, instance classes, port ranges, replica settings).

use ipnet::Ipv4Net;

use crate::schema::{AttrSchema, AttrType, KindSchema, Mode};
use crate::value::{Attrs, Value};

/// One problem with one attribute of a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrProblem {
    /// The attribute at fault (`None`: the resource as a whole).
    pub attr: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl AttrProblem {
    pub(super) fn new(
        attr: Option<&str>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        Self {
            attr: attr.map(str::to_string),
            message: message.into(),
            help,
        }
    }
}

/// The six availability zone letters every region has (as the simulated cloud models it).
pub const AZ_LETTERS: &[char] = &['a', 'b', 'c', 'd', 'e', 'f'];

/// Checks one attribute's value against its type and AWS's rules, widening
/// integers given for numbers. References and unknowns are checked once known.
pub fn check_attr(attr: &AttrSchema, value: &mut Value, region: &str) -> Vec<AttrProblem> {
    let mut out = Vec::new();
    if let Value::Secret(s) = value {
        // A secret is a string when read, and goes only into a sensitive
        // attribute: state keeps those as a digest, any other in clear.
        if !attr.sensitive || attr.ty != AttrType::String {
            out.push(AttrProblem::new(
                Some(attr.name),
                format!(
                    "`{}` is not a sensitive attribute: it cannot take a secret ({})",
                    attr.name,
                    s.source()
                ),
                Some(
                    "give its value in the manifest; secrets go only into sensitive \
                     attributes, which state keeps as a digest"
                        .into(),
                ),
            ));
            return out;
        }
    } else {
        check_type(attr.name, &attr.ty, value, &mut out);
    }
    if out.is_empty() {
        check_value(attr.name, value, region, &mut out);
    }
    out
}

pub(crate) fn check_type(path: &str, ty: &AttrType, value: &mut Value, out: &mut Vec<AttrProblem>) {
    let ok = match (ty, &mut *value) {
        (_, Value::Ref(_) | Value::Unknown) => true,
        (AttrType::String, Value::String(_))
        | (AttrType::Int, Value::Int(_))
        | (AttrType::Bool, Value::Bool(_))
        | (AttrType::Float, Value::Float(_)) => true,
        (AttrType::Float, Value::Int(i)) => {
            *value = Value::Float(*i as f64);
            true
        }
        (AttrType::List(elem), Value::List(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                check_type(&format!("{path}[{i}]"), elem, item, out);
            }
            true
        }
        (AttrType::Map(elem), Value::Map(map)) => {
            for (k, v) in map.iter_mut() {
                check_type(&format!("{path}.{k}"), elem, v, out);
            }
            true
        }
        (AttrType::Object(fields), Value::Map(map)) => {
            for key in map.keys() {
                if !fields.iter().any(|f| f.name == key) {
                    out.push(AttrProblem::new(
                        Some(path),
                        format!("`{path}` has no field `{key}`"),
                        Some(format!(
                            "fields are: {}",
                            fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                        )),
                    ));
                }
            }
            for f in fields.iter() {
                match map.get_mut(f.name) {
                    Some(v) => check_type(&format!("{path}.{}", f.name), &f.ty, v, out),
                    None if f.required => out.push(AttrProblem::new(
                        Some(path),
                        format!("`{path}` is missing the field `{}`", f.name),
                        Some(format!("add `{} = ...` ({})", f.name, f.ty.describe())),
                    )),
                    None => {}
                }
            }
            true
        }
        _ => false,
    };
    if !ok {
        out.push(AttrProblem::new(
            Some(path),
            format!(
                "`{path}` must be {}, not {}",
                ty.describe(),
                kind_name(value)
            ),
            None,
        ));
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a table",
        Value::Ref(_) => "a reference",
        Value::Unknown => "an unknown value",
        Value::Secret(_) => "a secret",
    }
}

fn check_value(name: &str, value: &Value, region: &str, out: &mut Vec<AttrProblem>) {
    if super::dns_check::check_value(name, value, out) {
        return;
    }
    let mut bad = |msg: String, help: &str| {
        out.push(AttrProblem::new(Some(name), msg, Some(help.to_string())));
    };
    match (name, value) {
        ("cidr_block", Value::String(s)) => {
            if let Err(msg) = check_cidr(s) {
                bad(msg, "write a network address and prefix, e.g. 10.0.1.0/24");
            }
        }
        ("availability_zone", Value::String(s)) => {
            if let Err(msg) = check_az(s, region) {
                bad(msg, &az_help(region));
            }
        }
        ("preferred_cache_cluster_azs", Value::List(items)) => {
            for s in items.iter().filter_map(Value::as_str) {
                if let Err(msg) = check_az(s, region) {
                    bad(msg, &az_help(region));
                }
            }
        }
        ("instance_type", Value::String(s))
            if !is_class(s, None) || s.starts_with("db.") || s.starts_with("cache.") =>
        {
            bad(
                format!("`{s}` is not an EC2 instance type"),
                "EC2 types look like t3.micro or m7g.large",
            );
        }
        ("instance_class", Value::String(s)) if !is_class(s, Some("db")) => {
            bad(
                format!("`{s}` is not a DB instance class"),
                "DB classes look like db.t4g.medium or db.r6g.large",
            );
        }
        ("node_type", Value::String(s)) if !is_class(s, Some("cache")) => {
            bad(
                format!("`{s}` is not a cache node type"),
                "cache node types look like cache.t4g.small or cache.r7g.large",
            );
        }
        ("port", Value::Int(p)) if !(1..=65535).contains(p) => {
            bad(format!("port {p} is out of range"), "ports are 1 to 65535");
        }
        ("ingress" | "egress", Value::List(rules)) => {
            for rule in rules.iter().filter_map(Value::as_map) {
                check_rule(name, rule, out);
            }
        }
        ("engine", Value::String(s)) if s != "postgres" && s != "redis" => {
            bad(
                format!("engine `{s}` is not supported"),
                "Strata manages PostgreSQL (`postgres`) and Redis (`redis`)",
            );
        }
        ("backup_retention_period", Value::Int(d)) if !(0..=35).contains(d) => {
            bad(
                format!("{d} days is out of range"),
                "retention is 0 to 35 days",
            );
        }
        ("replicas_per_node_group", Value::Int(n)) if !(0..=5).contains(n) => {
            bad(
                format!("{n} replicas is out of range"),
                "a Redis shard has 0 to 5 replicas",
            );
        }
        ("identifier" | "replication_group_id", Value::String(s)) => {
            if let Err(msg) = check_identifier(s, 63) {
                bad(msg, "use 1-63 letters, digits or hyphens, starting with a letter, no `--`, not ending in `-`");
            } else if let Some(problem) = upper_case(name, s) {
                out.push(problem);
            }
        }
        ("comparison_operator", Value::String(s)) if !COMPARISONS.contains(&s.as_str()) => {
            bad(
                format!("`{s}` is not a comparison operator"),
                &format!("one of: {}", COMPARISONS.join(", ")),
            );
        }
        ("statistic", Value::String(s)) if !STATISTICS.contains(&s.as_str()) => {
            bad(
                format!("`{s}` is not a statistic"),
                &format!("one of: {}", STATISTICS.join(", ")),
            );
        }
        ("extended_statistic", Value::String(s)) if !is_percentile(s) => {
            bad(
                format!("`{s}` is not a percentile"),
                "write p followed by 0-100, e.g. p95 or p99.9",
            );
        }
        ("metadata_options", Value::Map(m)) => check_metadata_options(m, out),
        ("block_device_mappings", Value::List(devices)) => {
            for device in devices.iter().filter_map(Value::as_map) {
                check_block_device(device, out);
            }
        }
        ("slow_start", Value::Int(n)) if *n != 0 && !(30..=900).contains(n) => {
            bad(
                format!("a slow start of {n} s is out of range"),
                "0 (off) or 30 to 900 seconds",
            );
        }
        ("stickiness", Value::Map(m)) => {
            check_one_of(name, m, "type", &["lb_cookie"], out);
            check_range(name, m, "cookie_duration", 1..=604_800, out);
        }
        ("predefined_metric", Value::String(s)) if !METRICS.contains(&s.as_str()) => {
            bad(
                format!("`{s}` is not a predefined metric"),
                &format!("one of: {}", METRICS.join(", ")),
            );
        }
        _ => super::data_checks::check_value(name, value, out),
    }
}

const COMPARISONS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];
pub(super) const STATISTICS: &[&str] = &["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const METRICS: &[&str] = &[
    "ASGAverageCPUUtilization",
    "ASGAverageNetworkIn",
    "ASGAverageNetworkOut",
    "ALBRequestCountPerTarget",
];

const HTTP_TOKENS: &[&str] = &["optional", "required"];
const ENABLED: &[&str] = &["enabled", "disabled"];
const VOLUME_TYPES: &[&str] = &["standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"];

/// A field of a table attribute that must be one of `allowed`.
fn check_one_of(
    path: &str,
    map: &crate::value::Attrs,
    field: &str,
    allowed: &[&str],
    out: &mut Vec<AttrProblem>,
) {
    if let Some(s) = map.get(field).and_then(Value::as_str) {
        if !allowed.contains(&s) {
            out.push(AttrProblem::new(
                Some(path),
                format!("`{field} = \"{s}\"` is not allowed"),
                Some(format!("one of: {}", allowed.join(", "))),
            ));
        }
    }
}

/// A field of a table attribute that must be an integer in `range`.
fn check_range(
    path: &str,
    map: &crate::value::Attrs,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
    out: &mut Vec<AttrProblem>,
) {
    if let Some(Value::Int(n)) = map.get(field) {
        if !range.contains(n) {
            out.push(AttrProblem::new(
                Some(path),
                format!("`{field} = {n}` is out of range"),
                Some(format!("{field} is {} to {}", range.start(), range.end())),
            ));
        }
    }
}

fn check_metadata_options(m: &crate::value::Attrs, out: &mut Vec<AttrProblem>) {
    let path = "metadata_options";
    check_one_of(path, m, "http_tokens", HTTP_TOKENS, out);
    check_one_of(path, m, "http_endpoint", ENABLED, out);
    check_one_of(path, m, "instance_metadata_tags", ENABLED, out);
    check_range(path, m, "http_put_response_hop_limit", 1..=64, out);
}

fn check_block_device(device: &crate::value::Attrs, out: &mut Vec<AttrProblem>) {
    let Some(ebs) = device.get("ebs").and_then(Value::as_map) else {
        return;
    };
    let path = "block_device_mappings";
    check_one_of(path, ebs, "volume_type", VOLUME_TYPES, out);
    check_range(path, ebs, "volume_size", 1..=65536, out);
    if ebs.get("kms_key_id").is_some() && ebs.get("encrypted") != Some(&Value::Bool(true)) {
        out.push(AttrProblem::new(
            Some(path),
            "a `kms_key_id` needs `encrypted = true`".to_string(),
            Some("AWS encrypts a volume with the key only when `encrypted = true`".to_string()),
        ));
    }
}

pub(super) fn is_percentile(s: &str) -> bool {
    s.strip_prefix('p')
        .and_then(|n| n.parse::<f64>().ok())
        .is_some_and(|n| (0.0..=100.0).contains(&n))
}

fn check_rule(name: &str, rule: &crate::value::Attrs, out: &mut Vec<AttrProblem>) {
    let proto = rule
        .get("protocol")
        .and_then(Value::as_str)
        .unwrap_or("tcp");
    if !["tcp", "udp", "icmp", "-1", "all"].contains(&proto) {
        out.push(AttrProblem::new(
            Some(name),
            format!("protocol `{proto}` is not supported"),
            Some("use tcp, udp, icmp or -1 (all)".into()),
        ));
    }
    let from = rule.get("from_port").and_then(Value::as_i64);
    let to = rule.get("to_port").and_then(Value::as_i64);
    let all = proto == "-1" || proto == "all";
    for p in [from, to].into_iter().flatten() {
        let ok = if all || proto == "icmp" {
            (-1..=65535).contains(&p)
        } else {
            (0..=65535).contains(&p)
        };
        if !ok {
            out.push(AttrProblem::new(
                Some(name),
                format!("port {p} is out of range"),
                Some("rule ports are 0 to 65535 (-1 with protocol -1)".into()),
            ));
        }
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            out.push(AttrProblem::new(
                Some(name),
                format!("port range {f}-{t} is reversed"),
                Some("from_port must not exceed to_port".into()),
            ));
        }
    }
    for cidr in rule
        .get("cidr_blocks")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
    {
        if let Err(msg) = check_cidr(cidr) {
            out.push(AttrProblem::new(
                Some(name),
                msg,
                Some("e.g. 10.0.0.0/16 or 0.0.0.0/0".into()),
            ));
        }
    }
}

/// Checks that `s` is an IPv4 network in CIDR notation with no host bits set.
pub fn check_cidr(s: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = s
        .parse()
        .map_err(|_| format!("`{s}` is not an IPv4 CIDR block"))?;
    if net.network() != net.addr() {
        return Err(format!(
            "`{s}` has host bits set; the network is {}/{}",
            net.network(),
            net.prefix_len()
        ));
    }
    Ok(net)
}

/// Checks that `az` is an availability zone of `region`.
pub fn check_az(az: &str, region: &str) -> Result<(), String> {
    let valid = az
        .strip_prefix(region)
        .is_some_and(|rest| rest.len() == 1 && rest.chars().all(|c| AZ_LETTERS.contains(&c)));
    if valid {
        Ok(())
    } else {
        Err(format!("`{az}` is not an availability zone of {region}"))
    }
}

fn az_help(region: &str) -> String {
    format!("zones of {region} are {region}a to {region}f")
}

fn is_class(s: &str, prefix: Option<&str>) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    let (family, size) = match (prefix, parts.as_slice()) {
        (Some(p), [pre, family, size]) if *pre == p => (*family, *size),
        (None, [family, size]) => (*family, *size),
        _ => return false,
    };
    let family_ok = family.len() >= 2
        && family.starts_with(|c: char| c.is_ascii_lowercase())
        && family.chars().any(|c| c.is_ascii_digit())
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    // Sizes such as `large`, `48xlarge` or `metal-48xl`.
    let size_ok = !size.is_empty()
        && size.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !size.ends_with('-')
        && size
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    family_ok && size_ok
}

/// AWS stores RDS and ElastiCache identifiers in lower case: a create with
/// upper case succeeds, and a read by the name given then finds nothing.
pub(super) fn upper_case(name: &str, s: &str) -> Option<AttrProblem> {
    s.chars().any(|c| c.is_ascii_uppercase()).then(|| {
        let lower = s.to_ascii_lowercase();
        AttrProblem::new(
            Some(name),
            format!("`{s}` has upper case: AWS would store it as `{lower}`"),
            Some(format!(
                "write `{lower}`: AWS lower-cases this identifier, so Strata could not find the resource under the name given"
            )),
        )
    })
}

/// Puts values in the form AWS reports them: load balancer protocols in
/// upper case, security group rule protocols in lower case with `all` as
/// `-1`.
fn normalize(kind: &str, name: &str, value: &mut Value) {
    fn upper(v: &mut Value) {
        if let Value::String(s) = v {
            if s.chars().any(|c| c.is_ascii_lowercase()) {
                *s = s.to_ascii_uppercase();
            }
        }
    }
    match (kind, name) {
        (super::TARGET_GROUP | super::LISTENER, "protocol") => upper(value),
        (super::TARGET_GROUP, "health_check") => {
            if let Some(p) = value.as_map_mut().and_then(|m| m.get_mut("protocol")) {
                upper(p);
            }
        }
        (super::ROUTE53_ZONE | super::ROUTE53_RECORD, "name") => {
            if let Value::String(s) = value {
                if s.ends_with('.') || s.chars().any(|c| c.is_ascii_uppercase()) {
                    *s = super::fqdn(s).into();
                }
            }
        }
        (super::ROUTE53_RECORD, "type") => upper(value),
        (super::SECURITY_GROUP, "ingress" | "egress") => {
            let Value::List(rules) = value else { return };
            for rule in rules.iter_mut() {
                let Some(p) = rule.as_map_mut().and_then(|m| m.get_mut("protocol")) else {
                    continue;
                };
                if let Value::String(s) = p {
                    let lower = s.to_ascii_lowercase();
                    *s = if lower == "all" { "-1".into() } else { lower };
                }
            }
        }
        _ => {}
    }
}

/// An optional object attribute whose every field has a default, as a
/// table of those defaults (a target group's health check).
fn default_object(a: &AttrSchema) -> Option<Value> {
    let AttrType::Object(fields) = a.ty else {
        return None;
    };
    if a.mode != Mode::Optional || fields.is_empty() || fields.iter().any(|f| f.default.is_none()) {
        return None;
    }
    Some(Value::Map(
        fields
            .iter()
            .filter_map(|f| Some((crate::value::Name::from(f.name), f.default?.value())))
            .collect(),
    ))
}

/// Fills in the defaults of object fields the configuration left out, in
/// objects and lists of objects.
fn fill_field_defaults(ty: &AttrType, value: &mut Value) {
    match (ty, value) {
        (AttrType::Object(fields), Value::Map(map)) => {
            for f in fields.iter() {
                match (map.get_mut(f.name), f.default) {
                    (Some(v), _) => fill_field_defaults(&f.ty, v),
                    (None, Some(d)) => {
                        map.insert(f.name.into(), d.value());
                    }
                    (None, None) => {}
                }
            }
        }
        (AttrType::List(elem), Value::List(items)) => {
            for item in items.iter_mut() {
                fill_field_defaults(elem, item);
            }
        }
        _ => {}
    }
}

pub(super) fn check_identifier(s: &str, max: usize) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= max
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not a valid identifier"))
    }
}

/// Checks a resource's attributes as a whole: unknown names, missing required
/// attributes, attributes only the provider sets, each value, and rules that
/// tie attributes together. Fills in schema defaults.
pub fn check_resource(schema: &KindSchema, attrs: &mut Attrs, region: &str) -> Vec<AttrProblem> {
    let mut out = Vec::new();
    let mut defaulted = Vec::new();
    for name in attrs.keys() {
        match schema.attr(name) {
            None => out.push(AttrProblem::new(
                Some(name),
                format!("{} has no attribute `{name}`", schema.kind),
                Some(match super::suggest_attr(schema, name) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "its attributes are: {}",
                        schema
                            .attrs
                            .iter()
                            .filter(|a| a.mode != Mode::Computed)
                            .map(|a| a.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
            )),
            Some(a) if a.mode == Mode::Computed => out.push(AttrProblem::new(
                Some(name),
                format!("`{name}` is set by AWS and cannot be configured"),
                Some("remove it; other resources can still refer to it".into()),
            )),
            Some(_) => {}
        }
    }
    for a in schema.attrs {
        if a.mode == Mode::Required && !attrs.contains_key(a.name) {
            out.push(AttrProblem::new(
                None,
                format!("{} requires `{}`", schema.kind, a.name),
                Some(format!(
                    "add `{} = ...` ({}): {}",
                    a.name,
                    a.ty.describe(),
                    a.doc
                )),
            ));
        }
        if let Some(v) = attrs.get_mut(a.name) {
            normalize(schema.kind, a.name, v);
            let problems = check_attr(a, v, region);
            if problems.is_empty() {
                fill_field_defaults(&a.ty, v);
            }
            out.extend(problems);
        } else if let Some(d) = a.default {
            attrs.insert(a.name.into(), d.value());
            defaulted.push(a.name);
        } else if let Some(object) = default_object(a) {
            // Every field has AWS's default: leaving the whole table out
            // means those defaults, as AWS applies them.
            attrs.insert(a.name.into(), object);
        }
    }
    // Filling defaults grew the map; a large configuration keeps every
    // resource's attributes for the whole run, without the spare room (in
    // nested maps and lists too).
    attrs.shrink_nested();
    if schema.kind == super::DB_INSTANCE
        && attrs
            .get("replicate_source_db")
            .is_some_and(|v| *v != Value::Null)
    {
        // A read replica takes these from its source; a default would ask
        // AWS for something else (less storage than the source, which AWS
        // refuses) or show as a change on every plan.
        for name in REPLICA_INHERITS {
            if defaulted.contains(name) {
                attrs.remove(name);
            }
        }
    }
    if out.is_empty() {
        if schema.kind == super::METRIC_ALARM {
            super::alarm_check::normalize(attrs);
        }
        check_cross(schema, attrs, &mut out);
    }
    out
}

/// What a read replica takes from its source unless configured.
const REPLICA_INHERITS: &[&str] = &[
    "allocated_storage",
    "backup_retention_period",
    "engine_version",
    "storage_encrypted",
];

fn check_cross(schema: &KindSchema, attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    super::data_checks::check_cross(schema.kind, attrs, out);
    let int = |k: &str| attrs.get(k).and_then(Value::as_i64);
    let boolean = |k: &str| attrs.get(k).and_then(Value::as_bool);
    match schema.kind {
        super::DB_SUBNET_GROUP | super::CACHE_SUBNET_GROUP => {
            if let Some(problem) = attrs
                .get("name")
                .and_then(Value::as_str)
                .and_then(|s| upper_case("name", s))
            {
                out.push(problem);
            }
        }
        super::DB_INSTANCE
            if boolean("multi_az") == Some(true) && attrs.contains_key("availability_zone") =>
        {
            out.push(AttrProblem::new(
                Some("availability_zone"),
                "a multi-AZ DB instance cannot have an availability_zone: AWS places it and its standby, and a failover moves it",
                Some("remove availability_zone, or set multi_az = false".into()),
            ));
        }
        super::AUTOSCALING_GROUP => {
            if let (Some(min), Some(max)) = (int("min_size"), int("max_size")) {
                if min > max || min < 0 {
                    out.push(AttrProblem::new(
                        Some("min_size"),
                        if min < 0 {
                            format!("min_size {min} is negative")
                        } else {
                            format!("min_size {min} exceeds max_size {max}")
                        },
                        Some("min_size ≤ desired_capacity ≤ max_size".into()),
                    ));
                }
                if let Some(d) = int("desired_capacity") {
                    if d < min || d > max {
                        out.push(AttrProblem::new(
                            Some("desired_capacity"),
                            format!("desired_capacity {d} is outside {min}..={max}"),
                            Some("min_size ≤ desired_capacity ≤ max_size".into()),
                        ));
                    }
                }
            }
        }
        super::REPLICATION_GROUP => {
            let replicas = int("replicas_per_node_group").unwrap_or(1);
            let failover = boolean("automatic_failover_enabled").unwrap_or(true);
            let multi_az = boolean("multi_az_enabled").unwrap_or(true);
            if failover && replicas < 1 {
                out.push(AttrProblem::new(
                    Some("automatic_failover_enabled"),
                    "automatic failover needs at least one replica",
                    Some(
                        "set replicas_per_node_group ≥ 1, or automatic_failover_enabled = false"
                            .into(),
                    ),
                ));
            }
            if multi_az && !failover {
                out.push(AttrProblem::new(
                    Some("multi_az_enabled"),
                    "multi-AZ needs automatic failover",
                    Some("set automatic_failover_enabled = true".into()),
                ));
            }
            if let Some(azs) = attrs
                .get("preferred_cache_cluster_azs")
                .and_then(Value::as_list)
            {
                if azs.len() as i64 != replicas + 1 {
                    out.push(AttrProblem::new(
                        Some("preferred_cache_cluster_azs"),
                        format!("{} AZs given for {} nodes", azs.len(), replicas + 1),
                        Some("give one AZ per node, primary first".into()),
                    ));
                }
            }
        }
        super::METRIC_ALARM => super::alarm_check::check_alarm(attrs, out),
        super::IAM_ROLE
        | super::IAM_ROLE_POLICY
        | super::INSTANCE_PROFILE
        | super::KMS_KEY
        | super::KMS_ALIAS
        | super::SNS_TOPIC
        | super::SNS_TOPIC_SUBSCRIPTION => super::identity_check::check(schema.kind, attrs, out),
        super::LISTENER => super::listener_check::check_listener(attrs, out),
        super::EIP => super::egress_check::check_eip(attrs, out),
        super::NAT_GATEWAY => super::egress_check::check_nat_gateway(attrs, out),
        super::ROUTE_TABLE => super::egress_check::check_routes(attrs, out),
        super::ROUTE53_RECORD => super::dns_check::check_record(attrs, out),
        super::DB_INSTANCE => {
            let replica = attrs.contains_key("replicate_source_db");
            if !replica && attrs.get("username").is_none() {
                out.push(AttrProblem::new(
                    None,
                    "a primary DB instance needs a master `username`",
                    Some("add `username = \"app\"` (and a `password`)".into()),
                ));
            }
            super::rds_password::check(attrs, out);
            if !boolean("storage_encrypted").unwrap_or(true) && attrs.contains_key("kms_key_id") {
                out.push(AttrProblem::new(
                    Some("kms_key_id"),
                    "kms_key_id needs storage_encrypted = true",
                    None,
                ));
            }
        }
        super::LOAD_BALANCER => {
            if let Some(subnets) = attrs.get("subnet_ids").and_then(Value::as_list) {
                if subnets.len() < 2 {
                    out.push(AttrProblem::new(
                        Some("subnet_ids"),
                        "an application load balancer needs subnets in at least two AZs",
                        Some("list two or more subnets in distinct AZs".into()),
                    ));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::kinds::{schema_of, DB_INSTANCE, REPLICATION_GROUP, SUBNET};

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn a_secret_goes_only_into_a_sensitive_attribute() {
        let secret = || Value::Secret(Box::new(crate::secret::Secret::env("SHOP_DB_PASSWORD")));
        let db = schema_of(DB_INSTANCE).unwrap();
        // The password is sensitive: state keeps a digest of it.
        assert!(check_attr(db.attr("password").unwrap(), &mut secret(), "us-east-1").is_empty());
        assert_eq!(crate::kinds::sensitive_attrs(DB_INSTANCE), ["password"]);
        // Anywhere else state would keep it in clear: refused, naming the
        // attribute and where the secret comes from.
        let problems = check_attr(db.attr("db_name").unwrap(), &mut secret(), "us-east-1");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("`db_name` is not a sensitive attribute")
                && problems[0].message.contains("env SHOP_DB_PASSWORD"),
            "{problems:?}"
        );
        // Inside a list it is a type error.
        let mut list = Value::List(vec![secret()]);
        let problems = check_attr(
            db.attr("vpc_security_group_ids").unwrap(),
            &mut list,
            "us-east-1",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(crate::kinds::sensitive_attrs(SUBNET).is_empty());
    }

    #[test]
    fn cidr_checks_reject_host_bits_and_garbage() {
        assert!(check_cidr("10.0.0.0/16").is_ok());
        assert!(check_cidr("10.0.1.5/24").unwrap_err().contains("host bits"));
        assert!(check_cidr("10.0.0.0/33").is_err());
        assert!(check_cidr("banana").is_err());
    }

    #[test]
    fn az_must_belong_to_region() {
        assert!(check_az("us-east-1a", "us-east-1").is_ok());
        assert!(check_az("us-east-1z", "us-east-1").is_err());
        assert!(check_az("eu-west-1a", "us-east-1").is_err());
    }

    #[test]
    fn classes_have_their_prefix() {
        assert!(is_class("db.t4g.medium", Some("db")));
        assert!(!is_class("t4g.medium", Some("db")));
        assert!(is_class("t3.micro", None));
        assert!(is_class("cache.r7g.large", Some("cache")));
        assert!(!is_class("cache.large", Some("cache")));
    }

    #[test]
    fn subnet_problems_are_all_reported() {
        let schema = schema_of(SUBNET).unwrap();
        let mut a = attrs(&[
            ("cidr_block", "10.0.1.7/24".into()),
            ("availability_zone", "us-east-1q".into()),
            ("colour", "blue".into()),
        ]);
        let problems = check_resource(schema, &mut a, "us-east-1");
        let text: Vec<_> = problems.iter().map(|p| p.message.clone()).collect();
        assert_eq!(problems.len(), 4, "{text:?}");
        assert!(text.iter().any(|m| m.contains("no attribute `colour`")));
        assert!(text.iter().any(|m| m.contains("requires `vpc_id`")));
    }

    #[test]
    fn redis_failover_needs_a_replica() {
        let schema = schema_of(REPLICATION_GROUP).unwrap();
        let mut a = attrs(&[
            ("replication_group_id", "cache".into()),
            ("node_type", "cache.t4g.small".into()),
            ("replicas_per_node_group", Value::Int(0)),
        ]);
        let problems = check_resource(schema, &mut a, "us-east-1");
        assert!(problems[0].message.contains("at least one replica"));
    }

    #[test]
    fn defaults_are_filled_and_ints_widened() {
        let schema = schema_of(DB_INSTANCE).unwrap();
        let mut a = attrs(&[
            ("identifier", "app-db".into()),
            ("instance_class", "db.t4g.medium".into()),
            ("username", "app".into()),
        ]);
        assert!(check_resource(schema, &mut a, "us-east-1").is_empty());
        assert_eq!(a.get("storage_encrypted"), Some(&Value::Bool(true)));
        assert_eq!(a.get("backup_retention_period"), Some(&Value::Int(7)));
    }
}
