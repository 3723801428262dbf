//! Secret tables in a manifest: a sensitive attribute or a module's
//! sensitive parameter written `{ env = "NAME" }`, `{ file = "path" }`,
//! `{ secretsmanager = "arn-or-name", key = "field", version_stage = "..." }`
//! or `{ ssm = "/name" }` becomes a [`Value::Secret`]. Env and file
//! secrets are read here, each problem at the attribute's span; Secrets
//! Manager and SSM ones are read while planning. A sensitive value written
//! in clear text is a warning ([`secret::PLAINTEXT`]).

use std::ops::Range;
use std::path::Path;

use toml_edit::{Item, TableLike};

use super::Ctx;
use crate::config::Span;
use crate::diag::Problem;
use crate::secret::{self, Secret, SecretSource, SOURCE_KEYS};
use crate::value::Value;

/// Keys a Secrets Manager table may hold besides `secretsmanager`.
const SM_KEYS: &[&str] = &["key", "version_stage"];

/// Whether `item` is written as a secret table: a table naming a source.
pub(super) fn is_secret_table(item: &Item) -> bool {
    item.as_table_like().is_some_and(|t| {
        SOURCE_KEYS.iter().any(|k| t.contains_key(k))
            && t.iter()
                .all(|(k, _)| SOURCE_KEYS.contains(&k) || SM_KEYS.contains(&k))
    })
}

/// The secret `item` (a table) describes, env and file ones read; problems
/// are reported when `report` (once per counted resource). `what` names
/// the attribute or parameter in messages.
pub(super) fn secret_value(ctx: &mut Ctx, what: &str, item: &Item, report: bool) -> Value {
    let span = item.span();
    let Some(table) = item.as_table_like() else {
        return Value::Null;
    };
    let Some(source) = source(ctx, what, table, span.clone(), report) else {
        return Value::Null;
    };
    let mut secret = Secret::from_source(source);
    let base = Path::new(&ctx.source.name).parent();
    match secret.read_local(base) {
        Ok(Some(value)) => secret.set_value(value),
        Ok(None) => {}
        Err(problem) => {
            if report {
                push(ctx, *problem, span, "this secret");
            }
        }
    }
    Value::Secret(Box::new(secret))
}

/// Warns that the sensitive `what` is written in clear text at `span`.
pub(super) fn plaintext(ctx: &mut Ctx, what: &str, span: Option<Range<usize>>) {
    let problem = Problem::new(
        secret::PLAINTEXT,
        format!("{what} is sensitive but written in clear text in the manifest"),
        Some(
            "keep secrets out of files under version control: write \
             `{ env = \"NAME\" }` (or `{ file = \"...\" }`, \
             `{ secretsmanager = \"...\" }`, `{ ssm = \"...\" }`), or use a \
             sensitive variable"
                .into(),
        ),
    )
    .at(Some(&ctx.source), span.map(Span::from), "clear-text secret");
    ctx.warnings.push(problem);
}

/// Whether `item` is a literal string (no `${...}`): clear text.
pub(super) fn is_clear_text(item: &Item) -> bool {
    item.as_str().is_some_and(|s| !s.contains("${"))
}

fn push(ctx: &mut Ctx, problem: Problem, span: Option<Range<usize>>, label: &str) {
    let problem = problem.at(Some(&ctx.source), span.map(Span::from), label);
    ctx.problems.push(problem);
}

fn source(
    ctx: &mut Ctx,
    what: &str,
    table: &dyn TableLike,
    span: Option<Range<usize>>,
    report: bool,
) -> Option<SecretSource> {
    let named: Vec<&str> = SOURCE_KEYS
        .iter()
        .copied()
        .filter(|k| table.contains_key(k))
        .collect();
    let bad = |ctx: &mut Ctx, message: String| -> Option<SecretSource> {
        if report {
            let help = "write one of `{ env = \"NAME\" }`, `{ file = \"path\" }`, \
                        `{ secretsmanager = \"name-or-arn\", key = \"field\" }` or \
                        `{ ssm = \"/parameter/name\" }`";
            ctx.report(secret::SHAPE, message, help, span.clone(), "not a secret");
        }
        None
    };
    let [kind] = named.as_slice() else {
        return bad(
            ctx,
            format!(
                "{what} must name exactly one place to read the secret from, not {}",
                if named.is_empty() {
                    "none".to_string()
                } else {
                    named.join(" and ")
                }
            ),
        );
    };
    let text = |key: &str| table.get(key).and_then(|i| i.as_str()).map(str::to_string);
    let Some(name) = text(kind).filter(|s| !s.trim().is_empty()) else {
        return bad(
            ctx,
            format!("`{kind}` of {what} must be a non-empty string"),
        );
    };
    let extra: Vec<&str> = table
        .iter()
        .map(|(k, _)| k)
        .filter(|k| SM_KEYS.contains(k))
        .collect();
    if *kind != "secretsmanager" && !extra.is_empty() {
        return bad(
            ctx,
            format!(
                "`{}` applies only to `secretsmanager` secrets",
                extra.join("`, `")
            ),
        );
    }
    for k in &extra {
        if text(k).is_none() {
            return bad(ctx, format!("`{k}` of {what} must be a string"));
        }
    }
    Some(match *kind {
        "env" => SecretSource::Env(name),
        "file" => SecretSource::File(name),
        "ssm" => SecretSource::Ssm(name),
        _ => SecretSource::SecretsManager {
            secret_id: name,
            key: text("key"),
            version_stage: text("version_stage"),
        },
    })
}
