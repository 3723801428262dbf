//! The provider instances of a configuration, built: the default
//! `[provider]` and each `[provider.NAME]`, each of a kind this build knows
//! ([`project::provider_in`]). The simulated regions of a project are one
//! [`strata_sim::SimRegions`], so a replica in one region finds its source in another.

use miette::{Context, Result};
use strata_core::config::{Config, ProviderConfig};
use strata_core::plan::Plan;
use strata_core::provider::Providers;

use super::project::{self, ConfigSource};

/// The provider instances to build: a configuration's, or a saved plan's.
#[derive(Debug, Clone)]
pub struct Instances<'a> {
    /// The default instance.
    pub default: &'a ProviderConfig,
    /// The named instances.
    pub named: Vec<(&'a str, &'a ProviderConfig)>,
}

impl<'a> Instances<'a> {
    /// The instances a configuration declares.
    pub fn of(config: &'a Config) -> Self {
        Self {
            default: &config.provider,
            named: config
                .providers
                .iter()
                .map(|(n, p)| (n.as_str(), p))
                .collect(),
        }
    }

    /// The instances a saved plan was made against.
    pub fn of_plan(plan: &'a Plan) -> Self {
        Self {
            default: &plan.provider,
            named: plan
                .providers
                .iter()
                .map(|(n, p)| (n.as_str(), p))
                .collect(),
        }
    }
}

/// Builds every instance.
pub fn providers(source: &ConfigSource, instances: Instances<'_>) -> Result<Providers> {
    let sims = project::sim_regions(source);
    let mut providers = Providers::new(project::provider_in(instances.default, &sims)?);
    for (name, config) in instances.named {
        let provider = project::provider_in(config, &sims)
            .wrap_err_with(|| format!("cannot set up the provider instance `{name}`"))?;
        providers.insert(name, provider);
    }
    Ok(providers)
}

/// The default instance and the set of all, for the runs (rollouts,
/// drills) that take both.
pub fn default_and_all(
    source: &ConfigSource,
    config: &Config,
) -> Result<(
    std::sync::Arc<dyn strata_core::provider::Provider>,
    Providers,
)> {
    let all = providers(source, Instances::of(config))?;
    Ok((all.default_provider().clone(), all))
}
