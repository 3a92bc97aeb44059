//! Vascularity, the biological rate limiter (MODEL.md §4b): a nodal field φ ∈ [0, 1] on the whole
//! mesh that spreads into the gap as a Fisher–KPP front, slowed where the tissue is strained and
//! torn by large step strains,
//!
//! ∂φ/∂t = ∇·(D_φ ∇φ) + k_φ · g · φ(1 − φ) − k_d · h        (φ clipped to [0, 1]),
//!
//! and gates ossification: where the rule votes bone, a weight w = smoothstep(φ; 0.6, 0.8) of the
//! vote goes to bone and 1 − w to cartilage (Checa & Prendergast 2009, Ann Biomed Eng 37:129;
//! the Ulm rules, Simon et al. 2011, Comput Methods Biomech Biomed Engin 14:79), and where it
//! votes resorption, 1 − w goes to fibrous tissue (osteoclasts are blood-borne).
//!
//! The gates (Ulm rules, as in the public re-implementation
//! GeorgeTMorgan/Ulm-Fracture-Healing-Algorithm-Recreation, `doFuzzySK.py`), with ε_d the
//! distortional and ε_h the dilatational strain of an element's strain increment
//! ([`crate::stimulus::MechanicalState::distortional_strain`]):
//! - growth g = (1 for ε_d ≤ 5 %, linearly to 0 at 9 %) × (1 for ε_h ≥ −4 %, linearly to 0 at
//!   −6 %), read on the relaxed states of the day's steps and the load cycle's peak;
//! - damage h = max(0 below ε_d = 14 % rising linearly to 1 at 18 %, 0 below |ε_h| = 4 % rising to
//!   1 at 6 %), read on the step peaks; k_d = 0.073 /day (the Ulm rule base's centroid rate).
//!
//! Front speed c = 2√(D_φ k_φ): default 0.4 mm/day with k_φ = 0.3 /day (MODEL.md §4b gives why:
//! the rate classes need 0.25 < c < 0.5 mm/day; sprout tips grow 0.36–0.48 mm/day, Dazzi et al.
//! 2023). Each day is advanced in sub-steps, semi-implicitly: the reaction is linearised as
//! k_φ g (1 − φⁿ) φⁿ⁺¹, so a sub-step is one linear diffusion–reaction solve,
//! (M + Δt (K − R(φⁿ))) φⁿ⁺¹ = M φⁿ − Δt k_d ∫ h N, on the cells' machinery (callus-fem's
//! diffusion element and backward-Euler driver), with the reaction per element at the element's
//! volume mean of φⁿ. The sub-steps of a day share one factorization of M + Δt K: the reaction
//! goes to the right-hand side and is iterated to a fixed point, 1e-12 in φ, which is the
//! semi-implicit sub-step's solution (a factorization per sub-step where Δt·k_φ > 0.25, with the
//! iterative solver, or where the iteration does not converge).

use serde::{Deserialize, Serialize};

use callus_fem::bc::Constraints;
use callus_fem::dofs::Fields;
use callus_fem::integrate::{BackwardEuler, LinearSolver, Operators, SolveStats};
use callus_fem::material::Diffusion;
use callus_fem::pattern::{mul_vec, Matrix};
use callus_fem::problem::{Discretisation, ElementMasses};
use callus_fem::Idealisation;
use callus_mesh::Mesh;

use crate::fractions::Fractions;
use crate::rules::Phenotype;
use crate::BioError;

/// A linear ramp between two strains: 0 below `from`, 1 above `to` (used falling for the growth
/// gate, rising for damage).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ramp {
    /// Where it starts (strain).
    pub from: f64,
    /// Where it is complete (strain).
    pub to: f64,
}

impl Ramp {
    /// 0 at or below `from`, 1 at or above `to`, linear between.
    pub fn rising(&self, x: f64) -> f64 {
        ((x - self.from) / (self.to - self.from)).clamp(0.0, 1.0)
    }
}

