//! Typed Rust specs: one struct per kind, typed [`Handle`]s to added
//! resources, and [`Input`]s that are either a known value or a typed
//! reference, so wiring a subnet id where a VPC id belongs does not compile.
//!
//! A [`Stack`] collects specs into a [`Config`](crate::config::Config), the
//! same structure the TOML manifest produces:
//!
//! ```
//! use strata_core::kinds::typed::*;
//!
//! let mut s = Stack::new("demo");
//! let vpc = s.add("vpc", Vpc { cidr_block: "10.0.0.0/16".into(), ..Default::default() });
//! let subnet = s.add("subnet_a", Subnet {
//!     vpc_id: vpc.id(),
//!     cidr_block: "10.0.1.0/24".into(),
//!     availability_zone: "us-east-1a".into(),
//!     ..Default::default()
//! });
//! let mut web = s.nested("web");
//! let sg = web.add("sg", SecurityGroup {
//!     name: "web".into(),
//!     vpc_id: vpc.id(),
//!     ingress: vec![Rule::tcp(443).from_cidr("0.0.0.0/0")],
//!     ..Default::default()
//! });
//! assert_eq!(sg.address().as_str(), "web.sg");
//! s.output("subnet", subnet.id());
//!
//! let config = s.into_config();
//! assert_eq!(config.resources.len(), 3);
//! assert_eq!(config.resources[1].attrs["vpc_id"].to_string(), "${vpc.id}");
//! ```
//!
//! References are typed by what they point at: a subnet's `vpc_id` takes an
//! `Input<VpcId>`, and a subnet handle only gives out `Input<SubnetId>`:
//!
//! ```compile_fail,E0308
//! use strata_core::kinds::typed::*;
//!
//! let mut s = Stack::new("demo");
//! let vpc = s.add("vpc", Vpc { cidr_block: "10.0.0.0/16".into(), ..Default::default() });
//! let a = s.add("a", Subnet { vpc_id: vpc.id(), ..Default::default() });
//! // error[E0308]: expected `Input<VpcId>`, found `Input<SubnetId>`
//! let b = s.add("b", Subnet { vpc_id: a.id(), ..Default::default() });
//! ```
//!
//! Optional attributes are `Option`s (`None` leaves them unset, so the
//! kind's default applies); an empty list or tag map leaves the attribute
//! unset too.

mod alarm;
mod compute;
mod data;
mod dns;
mod egress;
mod elb;
mod identity;
mod network;
mod parameter_groups;
mod stack;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use crate::addr::Address;
use crate::secret::Secret;
use crate::value::{Attrs, Reference, Value};

pub use alarm::{MetricAlarm, MetricQuery, MetricStat};
pub use compute::{
    AutoscalingGroup, BlockDevice, EbsVolume, Instance, LaunchTemplate, MetadataOptions,
    PredefinedMetric, ScalingPolicy,
};
pub use data::{CacheSubnetGroup, DbInstance, DbSubnetGroup, ReplicationGroup};
pub use dns::{Alias, Certificate, CertificateValidation, HostedZone, Record};
pub use egress::{Eip, NatGateway};
pub use elb::{
    AccessLogs, FixedResponse, HealthCheck, Listener, LoadBalancer, Redirect, Stickiness,
    TargetGroup, WeightedTarget,
};
pub use identity::{
    IamRole, IamRolePolicy, InstanceProfile, KmsAlias, KmsKey, SnsTopic, SnsTopicSubscription,
};
pub use network::{InternetGateway, Route, RouteTable, Rule, SecurityGroup, Subnet, Vpc};
pub use parameter_groups::{CacheParameterGroup, DbParameter, DbParameterGroup};
pub use stack::{Scope, Stack};

/// A spec of one resource kind: turns into the attributes of a
/// [`ResourceConfig`](crate::config::ResourceConfig).
pub trait ResourceSpec {
    /// The kind, e.g. [`kinds::VPC`](crate::kinds::VPC).
    const KIND: &'static str;
    /// The configured attributes (unset optional attributes are left out).
    fn into_attrs(self) -> Attrs;
}

/// An attribute value: known now, or a reference to another resource's
/// attribute of type `T` (resolved at plan/apply time).
#[derive(Debug, Clone, PartialEq)]
pub enum Input<T> {
    /// A value known when the configuration is written.
    Known(T),
    /// A reference to an attribute of another resource.
    Ref(Reference, PhantomData<fn() -> T>),
}

impl<T> Input<T> {
    /// A known value.
    pub fn known(value: T) -> Self {
        Input::Known(value)
    }

