//! A hash map that readers on any thread query while one writer (the engine worker) changes
//! it, where no reader ever waits for more than one short write.
//!
//! 64 shards, each behind its own `RwLock`: a reader takes one shard's read lock for one
//! lookup (no allocation); the writer takes one shard's write lock for one insert or remove.
//! The only long step a map has, growing its table, is done outside the write lock: the
//! writer copies the shard into a table twice the size under the read lock (readers carry
//! on), then swaps it in under the write lock (a pointer swap). That is sound because there
//! is one writer: nothing can change the shard between the copy and the swap.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash};
use std::sync::RwLock;

use crate::util::lock::RwLockExt;

const SHARDS: usize = 64;

pub(crate) struct ShardedMap<K, V> {
    shards: Box<[RwLock<HashMap<K, V>>]>,
    /// Picks the shard; keyed at random per map, so a flood of chosen keys cannot pile
    /// into one shard.
    pick: RandomState,
}

impl<K: Hash + Eq + Clone, V: Clone> Default for ShardedMap<K, V> {
    fn default() -> Self {
        ShardedMap {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            pick: RandomState::new(),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> ShardedMap<K, V> {
    fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> &RwLock<HashMap<K, V>> {
        let h = self.pick.hash_one(key);
        &self.shards[(h as usize) % SHARDS]
    }

    /// Reads the value of `key` under the shard's read lock.
    pub fn get_with<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard(key).read_locked().get(key).map(f)
    }

    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard(key).read_locked().contains_key(key)
    }

    /// Writer only (the engine worker).
    pub fn insert(&self, key: K, value: V) {
        let lock = self.shard(&key);
        let grow = {
            let m = lock.read_locked();
            !m.contains_key(&key) && m.len() >= m.capacity()
        };
        if grow {
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
        Q: Hash + Eq + ?Sized,
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
        let map: Arc<ShardedMap<u64, u64>> = Arc::new(ShardedMap::default());
        let reader = {
            let map = map.clone();
            std::thread::spawn(move || {
                // Whatever it sees must be a value the writer wrote for that key.
                let mut seen = 0;
                for i in 0..200_000u64 {
                    if let Some(v) = map.get_with(&(i % 10_000), |v| *v) {
                        assert_eq!(v, (i % 10_000) * 3);
                        seen += 1;
                    }
                }
                seen
            })
        };
        for i in 0..10_000u64 {
            map.insert(i, i * 3);
        }
        reader.join().unwrap();
        assert_eq!(map.len(), 10_000);
        for i in 0..5_000u64 {
            assert_eq!(map.remove(&i), Some(i * 3));
        }
        assert_eq!(map.len(), 5_000);
        let mut sum = 0;
        map.for_each(|k, _| sum += k);
        assert_eq!(sum, (5_000..10_000u64).sum::<u64>());
    }

    #[test]
    fn string_keys_are_found_by_str() {
        let map: ShardedMap<Box<str>, u8> = ShardedMap::default();
        map.insert("1001".into(), 7);
        assert_eq!(map.get_with("1001", |v| *v), Some(7));
        assert!(!map.contains("1002"));
    }
}
