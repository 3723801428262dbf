//! Expanding `[module.NAME]` blocks ([`Config::modules`]) into resources,
//! with each module's release record read from state.
//!
//! ```
//! use strata_core::manifest::parse_manifest;
//! use strata_stacks::modules::expand;
//!
//! let mut config = parse_manifest("shop.toml", r#"
//! [module.web]
//! kind = "web_service"
//! name = "shop"
//! ami = "ami-0123456789abcdef0"
//! "#).unwrap();
//! expand(&mut config, None).unwrap();
//! assert!(config.resources.keys().any(|a| a.as_str() == "web.listener"));
//! ```

use strata_core::config::{Config, ModuleConfig};
use strata_core::diag::{Problem, Problems};
use strata_core::kinds::typed::Stack;
use strata_core::state::State;
use strata_core::value::Value;

use crate::web_service::{self, release::output_name, Release, WebService};

/// The code of a module whose `kind` is not a known stack.
pub const UNKNOWN_KIND: &str = "strata::stacks::kind";

/// The stack kinds a module may instantiate.
pub const KINDS: &[&str] = &[web_service::KIND];

/// The release record of module `name` in `state`, if one was recorded.
pub fn release_of(state: &State, name: &str) -> Option<Release> {
    state
        .outputs
        .get(&output_name(name))
        .and_then(|o| Release::from_json(&o.value))
}

/// Warnings for the module's sensitive parameters written in clear text in
/// a manifest (a configuration built in Rust has no manifest to warn about).
fn clear_text_warnings(config: &Config, module: &ModuleConfig) -> Vec<Problem> {
    let Some(source) = config.source.as_ref() else {
        return Vec::new();
    };
    module
        .params
        .iter()
        .filter(|(k, v)| web_service::is_sensitive(k) && matches!(v, Value::String(_)))
        .map(|(k, _)| {
            Problem::new(
                strata_core::secret::PLAINTEXT,
                format!(
                    "parameter `{k}` of module `{}` is sensitive but written in clear text",
                    module.name
                ),
                Some(format!(
                    "keep secrets out of files under version control: write \
                     `{k} = {{ env = \"{}\" }}` (or `{{ file = \"...\" }}`, \
                     `{{ secretsmanager = \"...\" }}`, `{{ ssm = \"...\" }}`)",
                    k.to_ascii_uppercase()
                )),
            )
            .at(
                Some(source),
                module.spans.params.get(k).copied().or(module.spans.header),
                "clear-text secret",
            )
        })
        .collect()
}

/// Reads a web-service module's parameters, every problem pointing at the
/// block in the manifest.
pub fn web_service_of(config: &Config, module: &ModuleConfig) -> Result<WebService, Vec<Problem>> {
    let (web, errors) = web_service::from_params(&module.params);
    if errors.is_empty() {
        return Ok(web);
    }
    Err(errors
        .into_iter()
        .map(|e| {
            let span = e
                .param
                .as_ref()
                .and_then(|p| module.spans.params.get(p).copied())
                .or(module.spans.header);
            let label = e.param.clone().unwrap_or_else(|| module.name.clone());
            Problem::new(
                web_service::PARAM,
                format!("module `{}`: {}", module.name, e.message),
                Some(e.help),
            )
            .at(config.source.as_ref(), span, label)
        })
        .collect())
}

/// Adds the resources and outputs of every module of `config`, each with
/// the release record `state` holds for it (or its first release).
pub fn expand(config: &mut Config, state: Option<&State>) -> Result<(), Problems> {
    expand_with(config, |name| state.and_then(|s| release_of(s, name)))
}

/// Like [`expand`], with release records from `release`.
pub fn expand_with(
    config: &mut Config,
    release: impl Fn(&str) -> Option<Release>,
) -> Result<(), Problems> {
    let mut problems = Vec::new();
    let modules = config.modules.clone();
    let mut built = Vec::new();
    for module in &modules {
        if module.kind != web_service::KIND {
            problems.push(
                Problem::new(
                    UNKNOWN_KIND,
                    format!(
                        "module `{}` has the unknown kind `{}`",
                        module.name, module.kind
                    ),
                    Some(format!("the stack kinds are {}", KINDS.join(", "))),
                )
                .at(
                    config.source.as_ref(),
                    module.spans.kind.or(module.spans.header),
                    "unknown kind",
                ),
            );
            continue;
        }
        match web_service_of(config, module) {
            Ok(web) => {
                config.warnings.extend(clear_text_warnings(config, module));
                // A module is made in its provider instance (its region's AZs).
                let provider = config
                    .provider_config(module.provider.as_deref())
                    .unwrap_or(&config.provider)
                    .clone();
                let mut stack = Stack::new(config.stack.clone()).with_provider(provider);
                let record = release(&module.name).unwrap_or_else(|| Release::initial(&web));
                web.declare(&mut stack, &module.name, &record);
                built.push((module, stack.into_config()));
            }
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        let what = config
            .source
            .as_ref()
            .map_or_else(|| "the configuration".to_string(), |s| s.name.clone());
        return Err(Problems::new(&what, problems));
    }
    for (module, built) in built {
        config.pending_problems.extend(built.pending_problems);
        for (_, mut resource) in built.resources {
            // A module's resources belong to its provider instance.
            resource.provider.clone_from(&module.provider);
            resource.spans.provider = module.spans.provider;
            config.add(resource);
        }
        for (name, output) in built.outputs {
            config.outputs.entry(name).or_insert(output);
        }
        config.moved.extend(built.moved);
        config.removed.extend(built.removed);
    }
    Ok(())
}