/// The parameters of MODEL.md §4b (scenario table `[vascularity]`), each with its source there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VascularityParams {
    /// Off: no φ, no gate, no damage (the model without vascularity exactly).
    pub enabled: bool,
    /// Front speed c = 2√(D_φ k_φ) (mm/day; 0.4, window 0.15–0.5).
    pub front_speed_mm_per_day: f64,
    /// Growth rate k_φ (1/day; 0.3). D_φ = c²/(4 k_φ).
    pub growth_rate_per_day: f64,
    /// Growth gate on ε_d: 1 up to `from`, 0 from `to` (5 %, 9 %).
    pub growth_distortional: Ramp,
    /// Growth gate on compression −ε_h: 1 up to `from`, 0 from `to` (4 %, 6 %).
    pub growth_compression: Ramp,
    /// Damage on ε_d of the step peaks (14 %, 18 %).
    pub damage_distortional: Ramp,
    /// Damage on |ε_h| of the step peaks (4 %, 6 %).
    pub damage_dilatational: Ramp,
    /// Damage rate k_d (1/day; 0.073), an absolute loss.
    pub damage_rate_per_day: f64,
    /// φ over which a bone vote phases in (smoothstep from 0.6 to 0.8).
    pub bone_window: Ramp,
    /// Sub-steps per day (at least 10).
    pub substeps_per_day: usize,
    /// Regions whose nodes are held at φ = 1 (the cortex).
    pub vascular_regions: Vec<String>,
    /// Regions whose nodes are held at `soft_tissue_value` (the surrounding soft tissue).
    pub soft_tissue_regions: Vec<String>,
    /// φ held on the soft-tissue nodes (0.3).
    pub soft_tissue_value: f64,
    /// Regions whose nodes are held at 0 for `marrow_delay_days` after the osteotomy, then at
    /// `soft_tissue_value` (the marrow).
    pub marrow_regions: Vec<String>,
    /// Days the marrow stays avascular after the osteotomy (10).
    pub marrow_delay_days: u32,
    /// φ of the nodes of an inserted growth-plane layer (0: the interzone is avascular).
    pub new_layer_value: f64,
}

impl Default for VascularityParams {
    fn default() -> Self {
        VascularityParams {
            enabled: true,
            front_speed_mm_per_day: 0.4,
            growth_rate_per_day: 0.3,
            growth_distortional: Ramp {
                from: 0.05,
                to: 0.09,
            },
            growth_compression: Ramp {
                from: 0.04,
                to: 0.06,
            },
            damage_distortional: Ramp {
                from: 0.14,
                to: 0.18,
            },
            damage_dilatational: Ramp {
                from: 0.04,
                to: 0.06,
            },
            damage_rate_per_day: 0.073,
            bone_window: Ramp { from: 0.6, to: 0.8 },
            substeps_per_day: 10,
            vascular_regions: vec!["cortex".into()],
            soft_tissue_regions: vec!["soft_tissue".into()],
            soft_tissue_value: 0.3,
            marrow_regions: vec!["marrow".into()],
            marrow_delay_days: 10,
            new_layer_value: 0.0,
        }
    }
}

impl VascularityParams {
    /// D_φ = c²/(4 k_φ) (mm²/day).
    pub fn diffusivity_mm2_per_day(&self) -> f64 {
        self.front_speed_mm_per_day.powi(2) / (4.0 * self.growth_rate_per_day)
    }

    /// The growth gate g for a state of distortional strain `eps_d` and dilatational strain
    /// `eps_h` (tension positive).
    pub fn growth_gate(&self, eps_d: f64, eps_h: f64) -> f64 {
        (1.0 - self.growth_distortional.rising(eps_d))
            * (1.0 - self.growth_compression.rising(-eps_h))
    }

    /// The damage h of a step peak of distortional strain `eps_d` and dilatational strain `eps_h`.
    pub fn damage(&self, eps_d: f64, eps_h: f64) -> f64 {
        self.damage_distortional
            .rising(eps_d)
            .max(self.damage_dilatational.rising(eps_h.abs()))
    }

