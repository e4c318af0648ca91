//! Compact sets and maps of row ids, for checking references while importing.
//!
//! Ids in the original files are dense (1 to a few million), so a bitset and a vector indexed
//! by id hold tens of millions of them in tens of megabytes. An id past the dense limit, as a
//! hostile or broken file might have, goes to a hash map instead of growing the vector.

use std::collections::HashMap;

/// Ids below this are stored densely.
const DENSE_LIMIT: i64 = 1 << 27;

/// A set of positive ids.
#[derive(Debug, Default)]
pub(crate) struct IdSet {
    bits: Vec<u64>,
    sparse: HashMap<i64, ()>,
}

impl IdSet {
    /// Adds `id`; false if it was already there.
    pub(crate) fn insert(&mut self, id: i64) -> bool {
        if (0..DENSE_LIMIT).contains(&id) {
            let (word, bit) = ((id / 64) as usize, id % 64);
            if word >= self.bits.len() {
                self.bits.resize((word + 1).next_power_of_two(), 0);
            }
            let fresh = self.bits[word] & (1 << bit) == 0;
            self.bits[word] |= 1 << bit;
            fresh
        } else {
            self.sparse.insert(id, ()).is_none()
        }
    }

    /// Whether `id` is in the set.
    pub(crate) fn contains(&self, id: i64) -> bool {
        if (0..DENSE_LIMIT).contains(&id) {
            self.bits.get((id / 64) as usize).is_some_and(|word| word & (1 << (id % 64)) != 0)
        } else {
            self.sparse.contains_key(&id)
        }
    }
}

/// A map from positive ids to the positive id of their product.
#[derive(Debug, Default)]
pub(crate) struct IdMap {
    /// `dense[id]` is the product id, or 0 for none.
    dense: Vec<u32>,
    sparse: HashMap<i64, i64>,
}

impl IdMap {
    /// Maps `id` to `product`; false if `id` was already there.
    pub(crate) fn insert(&mut self, id: i64, product: i64) -> bool {
        if self.get(id).is_some() {
            return false;
        }
        match u32::try_from(product) {
            Ok(value) if (0..DENSE_LIMIT).contains(&id) && value > 0 => {
                let index = id as usize;
                if index >= self.dense.len() {
                    self.dense.resize((index + 1).next_power_of_two(), 0);
                }
                self.dense[index] = value;
            }
            _ => {
                self.sparse.insert(id, product);
            }
        }
        true
    }

    /// The product of `id`, if known.
    pub(crate) fn get(&self, id: i64) -> Option<i64> {
        let dense = usize::try_from(id).ok().and_then(|i| self.dense.get(i)).copied().filter(|&p| p > 0);
        dense.map(i64::from).or_else(|| self.sparse.get(&id).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_reports_duplicates_and_members() {
        let mut set = IdSet::default();
        assert!(set.insert(5) && set.insert(1 << 40));
        assert!(!set.insert(5) && !set.insert(1 << 40));
        assert!(set.contains(5) && set.contains(1 << 40) && !set.contains(6));
    }

    #[test]
    fn a_map_keeps_the_first_value_and_handles_huge_ids_and_products() {
        let mut map = IdMap::default();
        assert!(map.insert(3, 7));
        assert!(!map.insert(3, 8));
        assert!(map.insert(1 << 40, 9) && map.insert(4, 1 << 40));
        assert_eq!(
            (map.get(3), map.get(1 << 40), map.get(4), map.get(5)),
            (Some(7), Some(9), Some(1 << 40), None)
        );
    }
}
