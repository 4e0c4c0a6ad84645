//! A hash map that readers on any thread query while one writer (the engine worker) changes
//! it, where no reader ever waits for more than one short write.
//!
//! 64 shards, each behind its own `RwLock`: a reader takes one shard's read lock for one
//! lookup (no allocation); the writer takes one shard's write lock for one insert or remove.
//! The shard is picked from a few bits of the key ([`ShardOf`]), not a second hash: a key an
//! attacker chooses can at most crowd one shard's lock, while inside each shard std's
//! randomly keyed hash keeps lookups O(1) whatever the keys.
//! The only long step a map has, growing its table, is done outside the write lock: the
//! writer copies the shard into a table twice the size under the read lock (readers carry
//! on), then swaps it in under the write lock (a pointer swap). That is sound because there
//! is one writer: nothing can change the shard between the copy and the swap.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

use crate::util::lock::RwLockExt;

const SHARDS: usize = 64;

/// Which shard a key (or the borrowed form it is looked up by) lives in.
pub(crate) trait ShardOf {
    fn shard_of(&self) -> usize;
}

impl ShardOf for u128 {
    fn shard_of(&self) -> usize {
        // Fold every byte in: host bits and network bits both spread.
        let x = (*self as u64) ^ ((*self >> 64) as u64);
        let x = x ^ (x >> 29) ^ (x >> 47);
        x as usize
    }
}

impl ShardOf for str {
    fn shard_of(&self) -> usize {
        crate::engine::windows::hash32(self.as_bytes()) as usize
    }
}

impl ShardOf for std::sync::Arc<str> {
    /// The same shard as the `str` it is looked up by.
    fn shard_of(&self) -> usize {
        (**self).shard_of()
    }
}

pub(crate) struct ShardedMap<K, V> {
    shards: Box<[RwLock<HashMap<K, V>>]>,
}

impl<K: Hash + Eq + Clone, V: Clone> Default for ShardedMap<K, V> {
    fn default() -> Self {
        ShardedMap {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> ShardedMap<K, V> {
    fn shard<Q: ShardOf + ?Sized>(&self, key: &Q) -> &RwLock<HashMap<K, V>> {
        &self.shards[key.shard_of() % SHARDS]
    }

    /// Reads the value of `key` under the shard's read lock.
    pub fn get_with<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ShardOf + ?Sized,
    {
        self.shard(key).read_locked().get(key).map(f)
    }

    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ShardOf + ?Sized,
    {
        self.shard(key).read_locked().contains_key(key)
    }

    /// Writer only (the engine worker). One write lock in the common case; when the shard's
    /// table is full it is grown first, outside the write lock.
    pub fn insert(&self, key: K, value: V)
    where
        K: ShardOf,
    {
        let lock = self.shard(&key);
        {
            let mut m = lock.write_locked();
            if m.len() < m.capacity() {
                m.insert(key, value);
                return;
            }
            // Full: replacing a present key is still in place.
            if let Some(v) = m.get_mut(&key) {
                *v = value;
                return;
            }
        }
        {
            let bigger = {
                let m = lock.read_locked();
                let mut n = HashMap::with_capacity((m.len() * 2).max(8));
                n.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                n
            };
            let old = std::mem::replace(&mut *lock.write_locked(), bigger);
            // The old table is freed here, after the write lock is released.
            drop(old);
        }
        lock.write_locked().insert(key, value);
    }

    /// Writer only (the engine worker).
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ShardOf + ?Sized,
    {
        self.shard(key).write_locked().remove(key)
    }

    /// Visits every entry, one shard's read lock at a time (a listing for the CLI; entries
    /// changed meanwhile may or may not be seen).
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        for s in self.shards.iter() {
            for (k, v) in s.read_locked().iter() {
                f(k, v);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.read_locked().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn readers_see_the_writers_changes_while_the_tables_grow() {
        let map: Arc<ShardedMap<u128, u64>> = Arc::new(ShardedMap::default());
        let reader = {
            let map = map.clone();
            std::thread::spawn(move || {
                // Whatever it sees must be a value the writer wrote for that key.
                let mut seen = 0;
                for i in 0..200_000u64 {
                    if let Some(v) = map.get_with(&u128::from(i % 10_000), |v| *v) {
                        assert_eq!(v, (i % 10_000) * 3);
                        seen += 1;
                    }
                }
                seen
            })
        };
        for i in 0..10_000u64 {
            map.insert(u128::from(i), i * 3);
        }
        reader.join().unwrap();
        assert_eq!(map.len(), 10_000);
        for i in 0..5_000u64 {
            assert_eq!(map.remove(&u128::from(i)), Some(i * 3));
        }
        assert_eq!(map.len(), 5_000);
        let mut sum = 0;
        map.for_each(|k, _| sum += k);
        assert_eq!(sum, (5_000..10_000u128).sum::<u128>());
    }

    #[test]
    fn string_keys_are_found_by_str() {
        let map: ShardedMap<std::sync::Arc<str>, u8> = ShardedMap::default();
        map.insert("1001".into(), 7);
        assert_eq!(map.get_with("1001", |v| *v), Some(7));
        assert!(!map.contains("1002"));
    }
}