    /// A reference to an attribute of type `T`. Prefer the typed accessors
    /// of [`Handle`] (`vpc.id()`); this is for resources outside this stack.
    pub fn reference(reference: Reference) -> Self {
        Input::Ref(reference, PhantomData)
    }

    /// The reference, if this is one.
    pub fn as_reference(&self) -> Option<&Reference> {
        match self {
            Input::Known(_) => None,
            Input::Ref(r, _) => Some(r),
        }
    }
}

impl<T: Id> Input<T> {
    /// The same input as a plain string, e.g. an ASG name as an alarm's
    /// dimension value (this gives up the id's type on purpose).
    pub fn as_string(self) -> Input<String> {
        match self {
            Input::Known(id) => Input::Known(id.into_string()),
            Input::Ref(r, _) => Input::Ref(r, PhantomData),
        }
    }
}

impl<T: Default> Default for Input<T> {
    fn default() -> Self {
        Input::Known(T::default())
    }
}

impl<T: Into<Value>> From<Input<T>> for Value {
    fn from(input: Input<T>) -> Self {
        match input {
            Input::Known(v) => v.into(),
            Input::Ref(r, _) => Value::Ref(Box::new(r)),
        }
    }
}

impl From<&str> for Input<String> {
    fn from(s: &str) -> Self {
        Input::Known(s.to_string())
    }
}

impl From<String> for Input<String> {
    fn from(s: String) -> Self {
        Input::Known(s)
    }
}

impl From<i64> for Input<i64> {
    fn from(i: i64) -> Self {
        Input::Known(i)
    }
}

impl From<f64> for Input<f64> {
    fn from(x: f64) -> Self {
        Input::Known(x)
    }
}

impl From<bool> for Input<bool> {
    fn from(b: bool) -> Self {
        Input::Known(b)
    }
}

/// A typed identifier (a string in AWS) that references are checked against.
pub trait Id {
    /// The identifier as a plain string.
    fn into_string(self) -> String;
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub String);

        impl $name {
            /// An identifier known in advance (e.g. of a resource Strata does not manage).
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Id for $name {
            fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for Value {
            fn from(id: $name) -> Self {
                Value::String(id.0.into())
            }
        }

        impl From<$name> for Input<$name> {
            fn from(id: $name) -> Self {
                Input::Known(id)
            }
        }

        impl From<&str> for Input<$name> {
            fn from(id: &str) -> Self {
                Input::Known($name(id.to_string()))
            }
        }

        impl From<String> for Input<$name> {
            fn from(id: String) -> Self {
                Input::Known($name(id))
            }
        }
    )*};
}

ids! {
    /// A VPC id (`vpc-...`).
    VpcId;
    /// A subnet id (`subnet-...`).
    SubnetId;
    /// An internet gateway id (`igw-...`).
    InternetGatewayId;
    /// A route table id (`rtb-...`).
    RouteTableId;
    /// An Elastic IP's allocation id (`eipalloc-...`).
    AllocationId;
    /// A NAT gateway id (`nat-...`).
    NatGatewayId;
    /// A security group id (`sg-...`).
    SecurityGroupId;
    /// A launch template id (`lt-...`).
    LaunchTemplateId;
    /// An EC2 instance id (`i-...`).
    InstanceId;
    /// A load balancer ARN.
    LoadBalancerArn;
    /// A target group ARN.
    TargetGroupArn;
    /// A listener ARN.
    ListenerArn;
    /// An autoscaling group name.
    AsgName;
    /// A DB subnet group name.
    DbSubnetGroupName;
    /// A DB instance identifier.
    DbIdentifier;
    /// A cache subnet group name.
    CacheSubnetGroupName;
    /// A DB parameter group name.
    DbParameterGroupName;
    /// A cache parameter group name.
    CacheParameterGroupName;
    /// An IAM role name.
    RoleName;
    /// An SNS topic ARN.
    TopicArn;
    /// A Route 53 hosted zone id (`Z...`).
    HostedZoneId;
}

/// A handle to a resource added to a [`Stack`]: its address, and typed
/// accessors for the attributes other resources may reference.
pub struct Handle<T> {
    address: Address,
    kind: PhantomData<fn() -> T>,
}

impl<T> Handle<T> {
    /// A handle to the resource at `address` (e.g. one added by another
    /// part of the program). [`Stack::add`] returns handles itself.
    pub fn at(address: Address) -> Self {
        Self {
            address,
            kind: PhantomData,
        }
    }

    /// The resource's address.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// A reference to the attribute `name`, typed as `U`. Prefer the typed
    /// accessors (`id()`, `arn()`...); this is for the rest.
    pub fn attr<U>(&self, name: &str) -> Input<U> {
        Input::reference(Reference::new(self.address.clone(), name))
    }
}

