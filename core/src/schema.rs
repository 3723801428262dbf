//! Per-kind schemas: which attributes exist, which are required, optional or
//! computed, which force replacement (and why) and which are sensitive, how a
//! configured value is compared with what AWS reports, and which AWS API
//! members each attribute stands for (checked against AWS's own service
//! models by `core/tests/aws_model.rs`).

use std::time::Duration;

use crate::value::{Attrs, Value};

/// The type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttrType {
    /// Text.
    String,
    /// A whole number.
    Int,
    /// A number (integers are accepted and widened).
    Float,
    /// `true` or `false`.
    Bool,
    /// A list of one element type.
    List(&'static AttrType),
    /// A map from strings to one element type.
    Map(&'static AttrType),
    /// An object with named fields.
    Object(&'static [Field]),
}

impl AttrType {
    /// A short human name used in diagnostics.
    pub fn describe(&self) -> String {
        match self {
            AttrType::String => "a string".into(),
            AttrType::Int => "an integer".into(),
            AttrType::Float => "a number".into(),
            AttrType::Bool => "a boolean".into(),
            AttrType::List(t) => format!("a list of {}", t.describe_plural()),
            AttrType::Map(t) => format!("a table of {}", t.describe_plural()),
            AttrType::Object(fields) => format!(
                "a table with {}",
                fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    fn describe_plural(&self) -> String {
        match self {
            AttrType::String => "strings".into(),
            AttrType::Int => "integers".into(),
            AttrType::Float => "numbers".into(),
            AttrType::Bool => "booleans".into(),
            other => other.describe().replacen("a ", "", 1) + "s",
        }
    }
}

/// A field of an [`AttrType::Object`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// Field name.
    pub name: &'static str,
    /// Field type.
    pub ty: AttrType,
    /// Whether the field must be given.
    pub required: bool,
    /// AWS's value when the field is left out: filled in, so that removing
    /// a setting puts AWS's default back.
    pub default: Option<Default>,
}

impl Field {
    /// A required field.
    pub const fn req(name: &'static str, ty: AttrType) -> Self {
        Self {
            name,
            ty,
            required: true,
            default: None,
        }
    }
    /// An optional field.
    pub const fn opt(name: &'static str, ty: AttrType) -> Self {
        Self {
            name,
            ty,
            required: false,
            default: None,
        }
    }
    /// An optional field with AWS's default.
    pub const fn or(name: &'static str, ty: AttrType, default: Default) -> Self {
        Self {
            name,
            ty,
            required: false,
            default: Some(default),
        }
    }
}

/// Who sets an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The configuration must set it.
    Required,
    /// The configuration may set it; if unset, the provider's value is not diffed.
    Optional,
    /// The provider sets it; configurations may not.
    Computed,
}

/// A default applied when the configuration leaves an optional attribute unset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    /// A boolean default.
    Bool(bool),
    /// An integer default.
    Int(i64),
    /// A number default.
    Float(f64),
    /// A string default.
    Str(&'static str),
}

impl Default {
    /// The default as a value.
    pub fn value(&self) -> Value {
        match *self {
            Default::Bool(b) => Value::Bool(b),
            Default::Int(i) => Value::Int(i),
            Default::Float(x) => Value::Float(x),
            Default::Str(s) => Value::String(s.into()),
        }
    }
}

/// Whether changing an attribute replaces the resource, and why.
#[derive(Debug, Clone, Copy)]
pub enum Replace {
    /// Changed in place.
    Never,
    /// Every change replaces the resource. The reason says why AWS cannot
    /// change it in place (shown in the plan and the book).
    Always(&'static str),
    /// A change replaces the resource only when the test holds for the
    /// desired and live attributes; otherwise it is changed in place.
    When(&'static str, fn(&Attrs, &Attrs) -> bool),
}

impl Replace {
    /// Why the attribute may force replacement (`None`: it never does).
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Replace::Never => None,
            Replace::Always(r) | Replace::When(r, _) => Some(r),
        }
    }
}

/// How a configured value is compared with the one AWS reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Equal values (numbers by value).
    Exact,
    /// An engine version: `16` matches any `16.x`, and a newer minor
    /// version of the same major one (an AWS minor upgrade) is not a change.
    Version,
    /// A KMS key given as a key id, key ARN, alias name or alias ARN
    /// matches AWS's key ARN for the same key.
    KmsKey,
    /// A list that is a set: order does not matter.
    Set,
    /// Security-group rules: a set of single permissions (protocol, ports,
    /// one source, description), however they are grouped into rules, as
    /// AWS stores them.
    Rules,
    /// A replica's source: a replica promoted outside Strata (live value
    /// unset) is adopted as it is, not recreated.
    ReplicaSource,
    /// A number AWS only grows (storage that storage autoscaling grew):
    /// a live value at or above the configured one is not a change.
    AtLeast,
    /// A JSON policy document (IAM, KMS, SNS filter policies): equal as
    /// documents, whatever the white space, key order, or a single value
    /// written for a one-element list ([`crate::kinds::policy`]).
    Policy,
}

/// The AWS API member an attribute stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// The attribute's name without underscores, compared case-insensitively
    /// (`db_subnet_group_name` is `DBSubnetGroupName`).
    Derived,
    /// A member with another name.
    Named(&'static str),
    /// A setting of Strata's own that no AWS call takes; the text says what
    /// Strata does with it.
    Strata(&'static str),
}

/// One attribute of a kind.
#[derive(Debug, Clone, Copy)]
pub struct AttrSchema {
    /// Attribute name (snake_case, as in the Terraform AWS provider).
    pub name: &'static str,
    /// Its type.
    pub ty: AttrType,
    /// Who sets it.
    pub mode: Mode,
    /// Whether changing it replaces the resource instead of updating it.
    pub replace: Replace,
    /// How the configured value is compared with the live one.
    pub compare: Compare,
    /// The AWS API member it stands for.
    pub member: Member,
    /// With `apply_immediately = false`, AWS applies a change of it in the
    /// next maintenance window.
    pub deferred: bool,
    /// Never written to state, never printed.
    pub sensitive: bool,
    /// Default when unset (optional attributes only).
    pub default: Option<Default>,
    /// One line for the reference docs.
    pub doc: &'static str,
    /// A status the cloud changes on its own (an alarm's state): read and
    /// stored, but never reported as drift.
    pub status: bool,
}

impl AttrSchema {
    const fn new(name: &'static str, ty: AttrType, mode: Mode, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            mode,
            replace: Replace::Never,
            compare: Compare::Exact,
            member: Member::Derived,
            deferred: false,
            sensitive: false,
            default: None,
            doc,
            status: false,
        }
    }
    /// A required attribute.
    pub const fn required(name: &'static str, ty: AttrType, doc: &'static str) -> Self {
        Self::new(name, ty, Mode::Required, doc)
    }
    /// An optional attribute.
    pub const fn optional(name: &'static str, ty: AttrType, doc: &'static str) -> Self {
        Self::new(name, ty, Mode::Optional, doc)
    }
    /// A computed attribute.
    pub const fn computed(name: &'static str, ty: AttrType, doc: &'static str) -> Self {
        Self::new(name, ty, Mode::Computed, doc)
    }
    /// Marks the attribute as forcing replacement, saying why AWS cannot
    /// change it in place.
    pub const fn force_new(mut self, reason: &'static str) -> Self {
        self.replace = Replace::Always(reason);
        self
    }
    /// Marks the attribute as forcing replacement only when `test(desired,
    /// live)` holds.
    pub const fn force_new_when(
        mut self,
        reason: &'static str,
        test: fn(&Attrs, &Attrs) -> bool,
    ) -> Self {
        self.replace = Replace::When(reason, test);
        self
    }
    /// Whether the attribute can ever force replacement.
    pub const fn is_force_new(&self) -> bool {
        !matches!(self.replace, Replace::Never)
    }
    /// Compares configured and live values this way.
    pub const fn compare(mut self, c: Compare) -> Self {
        self.compare = c;
        self
    }
    /// The AWS API member has another name than the attribute.
    pub const fn member(mut self, name: &'static str) -> Self {
        self.member = Member::Named(name);
        self
    }
    /// A setting of Strata's own, taken by no AWS call.
    pub const fn strata(mut self, what: &'static str) -> Self {
        self.member = Member::Strata(what);
        self
    }
    /// AWS applies a change in the maintenance window unless asked to apply
    /// it immediately.
    pub const fn deferred(mut self) -> Self {
        self.deferred = true;
        self
    }
    /// Marks the attribute as sensitive.
    pub const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Marks a computed attribute as a status the cloud changes on its own.
    pub const fn status(mut self) -> Self {
        self.status = true;
        self
    }
    /// Gives the attribute a default.
    pub const fn default(mut self, d: Default) -> Self {
        self.default = Some(d);
        self
    }
}

/// The AWS API calls behind a kind, by their names in AWS's service model.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    /// The service model's name (`rds`, `elasticache`, `ec2`, ...).
    pub service: &'static str,
    /// Calls that create the resource.
    pub create: &'static [&'static str],
    /// Calls that change it in place.
    pub update: &'static [&'static str],
    /// Calls that read it.
    pub read: &'static [&'static str],
    /// Calls that delete it.
    pub delete: &'static [&'static str],
}

