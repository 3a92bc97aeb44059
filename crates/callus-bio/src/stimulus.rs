//! The mechanical state the rules read at one point, as plain data (so rules can be tested and
//! compared without the solver), with the derived measures they use.

use serde::{Deserialize, Serialize};

use callus_fem::post::{max_shear_strain, octahedral_shear_strain, principal, PointState};

/// What the mechano-regulation rules need at one point. Tension positive; pressure positive in
/// compression.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MechanicalState {
    /// Strain (or strain increment) tensor, tensor shears.
    pub strain: [[f64; 3]; 3],
    /// Fluid velocity relative to the solid (mm/s).
    pub fluid_velocity_mm_per_s: [f64; 3],
    /// Pore pressure (MPa).
    pub pore_pressure_mpa: f64,
    /// Hydrostatic total stress tr(σ)/3 (MPa, tension positive).
    pub hydrostatic_stress_mpa: f64,
}

impl MechanicalState {
    /// From a solver point state; `porosity` turns the Darcy flux into the seepage velocity q/n
    /// (MODEL.md §1: the velocity the Prendergast rule uses), or pass 1 to use the flux itself.
    pub fn from_point(p: &PointState, porosity: f64) -> MechanicalState {
        MechanicalState {
            strain: p.strain,
            fluid_velocity_mm_per_s: p.fluid_velocity_mm_per_s(porosity),
            pore_pressure_mpa: p.pressure_mpa,
            hydrostatic_stress_mpa: p.hydrostatic_stress_mpa(),
        }
    }

    /// Scales the strain by `factor` (the other measures stay).
    pub fn scale_strain(&mut self, factor: f64) {
        self.strain.iter_mut().flatten().for_each(|e| *e *= factor);
    }

    /// Principal strains, largest first.
    pub fn principal_strains(&self) -> [f64; 3] {
        principal(&self.strain)
    }

    /// Octahedral shear strain (2/3)√((ε1−ε2)² + (ε2−ε3)² + (ε3−ε1)²).
    pub fn octahedral_shear_strain(&self) -> f64 {
        octahedral_shear_strain(&self.principal_strains())
    }

    /// Distortional strain ε_d = √(½Σ(εi − εj)²) = (3/√8)·γ_oct ≈ 1.061 γ_oct (the measure of the Ulm
    /// vascularity rules, MODEL.md §4b).
    pub fn distortional_strain(&self) -> f64 {
        3.0 / 8f64.sqrt() * self.octahedral_shear_strain()
    }

    /// Dilatational (hydrostatic) strain ε_h = (ε1 + ε2 + ε3)/3, tension positive (MODEL.md §4b).
    pub fn dilatational_strain(&self) -> f64 {
        (self.strain[0][0] + self.strain[1][1] + self.strain[2][2]) / 3.0
    }

    /// Maximum shear strain ε1 − ε3.
    pub fn max_shear_strain(&self) -> f64 {
        max_shear_strain(&self.principal_strains())
    }

    /// Largest absolute principal strain.
    pub fn max_abs_principal_strain(&self) -> f64 {
        self.principal_strains()
            .iter()
            .fold(0.0f64, |m, e| m.max(e.abs()))
    }

    /// Speed of the fluid relative to the solid (mm/s).
    pub fn fluid_speed_mm_per_s(&self) -> f64 {
        self.fluid_velocity_mm_per_s
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
    }

    /// Hydrostatic pressure −tr(σ)/3 (MPa, compression positive).
    pub fn hydrostatic_pressure_mpa(&self) -> f64 {
        -self.hydrostatic_stress_mpa
    }
}

/// The envelope of the mechanical states of several instants or events (the time levels of a
/// distraction step, the steps of a day, a load cycle): each measure a rule may read at its largest
/// magnitude, taken separately: the strain of the instant with the largest octahedral shear, the
/// fluid velocity of the instant with the largest speed, and the pore pressure and hydrostatic stress
/// of largest magnitude (signs kept). A rule classifying the envelope sees the peak of every measure
/// it uses, whichever instant produced it (MODEL.md §5: "the peak of each step … combined as
/// configured, default the maximum").
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    state: Option<MechanicalState>,
    shear: f64,
}

