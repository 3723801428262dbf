//! Named provider instances: `[provider.NAME]` tables inside `[provider]`,
//! and the `provider = "NAME"` key of resources and modules.
//!
//! ```toml
//! [provider]              # the default instance
//! region = "us-east-1"
//!
//! [provider.us_west_2]    # another one
//! region = "us-west-2"
//!
//! [resource.replica]
//! kind = "aws.rds.db_instance"
//! provider = "us_west_2"
//! ```
//!
//! A named instance takes what it does not set (its `kind`, `region` and
//! every option, such as an endpoint or a profile) from `[provider]`. Its
//! `kind` is checked as `[provider]`'s is. Whether the name a resource gives
//! exists is checked by graph validation, which sees modules' resources too.

use std::ops::Range;

use indexmap::IndexMap;
use toml_edit::{Item, TableLike};

use super::{choice, convert, key_span, provider_kind, Ctx, PROVIDER};
use crate::config::ProviderConfig;
use crate::provider::DEFAULT_INSTANCE;

/// The named instances among the keys of `[provider]` (the keys whose value
/// is a table), each filled in from `default`.
pub(super) fn named(
    ctx: &mut Ctx,
    item: &Item,
    default: &ProviderConfig,
) -> IndexMap<String, ProviderConfig> {
    let mut out = IndexMap::new();
    let Some(table) = item.as_table_like() else {
        return out;
    };
    for (name, value) in table.iter() {
        let Some(instance) = value.as_table_like() else {
            continue;
        };
        let span = key_span(table, name);
        if !valid_name(name) {
            ctx.report(
                PROVIDER,
                format!("`{name}` is not a valid provider instance name"),
                "name the instance with letters, digits and `_`, starting with a letter, \
                 e.g. `[provider.us_west_2]`",
                span,
                "not an instance name",
            );
            continue;
        }
        if name == DEFAULT_INSTANCE {
            ctx.report(
                PROVIDER,
                format!("`[provider.{DEFAULT_INSTANCE}]` is reserved"),
                format!(
                    "`{DEFAULT_INSTANCE}` is the `[provider]` table itself: set its keys there, \
                     or give this instance another name"
                ),
                span,
                "reserved name",
            );
            continue;
        }
        out.insert(name.to_string(), parse(ctx, name, instance, default));
    }
    out
}

/// Whether `name` can name an instance: `[A-Za-z][A-Za-z0-9_]*`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse(
    ctx: &mut Ctx,
    name: &str,
    table: &dyn TableLike,
    default: &ProviderConfig,
) -> ProviderConfig {
    let mut out = default.clone();
    for (key, value) in table.iter() {
        match key {
            "kind" => {
                let kind = match ctx.provider_kinds.clone() {
                    Some(known) => {
                        let known: Vec<&str> = known.iter().map(String::as_str).collect();
                        choice(ctx, value, PROVIDER, "provider", &known)
                    }
                    None => provider_kind(ctx, value),
                };
                if kind.is_some() {
                    out.kind = kind;
                }
            }
            "region" => match value.as_str() {
                Some(r) if !r.trim().is_empty() => out.region = r.to_string(),
                _ => ctx.report(
                    PROVIDER,
                    format!(
                        "the `region` of provider instance `{name}` must be a non-empty string"
                    ),
                    "name an AWS region, e.g. `region = \"us-west-2\"`",
                    value.span(),
                    "not a region",
                ),
            },
            other if value.is_table_like() => ctx.report(
                PROVIDER,
                format!("provider instance `{name}` holds a table `{other}`"),
                "instances are not nested: write each as `[provider.NAME]` beside the others",
                key_span(table, other),
                "nested table",
            ),
            other => {
                let json = convert::to_json(ctx, value);
                out.options.insert(other.to_string(), json);
            }
        }
    }
    out
}

