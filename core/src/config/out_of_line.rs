//! [`OutOfLine`]: a rarely filled record kept behind a pointer, and no
//! allocation at all while it is empty.

use std::ops::{Deref, DerefMut};

/// A record with one shared empty value, which an empty [`OutOfLine`]
/// reads as.
pub trait Empty: Default + 'static {
    /// The shared empty value (equal to `Self::default()`).
    fn empty() -> &'static Self;
}

/// A `T` stored out of line, allocated only once something is written to
/// it: while empty it costs one pointer, and reads see `T`'s empty value.
///
/// [`ResourceSpans`](super::ResourceSpans) are such a record: a resource
/// built through the Rust API has none, and a large configuration holds one
/// per resource (about 170 bytes each inline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfLine<T>(Option<Box<T>>);

impl<T> Default for OutOfLine<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> From<T> for OutOfLine<T> {
    fn from(value: T) -> Self {
        Self(Some(Box::new(value)))
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
}
