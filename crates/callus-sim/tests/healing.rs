//! The healed day of MODEL.md §6 (the fixator's share of an axial load below 10 %: the clinical
//! frame-removal criterion) against hand-computed stiffness histories.

use callus_sim::observe::{fixator_load_share, healed_day};

/// Goal: the first day the construct carries at least 90 % of a load shared with the fixator.
///
/// Fixator 1000 N/mm. Construct stiffness by day: 50, 400, 3000, 8999, 9000, 12000, 8000 N/mm, so
/// the fixator's shares are 0.952, 0.714, 0.25, 0.10001, 0.1 exactly, 0.077, 0.111: healed on day
/// 4 (at 9000 = 9 × 1000), whatever follows. A history that never reaches 9000 is not healed.
#[test]
fn healed_day_of_a_hand_computed_stiffness_history() {
    let k_f = 1000.0;
    let history = [50.0, 400.0, 3000.0, 8999.0, 9000.0, 12000.0, 8000.0];
    let shares: Vec<f64> = history
        .iter()
        .map(|&k| fixator_load_share(k, k_f))
        .collect();
    assert!((shares[2] - 0.25).abs() < 1e-15);
    assert!(shares[3] > 0.1 && (shares[4] - 0.1).abs() < 1e-15);
    let days = || history.iter().enumerate().map(|(d, &k)| (d as u32, k));
    assert_eq!(healed_day(days(), k_f), Some(4));
    assert_eq!(
        healed_day(days(), 2000.0),
        None,
        "18000 N/mm is never reached"
    );
    assert_eq!(healed_day(days().skip(5), k_f), Some(5));
}
