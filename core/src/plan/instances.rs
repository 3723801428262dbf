//! Planning across provider instances: a resource whose instance changes
//! (`provider = "us_west_2"` added, removed or renamed) is replaced, the
//! new object made through its new instance and the old one deleted through
//! the instance state records.

use super::{AttrChange, PlanError};
use crate::config::{Config, ResourceConfig};
use crate::provider::{instance_name, Providers};
use crate::state::ResourceState;
use crate::value::Value;

/// The name of the pseudo-attribute a plan shows for an instance change.
pub const PROVIDER_CHANGE: &str = "provider";

/// Refuses a configuration with a resource of an instance `providers` does
/// not serve, before anything is read.
pub(crate) fn check_served(config: &Config, providers: &Providers) -> Result<(), PlanError> {
    let unserved = config
        .resources
        .values()
        .find(|r| !providers.contains(r.provider.as_deref()));
    match unserved {
        None => Ok(()),
        Some(r) => Err(PlanError::UnknownInstance {
            instance: instance_name(r.provider.as_deref()).to_string(),
            addresses: format!("`{}`", r.address),
        }),
    }
}

/// Why a resource moving to another provider instance is replaced.
pub(crate) fn moved_reason(prior: &ResourceState, r: &ResourceConfig) -> String {
    format!(
        "its provider instance changes from `{}` to `{}`: the object is made again there",
        instance_name(prior.provider.as_deref()),
        instance_name(r.provider.as_deref())
    )
}

/// A replacement's changes: the instance change (forcing it, so a stateful
/// resource is not replaced unasked), then the creation's attributes.
pub(crate) fn moved_changes(
    prior: &ResourceState,
    r: &ResourceConfig,
    creation: Vec<AttrChange>,
) -> Vec<AttrChange> {
    let name = |instance: Option<&str>| Some(Value::String(instance_name(instance).into()));
    std::iter::once(AttrChange {
        name: PROVIDER_CHANGE.into(),
        before: name(prior.provider.as_deref()),
        after: name(r.provider.as_deref()),
        forces_replacement: true,
        sensitive: false,
    })
    .chain(creation)
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use crate::state::State;

    /// A state written before there were provider instances: no resource
    /// names one.
    const OLD_STATE: &str = r#"{
      "version": 1, "serial": 3, "lineage": "l-1", "stack": "shop",
      "resources": {
        "vpc": { "kind": "aws.ec2.vpc", "id": "vpc-1", "attrs": { "cidr_block": "10.0.0.0/16" } }
      },
      "outputs": {}
    }"#;

    #[test]
    fn an_old_state_loads_with_every_resource_in_the_default_instance() {
        let state: State = serde_json::from_str(OLD_STATE).unwrap();
        let vpc = state.resources.values().next().unwrap();
        assert_eq!(vpc.provider, None);
        // And is written back the same way: no `provider` key for the default.
        let json = serde_json::to_string(&state).unwrap();
        assert!(!json.contains("provider"), "{json}");
    }
}