/// The `provider = "NAME"` of a resource or module: the instance (`None`
/// for the default, also written `"default"`) and where it was written.
pub(super) fn reference(
    ctx: &mut Ctx,
    item: &Item,
) -> Option<(Option<String>, Option<Range<usize>>)> {
    match item.as_str() {
        Some(name) if name == DEFAULT_INSTANCE => Some((None, item.span())),
        Some(name) if !name.trim().is_empty() => Some((Some(name.to_string()), item.span())),
        _ => {
            ctx.report(
                PROVIDER,
                "`provider` must name a provider instance",
                "write the name of a `[provider.NAME]` table, e.g. `provider = \"us_west_2\"`",
                item.span(),
                "not an instance name",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::fmt::Write;

    use crate::manifest::{parse_manifest_with, ManifestOptions};

    /// Parses `input` for an application building `mock` and `other`
    /// providers, and renders the instances and which resource is in which
    /// (or the problems, with `file:line:col`).
    fn check(input: &str, expect: &str) {
        let options = ManifestOptions {
            provider_kinds: Some(&["mock", "other"]),
            ..ManifestOptions::default()
        };
        let actual = match parse_manifest_with("strata.toml", input, options) {
            Ok(config) => {
                let mut out = String::new();
                let show = |p: &crate::config::ProviderConfig| {
                    format!(
                        "{} {} {}",
                        p.kind.as_deref().unwrap_or("(default)"),
                        p.region,
                        serde_json::to_string(&p.options).unwrap()
                    )
                };
                writeln!(out, "[provider] {}", show(&config.provider)).unwrap();
                for (name, p) in &config.providers {
                    writeln!(out, "[provider.{name}] {}", show(p)).unwrap();
                }
                for r in config.resources.values() {
                    let on = r.provider.as_deref().unwrap_or("-");
                    writeln!(out, "{} on {on}", r.address).unwrap();
                }
                for m in &config.modules {
                    let on = m.provider.as_deref().unwrap_or("-");
                    writeln!(out, "module {} on {on}", m.name).unwrap();
                }
                out
            }
            Err(problems) => problems
                .problems
                .iter()
                .map(|p| {
                    format!(
                        "{} {}: {}\n",
                        p.code,
                        p.location().unwrap_or_else(|| "-".into()),
                        p.message
                    )
                })
                .collect(),
        };
        assert_eq!(actual.trim(), expect.trim(), "\n--- actual ---\n{actual}");
    }

    #[test]
    fn named_instances_take_what_they_do_not_set_from_the_default() {
        check(
            r#"
[provider]
kind = "mock"
region = "us-east-1"
endpoint = "http://localhost:5000"

[provider.us_west_2]
region = "us-west-2"

[provider.other_account]
kind = "other"
profile = "dr"

[resource.primary]
kind = "aws.rds.db_instance"

[resource.replica]
kind = "aws.rds.db_instance"
provider = "us_west_2"

[resource.again]
kind = "aws.ec2.vpc"
provider = "default"

[module.web]
kind = "web_service"
provider = "us_west_2"
"#,
            r#"
[provider] mock us-east-1 {"endpoint":"http://localhost:5000"}
[provider.us_west_2] mock us-west-2 {"endpoint":"http://localhost:5000"}
[provider.other_account] other us-east-1 {"endpoint":"http://localhost:5000","profile":"dr"}
primary on -
replica on us_west_2
again on -
module web on us_west_2
"#,
        );
    }

    #[test]
    fn a_named_instance_is_checked_as_the_default_is() {
        check(
            r#"
[provider.west]
kind = "gcp"
region = ""

[provider.default]
region = "us-west-2"

[provider."us-west-2"]
region = "us-west-2"

[provider.east.nested]
region = "x"

[resource.vpc]
kind = "aws.ec2.vpc"
provider = 2
"#,
            r#"
strata::manifest::provider strata.toml:3:8: unknown provider kind `gcp`
strata::manifest::provider strata.toml:4:10: the `region` of provider instance `west` must be a non-empty string
strata::manifest::provider strata.toml:6:11: `[provider.default]` is reserved
strata::manifest::provider strata.toml:9:11: `us-west-2` is not a valid provider instance name
strata::manifest::provider strata.toml:12:16: provider instance `east` holds a table `nested`
strata::manifest::provider strata.toml:17:12: `provider` must name a provider instance
"#,
        );
    }
}