    /// The share w of a bone vote that goes to bone at vascularity `phi`: smoothstep over
    /// `bone_window`, 3t² − 2t³.
    pub fn bone_weight(&self, phi: f64) -> f64 {
        let t = self.bone_window.rising(phi);
        t * t * (3.0 - 2.0 * t)
    }

    /// A day's vote as fractions of phenotypes: the rule's `phenotype` gated by the element's
    /// vascularity `phi` (bone → w bone, 1 − w cartilage; resorption → w resorption, 1 − w
    /// fibrous; others as voted).
    pub fn split_vote(&self, phenotype: Phenotype, phi: f64) -> Fractions {
        let mut vote = Fractions::default();
        let w = self.bone_weight(phi);
        let low = match phenotype {
            Phenotype::ImmatureBone | Phenotype::MatureBone => Some(Phenotype::Cartilage),
            Phenotype::Resorption => Some(Phenotype::Fibrous),
            Phenotype::Fibrous | Phenotype::Cartilage => None,
        };
        match low {
            Some(low) => {
                *vote.of_mut(phenotype) += w;
                *vote.of_mut(low) += 1.0 - w;
            }
            None => *vote.of_mut(phenotype) = 1.0,
        }
        vote
    }

    /// Checks every parameter (errors name it).
    pub fn validate(&self) -> Result<(), BioError> {
        let bad = |name: &'static str, value: f64, why: &str| BioError::Parameter {
            name,
            value,
            why: why.to_string(),
        };
        for (name, v) in [
            ("front_speed_mm_per_day", self.front_speed_mm_per_day),
            ("growth_rate_per_day", self.growth_rate_per_day),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(name, v, "must be positive"));
            }
        }
        if !(self.damage_rate_per_day.is_finite() && self.damage_rate_per_day >= 0.0) {
            return Err(bad(
                "damage_rate_per_day",
                self.damage_rate_per_day,
                "must be 0 or more",
            ));
        }
        for (name, r) in [
            ("growth_distortional", self.growth_distortional),
            ("growth_compression", self.growth_compression),
            ("damage_distortional", self.damage_distortional),
            ("damage_dilatational", self.damage_dilatational),
            ("bone_window", self.bone_window),
        ] {
            if !(r.from.is_finite() && r.to.is_finite() && r.from >= 0.0 && r.to > r.from) {
                return Err(bad(
                    name,
                    r.to,
                    &format!("`to` must exceed `from` = {} ≥ 0", r.from),
                ));
            }
        }
        for (name, v) in [
            ("soft_tissue_value", self.soft_tissue_value),
            ("new_layer_value", self.new_layer_value),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(bad(name, v, "must be within [0, 1]"));
            }
        }
        if self.substeps_per_day < 10 {
            return Err(bad(
                "substeps_per_day",
                self.substeps_per_day as f64,
                "must be at least 10 (MODEL.md §4b)",
            ));
        }
        Ok(())
    }
}

/// The vascularity problem on the connectivity of a mesh: the dofs, the pattern, the held nodes.
pub struct Vascularity {
    disc: Discretisation,
    /// M (a0), K (a1), M (c) on the current configuration.
    operators: Operators,
    /// The growth reaction R of the current sub-step.
    reaction: Matrix,
    /// (node, value at and after the marrow delay, value before it).
    held: Vec<(usize, f64, f64)>,
    params: VascularityParams,
    iterative: bool,
}

