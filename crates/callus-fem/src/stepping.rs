//! Adaptive time steps for backward Euler ([`crate::integrate::BackwardEuler`]).
//!
//! The local error of the step from t_n to t_{n+1} is estimated from the last two increments,
//! without an extra solve: the second divided difference, i.e. the distance between the step and
//! the linear extrapolation of the one before (the predictor–corrector estimate of variable-step
//! BDF codes, here for BDF1):
//!
//! ```text
//! τ_{n+1} ≈ Δt_{n+1}²/2 · ẍ  ≈  Δt_{n+1} / (Δt_n + Δt_{n+1}) · (Δx_{n+1} − Δt_{n+1}/Δt_n · Δx_n)
//! ```
//!
//! measured on the dofs with a time derivative (the pore pressure of Biot u–p, the scalar of a
//! diffusion) in the max norm, relative to the largest magnitude they reached in the transient:
//! r = max_i |τ_i| / (tol · max |x|). Δt is the first step times a power of four, so that few
//! distinct Δt, each a numeric factorization, serve a transient: it grows fourfold once the error
//! of the grown step, 16 r, would stay under 0.8 tol, and a step with r > 1 is rejected and redone
//! with Δt a quarter as long (never below the first step, the finest resolution asked for). Within
//! four steps of a mark (an output, the end of a ramp, the end of the transient) Δt stops growing
//! and equal steps land on it; where the forcing changes its rate (a kink: the end of a ramp) the
//! estimate restarts and Δt starts again from the first step.

use crate::dofs::DofKind;

/// Parameters of [`AdaptiveSchedule`]. Times in s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdaptiveParams {
    /// First Δt (s), and the base of the powers of four Δt is chosen from.
    pub first_s: f64,
    /// Largest Δt (s).
    pub max_s: f64,
    /// Local error per step allowed, relative to the largest magnitude of the measured dofs.
    pub tolerance: f64,
}

impl AdaptiveParams {
    /// The factor between successive Δt.
    pub const GROWTH: f64 = 4.0;
    /// Δt grows when the error of the grown step (LTE ∝ Δt²) is predicted under this share of the
    /// tolerance.
    pub const SAFETY: f64 = 0.8;
    /// Within this many steps of a mark, Δt is stretched or shrunk to land on it in equal steps,
    /// and no longer grows.
    pub const LANDING: f64 = 4.0;
}

/// Whether the step just taken stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The step stands; the next Δt is chosen.
    Accepted,
    /// The error estimate exceeded the tolerance: restore x and take a shorter step.
    Rejected,
}

/// The adaptive time levels of one transient (module docs).
#[derive(Clone, Debug)]
pub struct AdaptiveSchedule {
    params: AdaptiveParams,
    /// Times to land on, increasing, each with whether the forcing changes its rate there (a
    /// kink); the last is the end of the transient.
    marks: Vec<(f64, bool)>,
    /// Dofs whose error is estimated.
    measured: Vec<usize>,
    t: f64,
    level: i32,
    /// Δt of the step being taken (set by [`AdaptiveSchedule::next_dt`]).
    pending: Option<f64>,
    /// x on the measured dofs at t.
    at_t: Vec<f64>,
    /// Δt of the last accepted step since a kink (none right after one).
    last_dt: Option<f64>,
    /// Its increment on the measured dofs.
    last_increment: Vec<f64>,
    /// The increment of the step being judged (a buffer).
    increment: Vec<f64>,
    /// Largest |x| on the measured dofs so far.
    scale: f64,
    /// Steps accepted.
    pub accepted: usize,
    /// Steps rejected (and redone).
    pub rejected: usize,
}

