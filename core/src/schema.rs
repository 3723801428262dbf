//! Per-kind schemas: which attributes exist, which are required, optional or
//! computed, which force replacement and which are sensitive.

use std::time::Duration;

use crate::value::Value;

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
}

impl Field {
    /// A required field.
    pub const fn req(name: &'static str, ty: AttrType) -> Self {
        Self {
            name,
            ty,
            required: true,
        }
    }
    /// An optional field.
    pub const fn opt(name: &'static str, ty: AttrType) -> Self {
        Self {
            name,
            ty,
            required: false,
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

/// One attribute of a kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttrSchema {
    /// Attribute name (snake_case, as in the Terraform AWS provider).
    pub name: &'static str,
    /// Its type.
    pub ty: AttrType,
    /// Who sets it.
    pub mode: Mode,
    /// Changing it replaces the resource instead of updating it in place.
    pub force_new: bool,
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
            force_new: false,
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
    /// Marks the attribute as forcing replacement.
    pub const fn force_new(mut self) -> Self {
        self.force_new = true;
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