impl Vascularity {
    /// Sets up the problem on `mesh`; names of missing regions and bad parameters are errors.
    pub fn new(
        mesh: &Mesh,
        ideal: Idealisation,
        params: VascularityParams,
    ) -> Result<Vascularity, BioError> {
        params.validate()?;
        let disc = Discretisation::new(mesh, ideal, Fields::Scalar, 1)?;
        let names = |v: &[String]| -> Result<Vec<_>, BioError> {
            Ok(mesh.require_regions(&v.iter().map(String::as_str).collect::<Vec<_>>())?)
        };
        let groups = [
            (names(&params.vascular_regions)?, 1.0, 1.0),
            (
                names(&params.soft_tissue_regions)?,
                params.soft_tissue_value,
                params.soft_tissue_value,
            ),
            (
                names(&params.marrow_regions)?,
                params.soft_tissue_value,
                0.0,
            ),
        ];
        // A node shared by two held regions takes the larger value.
        let mut value: Vec<Option<(f64, f64)>> = vec![None; mesh.num_nodes()];
        for (regions, after, before) in &groups {
            for e in mesh.elements().filter(|e| regions.contains(&e.region)) {
                for &n in e.nodes {
                    let v = value[n].get_or_insert((*after, *before));
                    *v = (v.0.max(*after), v.1.max(*before));
                }
            }
        }
        let held = value
            .iter()
            .enumerate()
            .filter_map(|(n, v)| v.map(|(a, b)| (disc.dofs.scalar(n), a, b)))
            .collect();
        let pattern = &disc.assembler.pattern;
        Ok(Vascularity {
            operators: Operators::zeros(pattern),
            reaction: disc.zeros(),
            disc,
            held,
            params,
            iterative: false,
        })
    }

    /// Solves iteratively (MINRES with multigrid) when `iterative`, else directly (the default).
    pub fn with_iterative_solver(mut self, iterative: bool) -> Self {
        self.iterative = iterative;
        self
    }

    /// The parameters.
    pub fn params(&self) -> &VascularityParams {
        &self.params
    }

    /// The field at the osteotomy: the held values of day 0, 0 elsewhere.
    pub fn initial(&self) -> Vec<f64> {
        let mut phi = vec![0.0; self.disc.dofs.len()];
        for (d, v) in self.constraints(0).iter() {
            phi[d] = v;
        }
        phi
    }

    /// The held nodes and their values on `day` (days since the osteotomy).
    fn constraints(&self, day: u32) -> Constraints {
        let mut c = Constraints::new();
        let open = day >= self.params.marrow_delay_days;
        for &(d, after, before) in &self.held {
            c.set(d, if open { after } else { before });
        }
        c
    }

    /// Sets the held nodes of `phi` to their values on `day` (after a layer insertion has
    /// interpolated them).
    pub fn hold(&self, phi: &mut [f64], day: u32) {
        for (d, v) in self.constraints(day).iter() {
            phi[d] = v;
        }
    }

    /// The volume mean of φ over each element of `mesh` (an element's φ, MODEL.md §4b).
    pub fn element_means(&self, mesh: &Mesh, phi: &[f64]) -> Result<Vec<f64>, BioError> {
        Ok(self.disc.element_means(mesh, phi)?)
    }

