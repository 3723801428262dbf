//! Validation across provider instances: every `provider = "NAME"` names a
//! configured instance, and a read replica in another region than its
//! source names the source by ARN (AWS finds a source in another region by
//! ARN only).

use crate::config::{Config, ResourceConfig};
use crate::diag::Problem;
use crate::kinds;
use crate::provider::{instance_name, DEFAULT_INSTANCE};
use crate::value::Value;

/// `provider = "NAME"` names an instance the configuration does not have.
pub const UNKNOWN_PROVIDER: &str = "strata::graph::unknown_provider";
/// A replica in another region names its source by identifier.
pub const CROSS_REGION_SOURCE: &str = "strata::graph::cross_region_source";

/// The region of the instance `r` belongs to (the default instance's when
/// it names an unknown one: that is reported on its own).
pub(super) fn region_of<'a>(config: &'a Config, r: &ResourceConfig) -> &'a str {
    config
        .provider_config(r.provider.as_deref())
        .unwrap_or(&config.provider)
        .region
        .as_str()
}

/// The region of each provider instance, to look up per resource without
/// borrowing the configuration.
pub(super) struct Regions {
    default: String,
    named: Vec<(String, String)>,
}

impl Regions {
    /// The region of the instance `name` (the default instance's for `None`
    /// or an unknown name: that is reported on its own).
    pub(super) fn of(&self, name: Option<&str>) -> &str {
        name.and_then(|n| self.named.iter().find(|(k, _)| k == n))
            .map_or(self.default.as_str(), |(_, region)| region.as_str())
    }
}

/// The regions of `config`'s provider instances.
pub(super) fn regions(config: &Config) -> Regions {
    Regions {
        default: config.provider.region.clone(),
        named: config
            .providers
            .iter()
            .map(|(name, p)| (name.clone(), p.region.clone()))
            .collect(),
    }
}

/// Every problem with the provider instances resources name.
pub(super) fn check(config: &Config) -> Vec<Problem> {
    let source = config.source.as_ref();
    let mut out = Vec::new();
    for r in config.resources.values() {
        let Some(name) = r.provider.as_deref() else {
            continue;
        };
        if config.providers.contains_key(name) {
            continue;
        }
        let help = match suggest(config, name) {
            Some(close) => format!("did you mean `{close}`?"),
            None if config.providers.is_empty() => format!(
                "declare the instance as `[provider.{name}]` with its `region`, or drop \
                 `provider` to use `[provider]`"
            ),
            None => format!(
                "declare `[provider.{name}]`, or name one of the instances: {}",
                instances(config)
            ),
        };
        out.push(
            Problem::new(
                UNKNOWN_PROVIDER,
                format!(
                    "`{}` belongs to the provider instance `{name}`, which is not configured",
                    r.address
                ),
                Some(help),
            )
            .at(
                source,
                r.spans.provider.or(r.spans.header),
                "no such provider instance",
            ),
        );
    }
    out.extend(cross_region_sources(config));
    out
}

/// The configured instance closest to `name`, if one is close.
fn suggest<'a>(config: &'a Config, name: &str) -> Option<&'a str> {
    config
        .providers
        .keys()
        .map(String::as_str)
        .min_by_key(|k| strsim::levenshtein(k, name))
        .filter(|k| strsim::levenshtein(k, name) <= 3 || k.replace('_', "-") == name)
}

