//! Risk scores: points per rule that decay with a half-life, capped at 100, so that
//! "why is this IP at 87?" has an answer rule by rule.

use std::time::Duration;

use crate::decision::RuleId;
use crate::util::time::{Millis, Secs, secs};

#[derive(Debug, Clone, Copy, Default)]
pub struct Risk {
    points: [f32; RuleId::COUNT],
    at: Secs,
}

fn decay_factor(elapsed_ms: Millis, half_life: Duration) -> f32 {
    let hl = half_life.as_millis().max(1) as f64;
    if elapsed_ms <= 0 {
        return 1.0;
    }
    0.5f64.powf(elapsed_ms as f64 / hl) as f32
}

/// The score at `now` of `peak` points recorded at second `at`: what [`Risk::score`] gives,
/// computed from two numbers (the published view keeps only those).
pub fn score_at(peak: f32, at: Secs, now: Millis, half_life: Duration) -> u8 {
    let elapsed = Millis::from(secs(now).saturating_sub(at)) * 1000;
    let f = decay_factor(elapsed, half_life);
    (peak * f).clamp(0.0, 100.0).round() as u8
}

impl Risk {
    fn elapsed_ms(&self, now: Millis) -> Millis {
        Millis::from(secs(now).saturating_sub(self.at)) * 1000
    }

    fn decay_to(&mut self, now: Millis, half_life: Duration) {
        let f = decay_factor(self.elapsed_ms(now), half_life);
        if f < 1.0 {
            for p in &mut self.points {
                *p *= f;
                if *p < 0.01 {
                    *p = 0.0;
                }
            }
        }
        self.at = self.at.max(secs(now));
    }

    pub fn add(&mut self, rule: RuleId, points: f32, now: Millis, half_life: Duration) {
        self.decay_to(now, half_life);
        let p = &mut self.points[rule.index()];
        *p = (*p + points).min(100.0);
    }

    /// The score at `now`: the strongest rule's decayed points, 0 to 100. Each rule's points
    /// say how close it is to its own threshold, so the maximum (not the sum) is "how close
    /// to a ban": two rules counting the same failures must not add up to a false 100.
    pub fn score(&self, now: Millis, half_life: Duration) -> u8 {
        let (peak, at) = self.peak();
        score_at(peak, at, now, half_life)
    }

    /// The strongest rule's points as of the last change, and when that was: all a reader
    /// needs to compute the score at any later time ([`score_at`]).
    pub fn peak(&self) -> (f32, Secs) {
        (self.points.iter().fold(0.0f32, |m, p| m.max(*p)), self.at)
    }

    /// Each rule's share of the score at `now`, largest first, zeros left out.
    pub fn breakdown(&self, now: Millis, half_life: Duration) -> Vec<(RuleId, f32)> {
        let f = decay_factor(self.elapsed_ms(now), half_life);
        let mut parts: Vec<(RuleId, f32)> = RuleId::ALL
            .iter()
            .map(|r| (*r, self.points[r.index()] * f))
            .filter(|(_, p)| *p >= 0.5)
            .collect();
        parts.sort_by(|a, b| b.1.total_cmp(&a.1));
        parts
    }

    /// Drops one rule's points (its counted things turned out harmless).
    pub fn forget(&mut self, rule: RuleId) {
        self.points[rule.index()] = 0.0;
    }

    pub fn clear(&mut self) {
        self.points = [0.0; RuleId::COUNT];
    }
}
