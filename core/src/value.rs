//! Attribute values: known data, references to other resources' attributes,
//! and values not known until apply.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::addr::Address;
use crate::secret::Secret;

/// A reference to an attribute of another resource: `vpc.id`, `db.primary.endpoint`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// The resource referred to.
    pub address: Address,
    /// The attribute of that resource.
    pub attr: String,
}

impl Reference {
    /// Builds a reference.
    pub fn new(address: Address, attr: impl Into<String>) -> Self {
        Self {
            address,
            attr: attr.into(),
        }
    }

    /// Parses `addr.attr` (the attribute is the last dot-separated part,
    /// optionally with an index into a list: `names[0]`).
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, attr) = s.rsplit_once('.')?;
        let name = match attr.split_once('[') {
            Some((name, index)) => {
                let digits = index.strip_suffix(']')?;
                if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                name
            }
            None => attr,
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        Some(Self::new(Address::parse(addr).ok()?, attr))
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.address, self.attr)
    }
}

/// An attribute value in a configuration or a plan.
///
/// State holds only known values (plain JSON); configurations may hold
/// [`Value::Ref`], and plans may hold [`Value::Unknown`] for values that are
/// only known once a dependency has been created.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// No value.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string (inline up to 24 bytes: ids, names, zones, classes).
    String(Name),
    /// A list.
    List(Vec<Value>),
    /// A map with string keys.
    Map(Attrs),
    /// A reference to another resource's attribute, resolved at plan/apply time.
    Ref(Box<Reference>),
    /// A value only known after apply.
    Unknown,
    /// A sensitive value given by where it comes from (an environment
    /// variable, a file, Secrets Manager, SSM), with its value once read.
    /// It shows and serializes as its source, never its value.
    Secret(Box<Secret>),
}

impl Value {
    /// Drops the spare room of the maps and lists in this value, at every
    /// depth (see [`Attrs::shrink_nested`]).
    pub fn shrink_nested(&mut self) {
        match self {
            Value::Map(map) => map.shrink_nested(),
            Value::List(items) => {
                if items.capacity() > items.len() {
                    let mut exact = Vec::with_capacity(items.len());
                    exact.append(items);
                    *items = exact;
                }
                items.iter_mut().for_each(Value::shrink_nested);
            }
            _ => {}
        }
    }