impl AdaptiveSchedule {
    /// The schedule of a transient from `t0` (state `x0`, of the system's size, with dof kinds
    /// `kinds`) to `t1`, landing on every time of `kinks` (where the forcing changes its rate: the
    /// estimate restarts and Δt starts again from the first step) and of `outputs` (where the
    /// solution is smooth: only landed on). The pore-pressure and scalar dofs are measured.
    pub fn new(
        params: AdaptiveParams,
        (t0, t1): (f64, f64),
        kinks: &[f64],
        outputs: &[f64],
        kinds: &[DofKind],
        x0: &[f64],
    ) -> AdaptiveSchedule {
        let inside = |m: f64| m > t0 && m < t1;
        let mut marks: Vec<(f64, bool)> = kinks
            .iter()
            .filter(|&&m| inside(m))
            .map(|&m| (m, true))
            .chain(outputs.iter().filter(|&&m| inside(m)).map(|&m| (m, false)))
            .collect();
        marks.push((t1, true));
        marks.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        marks.dedup_by(|later, first| later.0 == first.0);
        let measured: Vec<usize> = kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| matches!(k, DofKind::Pressure | DofKind::Scalar))
            .map(|(i, _)| i)
            .collect();
        let at_t: Vec<f64> = measured.iter().map(|&i| x0[i]).collect();
        let scale = at_t.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        AdaptiveSchedule {
            params,
            marks,
            measured,
            t: t0,
            level: 0,
            pending: None,
            last_increment: vec![0.0; at_t.len()],
            increment: vec![0.0; at_t.len()],
            at_t,
            last_dt: None,
            scale,
            accepted: 0,
            rejected: 0,
        }
    }

    /// The time reached by the accepted steps (s).
    pub fn time(&self) -> f64 {
        self.t
    }

    /// Δt of the level, capped at the largest step.
    fn level_dt(&self) -> f64 {
        (self.params.first_s * AdaptiveParams::GROWTH.powi(self.level)).min(self.params.max_s)
    }

    /// The Δt of the next step, cut to land on the next mark; `None` once the last mark is reached.
    pub fn next_dt(&mut self) -> Option<f64> {
        let (mark, _) = *self.marks.first()?;
        let remaining = mark - self.t;
        let dt = self.level_dt();
        // Within LANDING steps of the mark, equal steps land on it (one factorization for them
        // all, instead of a last sliver of its own); a millionth of a step more is not a step.
        let steps = (remaining / dt * (1.0 - 1e-6)).ceil().max(1.0);
        let dt = if steps <= AdaptiveParams::LANDING {
            remaining / steps
        } else {
            dt
        };
        self.pending = Some(dt);
        Some(dt)
    }

    /// Judges the step of the last [`AdaptiveSchedule::next_dt`], whose result is `x`. On
    /// [`Verdict::Rejected`] the caller restores x to its value before the step.
    pub fn judge(&mut self, x: &[f64]) -> Verdict {
        let dt = self
            .pending
            .take()
            .expect("judge follows next_dt: a step was taken");
        for ((inc, &i), &before) in self
            .increment
            .iter_mut()
            .zip(&self.measured)
            .zip(&self.at_t)
        {
            *inc = x[i] - before;
        }
        let scale = self
            .measured
            .iter()
            .fold(self.scale, |m, &i| m.max(x[i].abs()));
        // None: no increment since the start or the last kink to compare with.
        let ratio = self.last_dt.map(|dt_last| {
            if scale == 0.0 {
                return 0.0;
            }
            let estimate = self
                .increment
                .iter()
                .zip(&self.last_increment)
                .map(|(now, before)| (now - dt / dt_last * before).abs())
                .fold(0.0_f64, f64::max)
                * dt
                / (dt_last + dt);
            estimate / (self.params.tolerance * scale)
        });
        if ratio.is_some_and(|r| r > 1.0) && self.level > 0 {
            self.level -= 1;
            self.rejected += 1;
            return Verdict::Rejected;
        }
        self.accepted += 1;
        self.t += dt;
        self.scale = scale;
        for (a, &i) in self.at_t.iter_mut().zip(&self.measured) {
            *a = x[i];
        }
        let (mark, kink) = self.marks[0];
        let landed = (self.t - mark).abs() <= 1e-12 * mark.abs().max(1.0);
        if landed {
            self.t = mark;
            self.marks.remove(0);
        }
        if landed && kink {
            self.last_dt = None;
            self.level = 0;
        } else {
            self.last_dt = Some(dt);
            std::mem::swap(&mut self.last_increment, &mut self.increment);
            let g = AdaptiveParams::GROWTH;
            let capped = self.level_dt() >= self.params.max_s;
            let landing = self
                .marks
                .first()
                .is_none_or(|m| m.0 - self.t <= AdaptiveParams::LANDING * self.level_dt());
            if ratio.is_some_and(|r| r * g * g <= AdaptiveParams::SAFETY) && !capped && !landing {
                self.level += 1;
            }
        }
        Verdict::Accepted
    }
}

/// The time levels of a transient, listed in advance (such as
/// [`crate::problem::doubling_schedule`]) or adaptive: one loop drives either.
#[derive(Clone, Debug)]
pub enum TimeLevels {
    /// Times listed in advance, the first being the start; every step is accepted.
    Listed {
        /// The times (s).
        times: Vec<f64>,
        /// Index of the time reached.
        at: usize,
    },
    /// Adaptive steps.
    Adaptive(AdaptiveSchedule),
}