    /// Advances `phi` (one value per node) over `days` from day `day` on `mesh`'s node positions,
    /// with the growth gate `gate[e]` and the damage `damage[e]` of each element; returns what the
    /// solves cost.
    pub fn advance(
        &mut self,
        mesh: &Mesh,
        phi: &mut Vec<f64>,
        day: u32,
        days: f64,
        gate: &[f64],
        damage: &[f64],
    ) -> Result<SolveStats, BioError> {
        let n = mesh.num_elements();
        if phi.len() != self.disc.dofs.len() || gate.len() != n || damage.len() != n {
            return Err(BioError::Invalid(format!(
                "vascularity: {} values for {} nodes, {} gates and {} damages for {n} elements",
                phi.len(),
                self.disc.dofs.len(),
                gate.len(),
                damage.len()
            )));
        }
        let valid = |e: usize| (0.0..=1.0).contains(&gate[e]) && (0.0..).contains(&damage[e]);
        if let Some(e) = (0..n).find(|&e| !valid(e)) {
            return Err(BioError::Invalid(format!(
                "vascularity: element {e} has growth gate {} and damage {}; \
                 the gate must be within [0, 1] and the damage 0 or more",
                gate[e], damage[e]
            )));
        }
        let p = &self.params;
        let transport = vec![
            Diffusion {
                capacity: 1.0,
                diffusivity: p.diffusivity_mm2_per_day(),
            };
            n
        ];
        let ops = &mut self.operators;
        self.disc
            .assemble_diffusion(mesh, &transport, &mut ops.a0, &mut ops.a1)?;
        ops.c.data_mut().copy_from_slice(ops.a0.data());
        let masses = self.disc.element_masses(mesh)?;
        // The damage load −Δt k_d ∫ h N: the row sums of each element's k_d h M_e.
        let dt = 1.0 / p.substeps_per_day as f64;
        let mut load = vec![0.0; phi.len()];
        for el in mesh.elements() {
            let (m, nn) = (masses.of(el.id), el.nodes.len());
            let scale = -dt * p.damage_rate_per_day * damage[el.id];
            for a in 0..nn {
                load[el.nodes[a]] += scale * m[a * nn..(a + 1) * nn].iter().sum::<f64>();
            }
        }
        let constraints = self.constraints(day);
        let steps = (days * p.substeps_per_day as f64).round() as usize;
        let solver = LinearSolver::for_scalar(self.iterative, self.disc.dofs.len());
        let mut growth = Growth {
            disc: &self.disc,
            mesh,
            masses: &masses,
            gate,
            rate_per_day: p.growth_rate_per_day,
            coefficients: vec![0.0; n],
        };
        let mut stats = SolveStats::default();
        // The fixed point keeps one factorization of M + Δt K (A₁ = K) for every sub-step.
        let mut kept = match SubStep::choose(dt * p.growth_rate_per_day, self.iterative) {
            SubStep::FixedPoint => Some((
                BackwardEuler::new(&self.disc, &self.operators, constraints.clone())
                    .with_solver(solver.clone()),
                FixedPoint::new(phi.len()),
            )),
            SubStep::Refactorize => None,
        };
        // A₁ = K − R for a sub-step factorized on its own (made when first needed).
        let mut own: Option<Operators> = None;
        for _ in 0..steps {
            growth.assemble(phi, &mut self.reaction)?;
            let solved = match &mut kept {
                Some((stepper, fixed_point)) => {
                    fixed_point.sub_step(stepper, &self.reaction, dt, &load, phi)?
                }
                None => false,
            };
            if !solved {
                let ops = own.get_or_insert_with(|| self.operators.clone());
                for ((a1, k), r) in ops
                    .a1
                    .data_mut()
                    .iter_mut()
                    .zip(self.operators.a1.data())
                    .zip(self.reaction.data())
                {
                    *a1 = k - r;
                }
                let mut stepper = BackwardEuler::new(&self.disc, ops, constraints.clone())
                    .with_solver(solver.clone());
                stepper.step(dt, phi, Some(&load))?;
                stats += stepper.stats;
            }
            phi.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
        }
        if let Some((stepper, _)) = kept {
            stats += stepper.stats;
        }
        Ok(stats)
    }
}

/// Largest Δt·k_φ for which a sub-step is solved by the fixed point of [`FixedPoint`]: its error
/// shrinks by about this factor per iteration or faster, so 1e-12 takes about 20 iterations at
/// most (Δt·k_φ = 0.03 by default: 7–8 on the default mesh).
const FIXED_POINT_FROM_CONTRACTION: f64 = 0.25;

/// A fixed-point iteration stops when no node's φ changed by more than this.
const FIXED_POINT_TOLERANCE: f64 = 1e-12;

/// More iterations than a contraction of [`FIXED_POINT_FROM_CONTRACTION`] can need; past them the
/// sub-step is factorized instead.
const FIXED_POINT_MAX_ITERATIONS: usize = 50;

/// How a sub-step's system (M + Δt (K − R(φⁿ))) φⁿ⁺¹ = M φⁿ + load is solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SubStep {
    /// By the fixed point of [`FixedPoint`], on one factorization of M + Δt K per call.
    FixedPoint,
    /// By a factorization of the sub-step's matrix (when the reaction is too strong for the fixed
    /// point to contract quickly).
    Refactorize,
}