    /// Converts plain JSON into a value (objects of the form `{"$ref": "a.b"}`
    /// become references and `{"$unknown": true}` becomes unknown).
    pub fn from_json(v: &serde_json::Value) -> Self {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::String(s.clone().into()),
            J::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            J::Object(map) => {
                if map.len() == 1 {
                    if let Some(J::String(r)) = map.get("$ref") {
                        if let Some(r) = Reference::parse(r) {
                            return Value::Ref(Box::new(r));
                        }
                    }
                    if map.contains_key("$unknown") {
                        return Value::Unknown;
                    }
                    if let Some(secret) = map.get("$secret") {
                        if let Ok(s) = serde_json::from_value::<Secret>(secret.clone()) {
                            return Value::Secret(Box::new(s));
                        }
                    }
                }
                Value::Map(
                    map.iter()
                        .map(|(k, v)| (k.as_str(), Value::from_json(v)))
                        .collect(),
                )
            }
        }
    }

    /// The JSON form used in saved plans (references and unknowns are tagged objects).
    pub fn to_tagged_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.to_string()),
            Value::List(items) => J::Array(items.iter().map(Value::to_tagged_json).collect()),
            Value::Map(map) => J::Object(
                map.iter()
                    .map(|(k, v)| (k.to_string(), v.to_tagged_json()))
                    .collect(),
            ),
            Value::Ref(r) => serde_json::json!({ "$ref": r.to_string() }),
            Value::Unknown => serde_json::json!({ "$unknown": true }),
            Value::Secret(secret) => serde_json::json!({ "$secret": secret }),
        }
    }

    /// Plain JSON, or `None` when the value holds a reference or an unknown.
    pub fn to_known_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.to_string()),
            Value::List(items) => J::Array(
                items
                    .iter()
                    .map(Value::to_known_json)
                    .collect::<Option<_>>()?,
            ),
            Value::Map(map) => J::Object(
                map.iter()
                    .map(|(k, v)| Some((k.to_string(), v.to_known_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Ref(_) | Value::Unknown => return None,
            // Its source, never its value.
            Value::Secret(secret) => serde_json::json!({ "$secret": secret }),
        })
    }

    /// Whether the value is fully known (no references, no unknowns).
    pub fn is_known(&self) -> bool {
        match self {
            Value::Ref(_) | Value::Unknown => false,
            Value::Secret(secret) => secret.value().is_some(),
            Value::List(items) => items.iter().all(Value::is_known),
            Value::Map(map) => map.values().all(Value::is_known),
            _ => true,
        }
    }

    /// Every reference held in this value, depth first.
    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a Reference>) {
        match self {
            Value::Ref(r) => out.push(r),
            Value::List(items) => items.iter().for_each(|v| v.collect_refs(out)),
            Value::Map(map) => map.values().for_each(|v| v.collect_refs(out)),
            _ => {}
        }
    }

    /// Replaces every reference with what `resolve` returns for it
    /// (`Value::Unknown` when the referenced value is not yet known).
    pub fn resolve(&self, resolve: &mut impl FnMut(&Reference) -> Value) -> Value {
        match self {
            Value::Ref(r) => resolve(r),
            Value::List(items) => Value::List(items.iter().map(|v| v.resolve(resolve)).collect()),
            Value::Map(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.resolve(resolve)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The value with every secret that was read replaced by its value
    /// (what a provider is sent, and what a digest is taken of); a secret
    /// not read yet stays as it is.
    pub fn revealed(&self) -> Value {
        match self {
            Value::Secret(s) => match s.value() {
                Some(v) => Value::String(v.into()),
                None => self.clone(),
            },
            Value::List(items) => Value::List(items.iter().map(Value::revealed).collect()),
            Value::Map(map) => {
                Value::Map(map.iter().map(|(k, v)| (k.clone(), v.revealed())).collect())
            }
            other => other.clone(),
        }
    }

    /// Whether a secret is held anywhere in the value.
    pub fn holds_secret(&self) -> bool {
        match self {
            Value::Secret(_) => true,
            Value::List(items) => items.iter().any(Value::holds_secret),
            Value::Map(map) => map.values().any(Value::holds_secret),
            _ => false,
        }
    }

    /// Calls `f` on every secret held in the value.
    pub fn for_each_secret_mut(&mut self, f: &mut impl FnMut(&mut Secret)) {
        match self {
            Value::Secret(s) => f(s),
            Value::List(items) => items.iter_mut().for_each(|v| v.for_each_secret_mut(f)),
            Value::Map(map) => map.iter_mut().for_each(|(_, v)| v.for_each_secret_mut(f)),
            _ => {}
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer inside, if this is an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The number inside, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The boolean inside, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if this is a map.
    pub fn as_map(&self) -> Option<&Attrs> {
        match self {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    /// The entries, mutably, if this is a map.
    pub fn as_map_mut(&mut self) -> Option<&mut Attrs> {
        match self {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    /// Whether two values are the same, treating `1` and `1.0` as equal.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                self.as_f64() == other.as_f64()
            }
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.same_as(vb))
            }
            _ => self == other,
        }
    }
}

impl fmt::Display for Value {
    /// Renders the value the way a plan shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                f.write_str("}")
            }
            Value::Ref(r) => write!(f, "${{{r}}}"),
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Secret(secret) => write!(f, "{secret}"),
        }
    }
}

/// Serializes as [`Value::to_tagged_json`] does, without building the JSON tree.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Value::Float(_) => s.serialize_unit(),
            Value::String(v) => s.serialize_str(v),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Value::Ref(r) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("$ref", &r.to_string())?;
                m.end()
            }
            Value::Unknown => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("$unknown", &true)?;
                m.end()
            }
            Value::Secret(secret) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("$secret", secret)?;
                m.end()
            }
        }
    }
}

/// Reads what [`Value::from_json`] reads, without building the JSON tree.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        crate::exact::seq(seq).map(Value::List)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let pairs: Vec<(Name, Value)> = crate::exact::entries(map)?;
        if let [(k, v)] = pairs.as_slice() {
            match (k.as_str(), v) {
                ("$ref", Value::String(r)) => {
                    if let Some(r) = Reference::parse(r) {
                        return Ok(Value::Ref(Box::new(r)));
                    }
                }
                ("$unknown", _) => return Ok(Value::Unknown),
                ("$secret", v) => {
                    let json = v.to_tagged_json();
                    if let Ok(secret) = serde_json::from_value::<Secret>(json) {
                        return Ok(Value::Secret(Box::new(secret)));
                    }
                }
                _ => {}
            }
        }
        Ok(Value::Map(Attrs::from_entries(pairs)))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<Reference> for Value {
    fn from(r: Reference) -> Self {
        Value::Ref(Box::new(r))
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

/// An attribute or map key name: stored inline (no allocation) up to 24
/// bytes, which covers every attribute name of every kind.
pub type Name = compact_str::CompactString;

/// A resource's attributes by name, in name order.
///
/// A sorted vector rather than a B-tree: a resource has a few dozen
/// attributes at most, and a state of 100,000 resources holds several
/// copies of every resource's attributes (state, refreshed, planned), where
/// a B-tree's fixed-size nodes cost several times the data they hold.
///
/// It dereferences to [`litemap::LiteMap`] for the map API (`get`, `insert`,
/// `remove`, `iter`, `entry`, ...), indexes by `&str` like a `BTreeMap`
/// (`attrs["id"]`, panicking when absent), and serializes as a JSON object.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Attrs(litemap::LiteMap<Name, Value>);

/// Reads a JSON object (or a list of pairs, the form an empty map is
/// written in) into one allocation of exactly its size (see [`crate::exact`]).
impl<'de> Deserialize<'de> for Attrs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::exact::map(d).map(Self)
    }
}