impl TimeLevels {
    /// The listed `times` (the first is the start).
    pub fn listed(times: Vec<f64>) -> TimeLevels {
        TimeLevels::Listed { times, at: 0 }
    }

    /// The time reached (s).
    pub fn time(&self) -> f64 {
        match self {
            TimeLevels::Listed { times, at } => times[*at],
            TimeLevels::Adaptive(a) => a.time(),
        }
    }

    /// The Δt of the next step, `None` at the end.
    pub fn next_dt(&mut self) -> Option<f64> {
        match self {
            TimeLevels::Listed { times, at } => times.get(*at + 1).map(|t| t - times[*at]),
            TimeLevels::Adaptive(a) => a.next_dt(),
        }
    }

    /// Judges the step just taken (its result `x`); listed steps are always accepted.
    pub fn judge(&mut self, x: &[f64]) -> Verdict {
        match self {
            TimeLevels::Listed { at, .. } => {
                *at += 1;
                Verdict::Accepted
            }
            TimeLevels::Adaptive(a) => a.judge(x),
        }
    }

    /// Steps rejected and redone.
    pub fn rejected(&self) -> usize {
        match self {
            TimeLevels::Listed { .. } => 0,
            TimeLevels::Adaptive(a) => a.rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [DofKind; 2] = [DofKind::Displacement(0), DofKind::Pressure];

    fn params(tolerance: f64) -> AdaptiveParams {
        AdaptiveParams {
            first_s: 1.0,
            max_s: 1000.0,
            tolerance,
        }
    }

    /// Runs `schedule` on the exact solution `p(t)` (the displacement dof is 0), as backward Euler
    /// would if it were exact: returns the accepted (t, Δt) and the rejections.
    fn drive(schedule: &mut AdaptiveSchedule, p: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        let mut steps = Vec::new();
        while let Some(dt) = schedule.next_dt() {
            let t1 = schedule.time() + dt;
            if schedule.judge(&[0.0, p(t1)]) == Verdict::Accepted {
                steps.push((schedule.time(), dt));
            }
        }
        steps
    }

    /// Goal: on a solution linear in time (no second derivative, so no error) Δt stays at the
    /// first step for the step without an estimate, then grows fourfold each step (1, 1, 4, 16,
    /// 64), stops growing within four steps of the mark and lands on it in equal steps; after the
    /// mark it starts again from the first step; nothing is rejected.
    #[test]
    fn linear_solution_grows_fourfold_and_lands_on_each_mark_in_equal_steps() {
        let mut s = AdaptiveSchedule::new(
            params(0.01),
            (0.0, 310.0),
            &[300.0],
            &[],
            &KINDS,
            &[0.0, 1.0],
        );
        let steps = drive(&mut s, |t| 1.0 + 0.5 * t);
        let dts: Vec<f64> = steps.iter().map(|s| s.1).collect();
        // 1 + 1 + 4 + 16 + 64 = 86; 214 s left are within 4 steps of 64: four equal steps of 53.5.
        assert_eq!(
            dts,
            [1.0, 1.0, 4.0, 16.0, 64.0, 53.5, 53.5, 53.5, 53.5, 1.0, 1.0, 4.0, 4.0]
        );
        assert_eq!(steps[8].0, 300.0, "lands on the mark exactly");
        assert_eq!(s.time(), 310.0);
        assert_eq!((s.accepted, s.rejected), (13, 0));
        assert_eq!(s.next_dt(), None);
        // An output is landed on (at t = 2, Δt = 4 and 14 s left: four equal steps of 3.5) but
        // the solution is smooth there: Δt goes on growing (16, 64) instead of starting again.
        let mut s = AdaptiveSchedule::new(
            params(0.01),
            (0.0, 1000.0),
            &[],
            &[16.0],
            &KINDS,
            &[0.0, 1.0],
        );
        let dts: Vec<f64> = drive(&mut s, |t| 1.0 + 0.5 * t)
            .iter()
            .map(|s| s.1)
            .collect();
        assert_eq!(
            dts[..8],
            [1.0, 1.0, 3.5, 3.5, 3.5, 3.5, 16.0, 64.0],
            "{dts:?}"
        );
    }

    /// Goal: the estimate is the second divided difference. For p = t² after steps of 1 and 1
    /// the increments are 1 and 3, so the error of the second step is ½·|3 − 1| = 1 (backward
    /// Euler's Δt²/2·ẍ), and with the scale max |p| = 4, r = 1/(4 tol): with tol = 0.3, r = 0.83,
    /// accepted and Δt kept (16 r > 0.8); with tol = 0.2, r = 1.25, accepted all the same (Δt is
    /// at the first step, the floor). With tol = 1 the error stays 1 while the scale grows as t²:
    /// r = 1/t², and Δt grows fourfold once 16/t² ≤ 0.8, after the step to t = 5.
    #[test]
    fn quadratic_solution_gives_the_second_difference_as_the_error() {
        let mut s = AdaptiveSchedule::new(params(0.3), (0.0, 3.0), &[], &[], &KINDS, &[0.0, 0.0]);
        assert_eq!(
            drive(&mut s, |t| t * t),
            [(1.0, 1.0), (2.0, 1.0), (3.0, 1.0)]
        );
        let mut s = AdaptiveSchedule::new(params(0.2), (0.0, 3.0), &[], &[], &KINDS, &[0.0, 0.0]);
        assert_eq!(drive(&mut s, |t| t * t).len(), 3);
        assert_eq!(s.rejected, 0);
        let mut s = AdaptiveSchedule::new(params(1.0), (0.0, 100.0), &[], &[], &KINDS, &[0.0, 0.0]);
        let dts: Vec<f64> = drive(&mut s, |t| t * t).iter().map(|s| s.1).collect();
        assert_eq!(dts[..6], [1.0, 1.0, 1.0, 1.0, 1.0, 4.0], "{dts:?}");
    }

    /// Goal: a step whose estimated error exceeds the tolerance is rejected, the time does not
    /// advance, and it is redone a level lower (a quarter of Δt); p jumps from linear to steep
    /// at t = 6, after Δt has grown to 4.
    #[test]
    fn a_step_over_the_tolerance_is_rejected_and_redone_four_times_shorter() {
        let mut s =
            AdaptiveSchedule::new(params(0.01), (0.0, 1000.0), &[], &[], &KINDS, &[0.0, 1.0]);
        let p = |t: f64| {
            if t <= 6.0 {
                1.0 + 1e-3 * t
            } else {
                1.0 + 1e-3 * t + (t - 6.0)
            }
        };
        let mut trace = Vec::new();
        while let Some(dt) = s.next_dt() {
            let t0 = s.time();
            let verdict = s.judge(&[0.0, p(t0 + dt)]);
            trace.push((t0, dt, verdict));
            if t0 >= 6.0 {
                break;
            }
        }
        assert_eq!(
            trace,
            [
                (0.0, 1.0, Verdict::Accepted),
                (1.0, 1.0, Verdict::Accepted),
                (2.0, 4.0, Verdict::Accepted),
                (6.0, 16.0, Verdict::Rejected),
            ]
        );
        assert_eq!(s.time(), 6.0);
        assert_eq!(s.next_dt(), Some(4.0));
    }

    /// Goal: Δt never exceeds `max_s`; marks at or before the start, at or after the end, and
    /// repeated marks add no step.
    #[test]
    fn steps_are_capped_and_marks_outside_are_ignored() {
        let mut p = params(0.01);
        p.max_s = 10.0;
        let mut s = AdaptiveSchedule::new(
            p,
            (5.0, 105.0),
            &[0.0, 5.0, 105.0, 105.0],
            &[5.0, 200.0],
            &KINDS,
            &[0.0, 1.0],
        );
        let steps = drive(&mut s, |t| t);
        assert!(steps.iter().all(|s| s.1 <= 10.0), "{steps:?}");
        assert_eq!(steps.last().unwrap().0, 105.0);
        assert!(
            steps.iter().filter(|s| s.1 == 10.0).count() >= 6,
            "{steps:?}"
        );
    }

    /// Goal: listed levels give their differences and accept every step.
    #[test]
    fn listed_levels_step_through_their_times() {
        let mut levels = TimeLevels::listed(vec![0.0, 1.0, 3.0]);
        let mut seen = Vec::new();
        while let Some(dt) = levels.next_dt() {
            seen.push((levels.time(), dt));
            assert_eq!(levels.judge(&[]), Verdict::Accepted);
        }
        assert_eq!(seen, [(0.0, 1.0), (1.0, 2.0)]);
        assert_eq!((levels.time(), levels.rejected()), (3.0, 0));
    }
}
