//! Typed specs of parameter groups: PostgreSQL settings for DB instances
//! and Redis settings for replication groups.

use std::collections::BTreeMap;

use super::ResourceSpec;
use super::{AttrsBuilder, CacheParameterGroupName, DbParameterGroupName, Handle, Input};
use crate::kinds;
use crate::value::{Attrs, Value};

/// One PostgreSQL parameter of a [`DbParameterGroup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbParameter {
    /// The parameter, e.g. `log_min_duration_statement`.
    pub name: String,
    /// Its value, as text.
    pub value: String,
    /// `immediate` (dynamic parameters) or `pending-reboot` (static ones);
    /// `None` is `immediate`.
    pub apply_method: Option<String>,
}

impl DbParameter {
    /// A dynamic parameter, applied at once.
    pub fn immediate(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            apply_method: None,
        }
    }

    /// A static parameter, applied when the instance next reboots.
    pub fn pending_reboot(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            apply_method: Some("pending-reboot".into()),
            ..Self::immediate(name, value)
        }
    }
}

impl From<DbParameter> for Value {
    fn from(p: DbParameter) -> Self {
        let mut m = Attrs::new();
        m.insert("name".into(), Value::String(p.name.into()));
        m.insert("value".into(), Value::String(p.value.into()));
        if let Some(a) = p.apply_method {
            m.insert("apply_method".into(), Value::String(a.into()));
        }
        Value::Map(m)
    }
}

/// `aws.rds.parameter_group`: PostgreSQL settings for DB instances.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbParameterGroup {
    /// Group name.
    pub name: String,
    /// e.g. `postgres16` (the instances' major version).
    pub family: String,
    /// Description (default "Managed by Strata").
    pub description: Option<String>,
    /// The parameters set.
    pub parameters: Vec<DbParameter>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for DbParameterGroup {
    const KIND: &'static str = kinds::DB_PARAMETER_GROUP;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .set("family", self.family)
            .opt("description", self.description)
            .list("parameters", self.parameters)
            .tags(self.tags)
            .build()
    }
}

impl Handle<DbParameterGroup> {
    /// The group's name (what DB instances refer to).
    pub fn name(&self) -> Input<DbParameterGroupName> {
        self.attr("name")
    }
}

/// `aws.elasticache.parameter_group`: Redis settings for replication groups.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CacheParameterGroup {
    /// Group name.
    pub name: String,
    /// e.g. `redis7`.
    pub family: String,
    /// Description (default "Managed by Strata").
    pub description: Option<String>,
    /// The parameters set, name to value.
    pub parameters: BTreeMap<String, String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for CacheParameterGroup {
    const KIND: &'static str = kinds::CACHE_PARAMETER_GROUP;
    fn into_attrs(self) -> Attrs {
        let parameters: Vec<Value> = self
            .parameters
            .into_iter()
            .map(|(name, value)| {
                let mut m = Attrs::new();
                m.insert("name".into(), Value::String(name.into()));
                m.insert("value".into(), Value::String(value.into()));
                Value::Map(m)
            })
            .collect();
        AttrsBuilder::new()
            .set("name", self.name)
            .set("family", self.family)
            .opt("description", self.description)
            .list("parameters", parameters)
            .tags(self.tags)
            .build()
    }
}

impl Handle<CacheParameterGroup> {
    /// The group's name (what replication groups refer to).
    pub fn name(&self) -> Input<CacheParameterGroupName> {
        self.attr("name")
    }
}
