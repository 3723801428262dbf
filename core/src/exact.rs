//! Deserializing into allocations of exactly the size needed.
//!
//! JSON does not say how many items a list or an object holds, so a vector
//! filled as serde reads grows by doubling and ends with up to twice the room
//! it needs; shrinking it afterwards does not help with every allocator
//! (mimalloc keeps a block shrunk by less than half in place). A large
//! state or simulated cloud holds hundreds of thousands of small lists and
//! attribute maps, so the items are gathered in a buffer on the stack first
//! and moved into one allocation of their exact number.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use smallvec::SmallVec;

/// Items gathered on the stack before they are moved into place: more than
/// most resources have attributes.
const INLINE: usize = 16;

/// `items` in a vector with no spare room.
pub fn into_vec<T, const N: usize>(items: SmallVec<[T; N]>) -> Vec<T>
where
    [T; N]: smallvec::Array<Item = T>,
{
    if items.spilled() {
        let mut v = items.into_vec();
        v.shrink_to_fit();
        return v;
    }
    let mut v = Vec::with_capacity(items.len());
    v.extend(items);
    v
}

/// The rest of a sequence, in a vector of exactly its length.
pub fn seq<'de, A: SeqAccess<'de>, T: Deserialize<'de>>(mut seq: A) -> Result<Vec<T>, A::Error> {
    let mut items: SmallVec<[T; INLINE]> = SmallVec::new();
    while let Some(item) = seq.next_element()? {
        items.push(item);
    }
    Ok(into_vec(items))
}

/// The rest of a map's entries, in order, in a vector of exactly their number.
pub fn entries<'de, A: MapAccess<'de>, K: Deserialize<'de>, V: Deserialize<'de>>(
    mut map: A,
) -> Result<Vec<(K, V)>, A::Error> {
    let mut items: SmallVec<[(K, V); INLINE]> = SmallVec::new();
    while let Some(entry) = map.next_entry()? {
        items.push(entry);
    }
    Ok(into_vec(items))
}

/// A sorted map of `pairs`, in any order (of equal keys the last wins).
/// Sorted pairs, as a saved map holds them, keep their allocation.
pub fn sorted_map<K: Ord, V>(pairs: Vec<(K, V)>) -> litemap::LiteMap<K, V> {
    if pairs.windows(2).all(|w| w[0].0 < w[1].0) {
        return litemap::LiteMap::from_sorted_store_unchecked(pairs);
    }
    let mut map = litemap::LiteMap::with_capacity(pairs.len());
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// For `#[serde(deserialize_with = "strata_core::exact::map")]`: a JSON
/// object (or a list of pairs, the form `litemap` writes an empty map in)
/// read into a sorted map of exactly its size.
pub fn map<'de, D, K, V>(d: D) -> Result<litemap::LiteMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Ord + Deserialize<'de>,
    V: Deserialize<'de>,
{
    struct Entries<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for Entries<K, V> {
        type Value = litemap::LiteMap<K, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
            entries(m).map(sorted_map)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<Self::Value, A::Error> {
            seq(s).map(sorted_map)
        }
    }
    d.deserialize_any(Entries(std::marker::PhantomData))
}

/// For `#[serde(deserialize_with = "strata_core::exact::vec")]`: a list read
/// into a vector of exactly its length.
pub fn vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Items<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Items<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<Vec<T>, A::Error> {
            seq(s)
        }
    }
    d.deserialize_seq(Items(std::marker::PhantomData))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Lists {
        #[serde(deserialize_with = "super::vec")]
        few: Vec<String>,
        #[serde(deserialize_with = "super::vec")]
        many: Vec<u32>,
    }

    #[derive(serde::Deserialize)]
    struct Maps {
        #[serde(deserialize_with = "super::map")]
        map: litemap::LiteMap<String, u32>,
        #[serde(deserialize_with = "super::map")]
        pairs: litemap::LiteMap<String, u32>,
        #[serde(deserialize_with = "super::map")]
        empty: litemap::LiteMap<String, u32>,
    }

    #[test]
    fn maps_are_read_from_objects_and_from_lists_of_pairs_as_litemap_writes_them() {
        let text =
            r#"{"map": {"b": 2, "a": 1, "b": 3}, "pairs": [["x", 1], ["y", 2]], "empty": []}"#;
        let maps: Maps = serde_json::from_str(text).unwrap();
        let entries = |m: &litemap::LiteMap<String, u32>| {
            m.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
        };
        assert_eq!(entries(&maps.map), [("a".into(), 1), ("b".into(), 3)]);
        assert_eq!(entries(&maps.pairs), [("x".into(), 1), ("y".into(), 2)]);
        assert!(maps.empty.is_empty());
        assert_eq!(
            serde_json::to_string(&maps.empty).unwrap(),
            "[]",
            "the form litemap writes an empty map in"
        );
    }

    #[test]
    fn lists_are_read_whole_into_exactly_their_length() {
        let many: Vec<u32> = (0..40).collect();
        let text = format!(r#"{{"few": ["a", "b", "c"], "many": {many:?}}}"#);
        let lists: Lists = serde_json::from_str(&text).unwrap();
        assert_eq!(lists.few, ["a", "b", "c"]);
        assert_eq!(lists.few.capacity(), 3);
        assert_eq!(lists.many, many);
        assert_eq!(lists.many.capacity(), 40);
    }
}