impl Envelope {
    /// Takes `s` into the envelope.
    pub fn absorb(&mut self, s: &MechanicalState) {
        let shear = s.octahedral_shear_strain();
        let Some(e) = &mut self.state else {
            self.state = Some(*s);
            self.shear = shear;
            return;
        };
        if shear > self.shear {
            e.strain = s.strain;
            self.shear = shear;
        }
        if s.fluid_speed_mm_per_s() > e.fluid_speed_mm_per_s() {
            e.fluid_velocity_mm_per_s = s.fluid_velocity_mm_per_s;
        }
        if s.pore_pressure_mpa.abs() > e.pore_pressure_mpa.abs() {
            e.pore_pressure_mpa = s.pore_pressure_mpa;
        }
        if s.hydrostatic_stress_mpa.abs() > e.hydrostatic_stress_mpa.abs() {
            e.hydrostatic_stress_mpa = s.hydrostatic_stress_mpa;
        }
    }

    /// Scales the strain of the envelope by `factor` (the other measures stay): the increment of
    /// a part of the event, such as one minute of a day-long ramp.
    pub fn scale_strain(&mut self, factor: f64) {
        if let Some(s) = &mut self.state {
            s.scale_strain(factor);
            self.shear *= factor.abs();
        }
    }

    /// Takes another envelope into this one.
    pub fn merge(&mut self, other: &Envelope) {
        if let Some(s) = &other.state {
            self.absorb(s);
        }
    }

