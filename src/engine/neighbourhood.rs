//! Neighbour risk: a source in the same /24 (IPv4) or /48 (IPv6) as several addresses banned
//! recently is likely the same operator with a fresh address.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use crate::util::net::canonical_ip;

/// Offenders remembered per prefix. Callers compare the count with a small threshold
/// ("several"), so beyond this the count saturates: a /48 full of bots cannot make one entry
/// grow without bound.
pub const MAX_OFFENDERS_PER_PREFIX: usize = 16;

/// The network an address is judged with: its /24 or /48.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum PrefixKey {
    V4(u32),
    V6(u64),
}

impl PrefixKey {
    fn of(ip: IpAddr) -> PrefixKey {
        match ip {
            IpAddr::V4(v4) => PrefixKey::V4(u32::from(v4) >> 8),
            // The top 48 bits of 128: fits in a u64 exactly.
            IpAddr::V6(v6) => PrefixKey::V6((u128::from(v6) >> 80) as u64),
        }
    }
}

#[derive(Debug)]
struct Block {
    /// Each offender with the time it was last recorded; at most MAX_OFFENDERS_PER_PREFIX.
    offenders: Vec<(IpAddr, i64)>,
    /// Latest record in this block: the block's place in the eviction order.
    last_ms: i64,
}

/// Recent offenders grouped by prefix, in bounded memory: at most `max_prefixes` prefixes (the
/// one least recently recorded into is forgotten first) and [`MAX_OFFENDERS_PER_PREFIX`]
/// addresses in each.
///
/// An offender counts for `window_ms` after it was last recorded. A record time later than
/// `now_ms` (the clock stepped back) still counts, rather than being lost.
#[derive(Debug)]
pub struct Neighbourhood {
    window_ms: i64,
    max_prefixes: usize,
    blocks: HashMap<PrefixKey, Block>,
    /// (last_ms, key) of every block, oldest first.
    by_age: BTreeSet<(i64, PrefixKey)>,
}

impl Neighbourhood {
    /// `max_prefixes` 0 turns neighbour tracking off.
    pub fn new(window_ms: i64, max_prefixes: usize) -> Neighbourhood {
        Neighbourhood {
            window_ms: window_ms.max(0),
            max_prefixes,
            blocks: HashMap::new(),
            by_age: BTreeSet::new(),
        }
    }

    /// Notes that `ip` was banned at `now_ms`.
    pub fn record_offender(&mut self, ip: IpAddr, now_ms: i64) {
        if self.max_prefixes == 0 {
            return;
        }
        let ip = canonical_ip(ip);
        let key = PrefixKey::of(ip);
        self.forget_expired(now_ms);
        if let Some(block) = self.blocks.get_mut(&key) {
            self.by_age.remove(&(block.last_ms, key));
        } else {
            while self.blocks.len() >= self.max_prefixes {
                let Some((_, oldest)) = self.by_age.pop_first() else {
                    break;
                };
                self.blocks.remove(&oldest);
            }
        }
        let window_ms = self.window_ms;
        let block = self.blocks.entry(key).or_insert(Block {
            offenders: Vec::new(),
            last_ms: now_ms,
        });
        block
            .offenders
            .retain(|(_, t)| in_window(*t, now_ms, window_ms));
        match block.offenders.iter_mut().find(|(o, _)| *o == ip) {
            Some(seen) => seen.1 = seen.1.max(now_ms),
            None => {
                if block.offenders.len() >= MAX_OFFENDERS_PER_PREFIX
                    && let Some(oldest) = oldest_index(&block.offenders)
                {
                    block.offenders.swap_remove(oldest);
                }
                block.offenders.push((ip, now_ms));
            }
        }
        block.last_ms = block.last_ms.max(now_ms);
        self.by_age.insert((block.last_ms, key));
    }

    /// How many distinct offenders other than `ip` itself were recorded in `ip`'s /24 or /48
    /// within the window before `now_ms`.
    pub fn offenders_near(&self, ip: IpAddr, now_ms: i64) -> usize {
        let ip = canonical_ip(ip);
        let Some(block) = self.blocks.get(&PrefixKey::of(ip)) else {
            return 0;
        };
        block
            .offenders
            .iter()
            .filter(|(o, t)| *o != ip && in_window(*t, now_ms, self.window_ms))
            .count()
    }

    /// Prefixes currently tracked (at most `max_prefixes`).
    pub fn tracked_prefixes(&self) -> usize {
        self.blocks.len()
    }

    /// Drops the blocks whose latest record has left the window.
    fn forget_expired(&mut self, now_ms: i64) {
        while let Some(&(last_ms, key)) = self.by_age.first() {
            if in_window(last_ms, now_ms, self.window_ms) {
                break;
            }
            self.by_age.pop_first();
            self.blocks.remove(&key);
        }
    }
}

fn in_window(recorded_ms: i64, now_ms: i64, window_ms: i64) -> bool {
    now_ms.saturating_sub(recorded_ms) < window_ms
}

fn oldest_index(offenders: &[(IpAddr, i64)]) -> Option<usize> {
    offenders
        .iter()
        .enumerate()
        .min_by_key(|(_, (_, t))| *t)
        .map(|(i, _)| i)
}
