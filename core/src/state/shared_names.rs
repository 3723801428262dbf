//! One copy of each distinct list of configured attribute names.
//!
//! Every resource in state records which attributes its configuration set
//! ([`ResourceState::configured`](super::ResourceState::configured)), and
//! resources of one kind configured alike record the same list: in a large
//! state a few dozen distinct lists stand for hundreds of thousands. While a
//! state loads ([`Sharing`]), each list read is looked up among those read
//! before and shares their allocation.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::Serializer;
use smallvec::SmallVec;

use crate::value::Name;

/// A list of attribute names, shared between the resources that have it.
pub type Names = Arc<[Name]>;

thread_local! {
    /// The lists read so far by the load in progress on this thread, if any.
    static SEEN: RefCell<Option<HashSet<Names, crate::addr::FastHash>>> =
        const { RefCell::new(None) };
}

/// While it lives, lists read on this thread share one copy each; the
/// lists are forgotten when it is dropped (those in use stay alive).
pub(crate) struct Sharing {
    /// Whether this scope started the sharing (an inner scope leaves it on).
    outer: bool,
}

impl Sharing {
    pub(crate) fn start() -> Self {
        let outer = SEEN.with(|s| {
            let mut s = s.borrow_mut();
            let outer = s.is_none();
            if outer {
                *s = Some(HashSet::default());
            }
            outer
        });
        Self { outer }
    }
}

impl Drop for Sharing {
    fn drop(&mut self) {
        if self.outer {
            SEEN.with(|s| s.borrow_mut().take());
        }
    }
}

/// `names` as a shared list: the copy already read, if sharing is on.
fn share(names: &[Name]) -> Names {
    SEEN.with(|s| match s.borrow_mut().as_mut() {
        Some(seen) => match seen.get(names) {
            Some(shared) => shared.clone(),
            None => {
                let shared: Names = names.into();
                seen.insert(shared.clone());
                shared
            }
        },
        None => names.into(),
    })
}

/// For `#[serde(deserialize_with)]`: a list of names, shared with equal
/// lists read before while a [`Sharing`] lives.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Names, D::Error> {
    struct Items;
    impl<'de> Visitor<'de> for Items {
        type Value = Names;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of attribute names")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Names, A::Error> {
            let mut items: SmallVec<[Name; 16]> = SmallVec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(share(&items))
        }
    }
    d.deserialize_seq(Items)
}

/// For `#[serde(serialize_with)]`: the names as a list.
pub(crate) fn serialize<S: Serializer>(names: &Names, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(names.iter())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Two {
        #[serde(deserialize_with = "deserialize")]
        a: Names,
        #[serde(deserialize_with = "deserialize")]
        b: Names,
    }

    const TWO: &str = r#"{"a": ["cidr_block", "tags"], "b": ["cidr_block", "tags"]}"#;

    #[test]
    fn equal_lists_read_while_sharing_are_one_copy() {
        let two: Two = {
            let _sharing = Sharing::start();
            serde_json::from_str(TWO).unwrap()
        };
        assert_eq!(&*two.a, ["cidr_block", "tags"]);
        assert!(Arc::ptr_eq(&two.a, &two.b));
        // Sharing ended with its scope.
        let apart: Two = serde_json::from_str(TWO).unwrap();
        assert_eq!(apart.a, apart.b);
        assert!(!Arc::ptr_eq(&apart.a, &apart.b));
    }
}