impl SubStep {
    /// The method for a reaction of Δt·k_φ = `contraction` (the bound on the fixed point's
    /// factor: Δt R ≤ Δt k_φ M ≤ Δt k_φ (M + Δt K), since g ≤ 1 and 1 − φ ≤ 1). The fixed point
    /// needs exact solves (its iterates are compared to 1e-12), so an `iterative` solver
    /// (MINRES to 1e-8) takes a new preconditioner per sub-step instead.
    fn choose(contraction: f64, iterative: bool) -> SubStep {
        if contraction <= FIXED_POINT_FROM_CONTRACTION && !iterative {
            SubStep::FixedPoint
        } else {
            SubStep::Refactorize
        }
    }
}

/// The growth reaction R(φ) = Σ_e k_φ g_e (1 − φ̄_e) M_e of a call (one configuration).
struct Growth<'a> {
    disc: &'a Discretisation,
    mesh: &'a Mesh,
    masses: &'a ElementMasses,
    gate: &'a [f64],
    rate_per_day: f64,
    coefficients: Vec<f64>,
}

impl Growth<'_> {
    /// R(φ) into `reaction`.
    fn assemble(&mut self, phi: &[f64], reaction: &mut Matrix) -> Result<(), BioError> {
        let mean = self.masses.means(self.mesh, phi)?;
        for ((r, &g), m) in self.coefficients.iter_mut().zip(self.gate).zip(&mean) {
            *r = self.rate_per_day * g * (1.0 - m.clamp(0.0, 1.0));
        }
        self.disc
            .assemble_scaled(self.mesh, self.masses, &self.coefficients, reaction)?;
        Ok(())
    }
}

/// The semi-implicit sub-step solved on the factorization of M + Δt K: the iteration
/// (M + Δt K) φ⁽ᵏ⁺¹⁾ = M φⁿ + load + Δt R φ⁽ᵏ⁾ from φ⁽⁰⁾ = φⁿ converges to the sub-step's
/// φⁿ⁺¹, by a factor Δt k_φ or better per iteration ([`SubStep::choose`]).
struct FixedPoint {
    rhs: Vec<f64>,
    iterate: Vec<f64>,
    previous: Vec<f64>,
}

impl FixedPoint {
    fn new(n: usize) -> FixedPoint {
        FixedPoint {
            rhs: vec![0.0; n],
            iterate: vec![0.0; n],
            previous: vec![0.0; n],
        }
    }

    /// φ (φⁿ on entry) becomes φⁿ⁺¹ of the `reaction` R(φⁿ); `stepper` is backward Euler on
    /// M, K, M. Returns false, φ untouched, when the iteration has not converged in
    /// [`FIXED_POINT_MAX_ITERATIONS`] (round-off above the tolerance on an ill-conditioned mesh):
    /// the caller then factorizes the sub-step.
    fn sub_step(
        &mut self,
        stepper: &mut BackwardEuler<'_>,
        reaction: &Matrix,
        dt: f64,
        load: &[f64],
        phi: &mut [f64],
    ) -> Result<bool, BioError> {
        self.iterate.copy_from_slice(phi);
        for _ in 0..FIXED_POINT_MAX_ITERATIONS {
            mul_vec(reaction, &self.iterate, &mut self.rhs);
            for (r, l) in self.rhs.iter_mut().zip(load) {
                *r = dt * *r + l;
            }
            std::mem::swap(&mut self.previous, &mut self.iterate);
            self.iterate.copy_from_slice(phi);
            stepper.step(dt, &mut self.iterate, Some(&self.rhs))?;
            let change = self
                .iterate
                .iter()
                .zip(&self.previous)
                .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
            if change <= FIXED_POINT_TOLERANCE {
                phi.copy_from_slice(&self.iterate);
                return Ok(true);
            }
        }
        Ok(false)
    }
}