    /// The envelope, or `None` if nothing was absorbed (no mechanical event).
    pub fn state(&self) -> Option<&MechanicalState> {
        self.state.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(exx: f64, v: f64, p: f64, h: f64) -> MechanicalState {
        MechanicalState {
            strain: [[exx, 0.0, 0.0], [0.0, -exx, 0.0], [0.0, 0.0, 0.0]],
            fluid_velocity_mm_per_s: [0.0, v, 0.0],
            pore_pressure_mpa: p,
            hydrostatic_stress_mpa: h,
        }
    }

    /// ε_d and ε_h against hand values: for ε = diag(0.1, 0, 0), Σ(εi − εj)² = 0.02, so
    /// ε_d = √0.01 = 0.1 and ε_h = 0.1/3; a pure shear of tensor shear 0.05 has principal strains
    /// ±0.05 and 0, Σ = 0.01 + 0.0025 + 0.0025 = 0.015, so ε_d = √0.0075 = 0.05·√3, and ε_h = 0.
    #[test]
    fn distortional_and_dilatational_strain_by_hand() {
        let mut s = MechanicalState::default();
        s.strain[0][0] = 0.1;
        assert!((s.distortional_strain() - 0.1).abs() < 1e-12);
        assert!((s.dilatational_strain() - 0.1 / 3.0).abs() < 1e-15);
        let mut shear = MechanicalState::default();
        shear.strain[0][1] = 0.05;
        shear.strain[1][0] = 0.05;
        assert!((shear.distortional_strain() - 0.05 * 3f64.sqrt()).abs() < 1e-12);
        assert!(shear.dilatational_strain().abs() < 1e-15);
    }

    /// The peak strain, velocity and pressures may come from different instants (end of the ramp,
    /// start of the ramp, …); the envelope keeps each one's largest magnitude with its sign.
    #[test]
    fn envelope_keeps_each_measure_at_its_peak() {
        let mut e = Envelope::default();
        assert!(e.state().is_none());
        e.absorb(&state(0.01, 2e-3, 0.05, -0.02));
        e.absorb(&state(0.03, 1e-4, -0.08, 0.01));
        e.absorb(&state(0.02, -5e-3, 0.01, 0.0));
        let s = e.state().unwrap();
        assert_eq!(s.strain[0][0], 0.03);
        assert_eq!(s.fluid_velocity_mm_per_s[1], -5e-3);
        assert_eq!(s.pore_pressure_mpa, -0.08);
        assert_eq!(s.hydrostatic_stress_mpa, -0.02);
        let mut other = Envelope::default();
        other.absorb(&state(0.05, 0.0, 0.0, 0.0));
        e.merge(&other);
        assert_eq!(e.state().unwrap().strain[0][0], 0.05);
        assert_eq!(e.state().unwrap().pore_pressure_mpa, -0.08);
        // One minute of a day-long ramp: the strain scaled, the rest kept; a later, larger
        // strain still replaces it.
        e.scale_strain(1.0 / 1440.0);
        assert_eq!(e.state().unwrap().strain[0][0], 0.05 / 1440.0);
        assert_eq!(e.state().unwrap().pore_pressure_mpa, -0.08);
        e.absorb(&state(1e-3, 0.0, 0.0, 0.0));
        assert_eq!(e.state().unwrap().strain[0][0], 1e-3);
    }

    /// Goal: a solver point state becomes the rules' state: the strain as it is, the seepage
    /// velocity q/n (MODEL.md §1), the pore pressure and the hydrostatic total stress tr(σ)/3.
    ///
    /// Input: strain with a shear, Darcy flux (0.01, −0.02, 0) mm/s at porosity 0.8, p = 0.2 MPa,
    /// total stress diag(−0.3, −0.6, −0.9) MPa. Checked: v = (0.0125, −0.025, 0) mm/s, p = 0.2,
    /// tr(σ)/3 = −0.6 MPa, the strain unchanged.
    #[test]
    fn from_point_takes_strain_pressure_and_seepage_velocity() {
        let strain = [[0.01, 0.003, 0.0], [0.003, -0.02, 0.0], [0.0, 0.0, 0.005]];
        let point = PointState {
            x: [1.0, 2.0, 0.0],
            weight: 0.5,
            strain,
            pressure_mpa: 0.2,
            darcy_flux_mm_per_s: [0.01, -0.02, 0.0],
            effective_stress_mpa: [[0.0; 3]; 3],
            total_stress_mpa: [[-0.3, 0.0, 0.0], [0.0, -0.6, 0.0], [0.0, 0.0, -0.9]],
        };
        let s = MechanicalState::from_point(&point, 0.8);
        assert_eq!(s.strain, strain);
        assert!((s.fluid_velocity_mm_per_s[0] - 0.0125).abs() < 1e-15);
        assert!((s.fluid_velocity_mm_per_s[1] + 0.025).abs() < 1e-15);
        assert_eq!(s.fluid_velocity_mm_per_s[2], 0.0);
        assert_eq!(s.pore_pressure_mpa, 0.2);
        assert!((s.hydrostatic_stress_mpa + 0.6).abs() < 1e-15);
    }

    /// Goal: ε_h = (ε1 + ε2 + ε3)/3 sums all three normal strains (MODEL.md §4b).
    ///
    /// Input: ε = diag(0.01, 0.02, 0.04). Checked: ε_h = 0.07/3.
    #[test]
    fn dilatational_strain_sums_all_three_normal_strains() {
        let mut s = MechanicalState::default();
        s.strain[0][0] = 0.01;
        s.strain[1][1] = 0.02;
        s.strain[2][2] = 0.04;
        assert!((s.dilatational_strain() - 0.07 / 3.0).abs() < 1e-15);
    }

    /// Goal: a later instant of larger hydrostatic stress replaces the first one's, sign kept,
    /// while the measures it does not exceed stay.
    ///
    /// Input: (γ from ε = 0.02, v = 1e-3, p = 0.05, σ_h = 0.01), then (ε = 0.01, v = 0, p = 0,
    /// σ_h = −0.03). Checked: σ_h = −0.03; strain, velocity and pressure of the first.
    #[test]
    fn envelope_takes_a_later_larger_hydrostatic_stress() {
        let mut e = Envelope::default();
        e.absorb(&state(0.02, 1e-3, 0.05, 0.01));
        e.absorb(&state(0.01, 0.0, 0.0, -0.03));
        let s = e.state().unwrap();
        assert_eq!(s.hydrostatic_stress_mpa, -0.03);
        assert_eq!(s.strain[0][0], 0.02);
        assert_eq!(s.fluid_velocity_mm_per_s[1], 1e-3);
        assert_eq!(s.pore_pressure_mpa, 0.05);
    }

    /// Goal: on a tie the envelope keeps the instant absorbed first (a later one must be strictly
    /// larger), so equal peaks of opposite sign do not flip the envelope's signs.
    ///
    /// Input: (ε = 0.02, v = 1e-3, p = 0.05, σ_h = 0.04), then the same with every sign reversed:
    /// the same octahedral shear, speed and magnitudes. Checked: every measure of the first.
    #[test]
    fn envelope_ties_keep_the_earlier_instant() {
        let mut e = Envelope::default();
        let first = state(0.02, 1e-3, 0.05, 0.04);
        let reversed = state(-0.02, -1e-3, -0.05, -0.04);
        assert_eq!(
            first.octahedral_shear_strain(),
            reversed.octahedral_shear_strain()
        );
        e.absorb(&first);
        e.absorb(&reversed);
        assert_eq!(e.state(), Some(&first));
    }
}