impl Attrs {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// The value of `name`, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.0.get_mut(name)
    }

    /// Whether `name` is set.
    pub fn contains_key(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Unsets `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    /// Sets `name` to `value`, returning the value it replaces.
    pub fn insert(&mut self, name: Name, value: Value) -> Option<Value> {
        self.0.insert(name, value)
    }

    /// Sets `name` to `value`, growing the map by one entry when it is full
    /// rather than doubling it: for maps built once and kept, as a
    /// configuration's are.
    pub fn insert_tight(&mut self, name: Name, value: Value) -> Option<Value> {
        let mut pairs = std::mem::take(&mut self.0).into_tuple_vec();
        if pairs.len() == pairs.capacity() {
            pairs.reserve_exact(1);
        }
        self.0 = litemap::LiteMap::from_sorted_store_unchecked(pairs);
        self.0.insert(name, value)
    }

    /// Drops spare capacity: maps loaded from state or read from the cloud
    /// are rarely grown again. The entries move to a new allocation of
    /// their exact number (an allocator may keep a block shrunk in place
    /// at its old size).
    pub fn shrink(&mut self) {
        let mut pairs = std::mem::take(&mut self.0).into_tuple_vec();
        if pairs.capacity() > pairs.len() {
            let mut exact = Vec::with_capacity(pairs.len());
            exact.append(&mut pairs);
            pairs = exact;
        }
        self.0 = litemap::LiteMap::from_sorted_store_unchecked(pairs);
    }

    /// [`shrink`](Self::shrink)s this map and every map and list nested in
    /// its values (a configuration builds nested maps and lists one item at
    /// a time, as a growing vector, and keeps them for the whole run).
    pub fn shrink_nested(&mut self) {
        self.shrink();
        for (_, value) in self.0.iter_mut() {
            value.shrink_nested();
        }
    }

    /// A map of `pairs`, in any order (of equal names the last wins), with
    /// no spare room. Sorted pairs, as a saved map holds them, keep their
    /// allocation.
    pub fn from_entries(pairs: Vec<(Name, Value)>) -> Self {
        let mut attrs = Self(crate::exact::sorted_map(pairs));
        attrs.shrink();
        attrs
    }

    /// An empty map with room for `capacity` attributes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(litemap::LiteMap::with_capacity(capacity))
    }
}

impl std::ops::Deref for Attrs {
    type Target = litemap::LiteMap<Name, Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Attrs {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl std::ops::Index<&str> for Attrs {
    type Output = Value;
    fn index(&self, name: &str) -> &Value {
        match self.0.get(name) {
            Some(v) => v,
            // Like `BTreeMap`'s `Index`: asking for a missing key is a bug in the caller.
            #[allow(clippy::panic)]
            None => panic!("no attribute `{name}`"),
        }
    }
}

impl<K: Into<Name>> FromIterator<(K, Value)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        Self(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl<K: Into<Name>> Extend<(K, Value)> for Attrs {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        self.0.extend(iter.into_iter().map(|(k, v)| (k.into(), v)));
    }
}

impl<K: Into<Name>, const N: usize> From<[(K, Value); N]> for Attrs {
    fn from(pairs: [(K, Value); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl IntoIterator for Attrs {
    type Item = (Name, Value);
    type IntoIter = <litemap::LiteMap<Name, Value> as IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Attrs {
    type Item = (&'a Name, &'a Value);
    type IntoIter = <&'a litemap::LiteMap<Name, Value> as IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a mut Attrs {
    type Item = (&'a Name, &'a mut Value);
    type IntoIter = <&'a mut litemap::LiteMap<Name, Value> as IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_through_tagged_json() {
        let r = Reference::parse("web.tg_blue.arn").unwrap();
        assert_eq!(r.address.as_str(), "web.tg_blue");
        let v = Value::List(vec![Value::from(r.clone()), Value::Unknown, Value::Int(3)]);
        let back = Value::from_json(&v.to_tagged_json());
        assert_eq!(back, v);
        assert!(!back.is_known());
        assert_eq!(back.references(), vec![&r]);
    }

    #[test]
    fn numbers_compare_across_int_and_float() {
        assert!(Value::Int(5).same_as(&Value::Float(5.0)));
        assert!(!Value::Int(5).same_as(&Value::Float(5.5)));
    }
}