/// How the engine treats a kind as a whole.
#[derive(Debug, Clone, Copy)]
pub struct KindSchema {
    /// `aws.ec2.vpc` and so on.
    pub kind: &'static str,
    /// What the kind is, for docs and `strata validate`.
    pub doc: &'static str,
    /// All attributes (the resource's `id` is always present and computed).
    pub attrs: &'static [AttrSchema],
    /// Replacement creates the new resource before deleting the old one.
    pub create_before_destroy: bool,
    /// How long the engine waits for the resource to become ready (or gone).
    pub ready_timeout: Duration,
    /// How many operations on this kind may run at once.
    pub concurrency: usize,
    /// It holds data (a database, a cache, an instance's disks): replacing
    /// it is refused unless explicitly allowed.
    pub stateful: bool,
    /// The AWS calls behind it.
    pub api: Api,
}

impl KindSchema {
    /// The schema of one attribute.
    pub fn attr(&self, name: &str) -> Option<&'static AttrSchema> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// Names of the sensitive attributes.
    pub fn sensitive_attrs(&self) -> impl Iterator<Item = &'static str> {
        self.attrs.iter().filter(|a| a.sensitive).map(|a| a.name)
    }

    /// Whether `name` is an attribute a reference can point at (`id` always is).
    pub fn has_output(&self, name: &str) -> bool {
        name == "id" || self.attr(name).is_some()
    }
}