fn instances(config: &Config) -> String {
    std::iter::once(DEFAULT_INSTANCE)
        .chain(config.providers.keys().map(String::as_str))
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replicas whose source is in another region but named by identifier.
fn cross_region_sources(config: &Config) -> Vec<Problem> {
    let source = config.source.as_ref();
    let mut out = Vec::new();
    for r in config.resources.values() {
        if r.kind != kinds::DB_INSTANCE {
            continue;
        }
        let Some(Value::Ref(reference)) = r.attrs.get("replicate_source_db") else {
            continue;
        };
        let Some(primary) = config.resources.get(&reference.address) else {
            continue;
        };
        let (here, there) = (region_of(config, r), region_of(config, primary));
        if reference.attr != "identifier" || here == there {
            continue;
        }
        let span = r
            .spans
            .attrs
            .get("replicate_source_db")
            .copied()
            .or(r.spans.header);
        out.push(
            Problem::new(
                CROSS_REGION_SOURCE,
                format!(
                    "`{}` in {here} (provider instance `{}`) replicates `{}` in {there} by its \
                     identifier, which AWS looks for in {here} only",
                    r.address,
                    instance_name(r.provider.as_deref()),
                    primary.address
                ),
                Some(format!(
                    "name a source in another region by its ARN: replicate_source_db = \
                     \"${{{}.arn}}\"",
                    primary.address
                )),
            )
            .at(source, span, "the source is in another region"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use crate::graph::Graph;
    use crate::manifest::parse_manifest;

    /// Builds the graph of `input` and renders its problems: code,
    /// `file:line:col`, message and help.
    fn problems(input: &str) -> String {
        let config = parse_manifest("strata.toml", input).unwrap();
        match Graph::build(config) {
            Ok(_) => "ok".into(),
            Err(e) => e
                .problems
                .iter()
                .map(|p| {
                    format!(
                        "{} {}: {}\n  help: {}\n",
                        p.code,
                        p.location().unwrap_or_else(|| "-".into()),
                        p.message,
                        p.help.as_deref().unwrap_or("-")
                    )
                })
                .collect(),
        }
    }

    const PRIMARY: &str = r#"
[provider]
region = "us-east-1"

[provider.us_west_2]
region = "us-west-2"

[resource.primary]
kind = "aws.rds.db_instance"
identifier = "shop-db"
instance_class = "db.t3.micro"
allocated_storage = 20
username = "app"
password = "secret-password"
skip_final_snapshot = true
"#;

    #[test]
    fn an_unknown_instance_is_reported_at_its_name_with_the_closest_one() {
        let input = format!(
            "{PRIMARY}{}",
            r#"
[resource.replica]
kind = "aws.rds.db_instance"
provider = "us-west-2"
identifier = "shop-db-dr"
instance_class = "db.t3.micro"
replicate_source_db = "${primary.arn}"

[resource.other]
kind = "aws.ec2.vpc"
provider = "eu"
cidr_block = "10.1.0.0/16"
"#
        );
        assert_eq!(
            problems(&input).trim(),
            r#"
strata::graph::unknown_provider strata.toml:19:12: `replica` belongs to the provider instance `us-west-2`, which is not configured
  help: did you mean `us_west_2`?
strata::graph::unknown_provider strata.toml:26:12: `other` belongs to the provider instance `eu`, which is not configured
  help: declare `[provider.eu]`, or name one of the instances: `default`, `us_west_2`
"#
            .trim()
        );
    }

    #[test]
    fn a_replica_in_another_region_must_name_its_source_by_arn() {
        let by_id = format!(
            "{PRIMARY}{}",
            r#"
[resource.replica]
kind = "aws.rds.db_instance"
provider = "us_west_2"
identifier = "shop-db-dr"
instance_class = "db.t3.micro"
replicate_source_db = "${primary.identifier}"
"#
        );
        assert_eq!(
            problems(&by_id).trim(),
            r#"
strata::graph::cross_region_source strata.toml:22:23: `replica` in us-west-2 (provider instance `us_west_2`) replicates `primary` in us-east-1 by its identifier, which AWS looks for in us-west-2 only
  help: name a source in another region by its ARN: replicate_source_db = "${primary.arn}"
"#
            .trim()
        );
        assert_eq!(problems(&by_id.replace(".identifier}", ".arn}")), "ok");
        // In the same region, the identifier is what AWS expects.
        let same_region = by_id.replace("provider = \"us_west_2\"\n", "");
        assert_eq!(problems(&same_region), "ok");
    }
}

#[cfg(test)]
mod typed_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use crate::config::ProviderConfig;
    use crate::graph::Graph;
    use crate::kinds::typed::{Stack, Vpc};

    fn vpc(cidr: &str) -> Vpc {
        Vpc {
            cidr_block: cidr.into(),
            enable_dns_hostnames: None,
            enable_dns_support: None,
            tags: Default::default(),
        }
    }

    #[test]
    fn a_typed_stack_puts_resources_in_the_instance_of_their_scope() {
        let west = ProviderConfig {
            region: "us-west-2".into(),
            ..ProviderConfig::default()
        };
        let mut stack = Stack::new("dr").with_provider_instance("us_west_2", west);
        stack.add("vpc", vpc("10.0.0.0/16"));
        stack
            .on_provider("us_west_2")
            .nested("dr")
            .add("vpc", vpc("10.1.0.0/16"));
        let config = stack.into_config();
        let instance = |a: &str| config.instance_of(&a.parse().unwrap()).map(String::from);
        assert_eq!(instance("vpc"), None);
        assert_eq!(instance("dr.vpc"), Some("us_west_2".into()));
        assert!(Graph::build(config).is_ok());

        // An instance the stack does not have is reported by validation.
        let mut stack = Stack::new("dr");
        stack.on_provider("eu").add("vpc", vpc("10.0.0.0/16"));
        let problems = Graph::build(stack.into_config()).unwrap_err();
        assert_eq!(problems.problems[0].code, super::UNKNOWN_PROVIDER);
    }
}
