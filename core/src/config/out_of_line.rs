//! [`OutOfLine`]: a rarely filled record kept behind a pointer, and no
//! allocation at all while it is empty.

use std::ops::{Deref, DerefMut};

/// A record with one shared empty value, which an empty [`OutOfLine`]
/// reads as.
pub trait Empty: Default + 'static {
    /// The shared empty value (equal to `Self::default()`).
    fn empty() -> &'static Self;
}

impl<T: 'static> Empty for Option<T> {
    fn empty() -> &'static Self {
        &None
    }
}

impl<T: 'static> Empty for Vec<T> {
    fn empty() -> &'static Self {
        const { &Vec::new() }
    }
}

/// A `T` stored out of line, allocated only once something is written to
/// it: while empty it costs one pointer, and reads see `T`'s empty value.
/// It compares, prints and (de)serializes as the `T` it reads as.
///
/// [`ResourceSpans`](super::ResourceSpans) are such a record: a resource
/// built through the Rust API has none, and a large configuration holds one
/// per resource (about 170 bytes each inline). So is a
/// [`Lifecycle`](super::Lifecycle), which most resources leave as it is.
#[derive(Clone)]
pub struct OutOfLine<T>(Option<Box<T>>);

impl<T> Default for OutOfLine<T> {
    fn default() -> Self {
        Self(None)
    }
}

/// `value` out of line, or nothing allocated if it is the empty value.
impl<T: Empty + PartialEq> From<T> for OutOfLine<T> {
    fn from(value: T) -> Self {
        if &value == T::empty() {
            Self(None)
        } else {
            Self(Some(Box::new(value)))
        }
    }
}

impl<T: Empty + PartialEq> PartialEq for OutOfLine<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Empty + Eq> Eq for OutOfLine<T> {}

impl<T: Empty + std::fmt::Debug> std::fmt::Debug for OutOfLine<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: Empty + serde::Serialize> serde::Serialize for OutOfLine<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de, T: Empty + PartialEq + serde::Deserialize<'de>> serde::Deserialize<'de> for OutOfLine<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Self::from)
    }
}

impl<T: Empty> Deref for OutOfLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.0 {
            Some(value) => value,
            None => T::empty(),
        }
    }
}

impl<T: Empty> DerefMut for OutOfLine<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{ResourceSpans, Span};

    #[test]
    fn an_empty_record_reads_as_empty_and_fills_on_write() {
        let mut spans: OutOfLine<ResourceSpans> = OutOfLine::default();
        assert_eq!(spans.header, None);
        assert!(spans.attrs.is_empty());
        assert_eq!(std::mem::size_of_val(&spans), std::mem::size_of::<usize>());

        let at = Span { offset: 3, len: 4 };
        spans.header = Some(at);
        assert_eq!(spans.header, Some(at));
        assert_eq!(spans.kind, None);
        // The shared empty value is untouched.
        assert_eq!(ResourceSpans::empty().header, None);
    }

    #[test]
    fn an_empty_value_is_not_allocated_and_equals_an_untouched_one() {
        use crate::config::Lifecycle;
        let written: OutOfLine<Lifecycle> = Lifecycle::default().into();
        assert_eq!(written.0, None);
        let mut touched: OutOfLine<Lifecycle> = OutOfLine::default();
        let lifecycle: &mut Lifecycle = &mut touched;
        lifecycle.prevent_destroy = true;
        lifecycle.prevent_destroy = false;
        assert!(touched.0.is_some(), "a write allocates");
        assert_eq!(touched, written);

        let kept: OutOfLine<Lifecycle> =
            serde_json::from_str(r#"{"prevent_destroy": true}"#).unwrap();
        assert!(kept.prevent_destroy);
        assert_eq!(
            serde_json::to_value(&kept).unwrap()["prevent_destroy"],
            true
        );
        assert_eq!(format!("{kept:?}"), format!("{:?}", *kept));
    }
}
