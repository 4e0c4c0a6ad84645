use std::time::Duration;

use res_secast::util::histogram::Histogram;

#[test]
fn quantiles_are_within_an_eighth_of_the_truth() {
    let h = Histogram::default();
    assert_eq!(h.quantile_ns(0.5), None);
    for ns in 1..=10_000u64 {
        h.record(Duration::from_nanos(ns));
    }
    assert_eq!(h.count(), 10_000);
    let p50 = h.quantile_ns(0.5).unwrap() as f64;
    let p99 = h.quantile_ns(0.99).unwrap() as f64;
    assert!((5000.0..=5000.0 * 1.125).contains(&p50), "p50 {p50}");
    assert!((9900.0..=9900.0 * 1.125).contains(&p99), "p99 {p99}");
}

#[test]
fn huge_durations_land_in_the_last_bucket() {
    let h = Histogram::default();
    h.record(Duration::from_secs(10 * 86_400));
    assert!(h.quantile_ns(1.0).unwrap() > 1 << 47);
}