impl<T: ResourceSpec> Handle<T> {
    /// The resource's kind.
    pub fn kind(&self) -> &'static str {
        T::KIND
    }
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Self::at(self.address.clone())
    }
}

impl<T> PartialEq for Handle<T> {
    fn eq(&self, other: &Self) -> bool {
        self.address == other.address
    }
}

impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({})", self.address)
    }
}

impl<T> From<&Handle<T>> for Address {
    fn from(h: &Handle<T>) -> Self {
        h.address.clone()
    }
}

/// A sensitive value such as a DB password: the text itself, or a
/// [`Secret`] saying where to read it (`Secret::env("SHOP_DB_PASSWORD")`,
/// a file, Secrets Manager, SSM). Converted into the configuration, but
/// never shown by `Debug`.
///
/// ```
/// use strata_core::kinds::typed::Sensitive;
/// use strata_core::secret::Secret;
///
/// let plain = Sensitive::new("hunter22");
/// assert_eq!(plain.expose(), Some("hunter22"));
/// let from_env: Sensitive = Secret::env("SHOP_DB_PASSWORD").into();
/// assert_eq!(from_env.secret().map(|s| s.source().to_string()).as_deref(), Some("env SHOP_DB_PASSWORD"));
/// assert_eq!(format!("{from_env:?}"), "Sensitive(env SHOP_DB_PASSWORD)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(SensitiveValue);

#[derive(Clone, PartialEq, Eq)]
enum SensitiveValue {
    Text(String),
    Secret(Box<Secret>),
}

impl Default for Sensitive {
    fn default() -> Self {
        Self::new("")
    }
}

impl Sensitive {
    /// Wraps a secret written in clear text.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(SensitiveValue::Text(secret.into()))
    }

    /// The text, when given in clear or once read from its source.
    pub fn expose(&self) -> Option<&str> {
        match &self.0 {
            SensitiveValue::Text(t) => Some(t),
            SensitiveValue::Secret(s) => s.value(),
        }
    }

    /// Where it is read from, when it is not clear text.
    pub fn secret(&self) -> Option<&Secret> {
        match &self.0 {
            SensitiveValue::Text(_) => None,
            SensitiveValue::Secret(s) => Some(s),
        }
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            SensitiveValue::Text(_) => f.write_str("Sensitive(***)"),
            SensitiveValue::Secret(s) => write!(f, "Sensitive({})", s.source()),
        }
    }
}

impl From<Secret> for Sensitive {
    fn from(s: Secret) -> Self {
        Self(SensitiveValue::Secret(Box::new(s)))
    }
}

impl TryFrom<Value> for Sensitive {
    type Error = Value;

    /// A string or a [`Value::Secret`]; anything else is given back.
    fn try_from(v: Value) -> Result<Self, Value> {
        match v {
            Value::String(s) => Ok(Self::new(s.to_string())),
            Value::Secret(s) => Ok(Self(SensitiveValue::Secret(s))),
            other => Err(other),
        }
    }
}

impl From<&str> for Sensitive {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for Sensitive {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl From<Sensitive> for Value {
    fn from(s: Sensitive) -> Self {
        match s.0 {
            SensitiveValue::Text(t) => Value::String(t.into()),
            SensitiveValue::Secret(s) => Value::Secret(s),
        }
    }
}

/// A tag map from pairs: `tags([("Name", "web"), ("tier", "app")])`.
pub fn tags<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

/// Builds [`Attrs`], leaving out unset optional attributes.
#[derive(Default)]
struct AttrsBuilder(Attrs);

impl AttrsBuilder {
    fn new() -> Self {
        Self::default()
    }

    /// Sets an attribute.
    fn set(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }

    /// Sets an attribute when it is `Some`.
    fn opt<V: Into<Value>>(self, name: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.set(name, v),
            None => self,
        }
    }

    /// Sets a list attribute when it is not empty.
    fn list<V: Into<Value>>(self, name: &str, items: Vec<V>) -> Self {
        if items.is_empty() {
            self
        } else {
            self.set(name, items)
        }
    }

    /// Sets a string map attribute when it is not empty.
    fn map<V: Into<Value>>(self, name: &str, map: BTreeMap<String, V>) -> Self {
        if map.is_empty() {
            self
        } else {
            let map = map.into_iter().map(|(k, v)| (k, v.into())).collect();
            self.set(name, Value::Map(map))
        }
    }

    /// Sets `tags` when there are any.
    fn tags(self, tags: BTreeMap<String, String>) -> Self {
        self.map("tags", tags)
    }

    fn build(self) -> Attrs {
        self.0
    }
}
