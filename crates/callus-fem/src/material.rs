//! Material constants per element, in mm–N–MPa–s units.

/// Drained, isotropic linear elasticity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elastic {
    /// Young's modulus E (MPa).
    pub youngs_modulus_mpa: f64,
    /// Poisson's ratio ν (< 0.5).
    pub poisson_ratio: f64,
}

impl Elastic {
    /// Lamé's first parameter λ = Eν / ((1 + ν)(1 − 2ν)) (MPa).
    pub fn lambda(&self) -> f64 {
        let (e, nu) = (self.youngs_modulus_mpa, self.poisson_ratio);
        e * nu / ((1.0 + nu) * (1.0 - 2.0 * nu))
    }

    /// Shear modulus G = μ = E / (2(1 + ν)) (MPa).
    pub fn shear_modulus(&self) -> f64 {
        self.youngs_modulus_mpa / (2.0 * (1.0 + self.poisson_ratio))
    }

    /// Drained bulk modulus K = E / (3(1 − 2ν)) (MPa).
    pub fn bulk_modulus(&self) -> f64 {
        self.youngs_modulus_mpa / (3.0 * (1.0 - 2.0 * self.poisson_ratio))
    }

    /// Confined (oedometric) modulus H_A = E(1 − ν) / ((1 + ν)(1 − 2ν)) = λ + 2μ (MPa).
    pub fn confined_modulus(&self) -> f64 {
        self.lambda() + 2.0 * self.shear_modulus()
    }

    /// From Lamé's constants λ and μ (MPa).
    pub fn from_lame(lambda: f64, mu: f64) -> Elastic {
        Elastic {
            youngs_modulus_mpa: mu * (3.0 * lambda + 2.0 * mu) / (lambda + mu),
            poisson_ratio: lambda / (2.0 * (lambda + mu)),
        }
    }
}

/// Biot poroelasticity (MODEL.md §1): the drained skeleton, the Biot coefficient α, the Biot modulus
/// M (as 1/M, so that incompressible constituents are 1/M = 0) and the mobility k = κ/μ_f.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Biot {
    /// Drained skeleton.
    pub skeleton: Elastic,
    /// Biot coefficient α = 1 − K_d/K_s.
    pub alpha: f64,
    /// Storage 1/M = n/K_f + (α − n)/K_s (1/MPa).
    pub inv_biot_modulus_per_mpa: f64,
    /// Mobility k (permeability over fluid viscosity), mm⁴/(N·s): 1 m⁴/(N·s) = 1e12 mm⁴/(N·s).
    pub mobility_mm4_per_ns: f64,
}

impl Biot {
    /// From the constituents (MODEL.md §1): skeleton E, ν; grain and fluid bulk moduli K_s, K_f
    /// (MPa); porosity n; mobility k (mm⁴/(N·s)). α = max(0, 1 − K_d/K_s), 1/M = n/K_f + (α − n)/K_s.
    ///
    /// A negative 1 − K_d/K_s (a skeleton stiffer than its grains, K_d > K_s) is not admissible
    /// and gives α = 0 (no coupling, 1/M = n/K_f − n/K_s); this is the one law the verification
    /// problems and the simulation's tissues share.
    pub fn from_constituents(
        skeleton: Elastic,
        solid_bulk_mpa: f64,
        fluid_bulk_mpa: f64,
        porosity: f64,
        mobility_mm4_per_ns: f64,
    ) -> Biot {
        let alpha = (1.0 - skeleton.bulk_modulus() / solid_bulk_mpa).max(0.0);
        Biot {
            skeleton,
            alpha,
            inv_biot_modulus_per_mpa: porosity / fluid_bulk_mpa
                + (alpha - porosity) / solid_bulk_mpa,
            mobility_mm4_per_ns,
        }
    }

    /// Incompressible constituents: α = 1, 1/M = 0.
    pub fn incompressible(skeleton: Elastic, mobility_mm4_per_ns: f64) -> Biot {
        Biot {
            skeleton,
            alpha: 1.0,
            inv_biot_modulus_per_mpa: 0.0,
            mobility_mm4_per_ns,
        }
    }

    /// Undrained bulk modulus K_u = K + α²M (MPa); infinite for incompressible constituents.
    pub fn undrained_bulk_modulus(&self) -> f64 {
        self.skeleton.bulk_modulus() + self.alpha * self.alpha / self.inv_biot_modulus_per_mpa
    }
}

/// Scalar diffusion ∂c/∂t = D ∇²c (per element: capacity and diffusivity).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diffusion {
    /// Capacity multiplying ∂c/∂t (1 for the plain equation).
    pub capacity: f64,
    /// Diffusivity D (mm² per time unit of the caller: mm²/day for cells).
    pub diffusivity: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moduli_of_the_terzaghi_set_of_model_md() {
        // MODEL.md §8: λ = 2, G = 3 (K = 4), K_f = 8, n = 0.1, α = 0.6 → 1/M = 0.0625.
        let s = Elastic::from_lame(2.0, 3.0);
        assert!((s.bulk_modulus() - 4.0).abs() < 1e-12);
        assert!((s.shear_modulus() - 3.0).abs() < 1e-12);
        // α = 0.6 = 1 − K/K_s → K_s = 10; 1/M = n/K_f + (α − n)/K_s = 0.0125 + 0.05.
        let b = Biot::from_constituents(s, 10.0, 8.0, 0.1, 1.5);
        assert!((b.alpha - 0.6).abs() < 1e-12);
        assert!((b.inv_biot_modulus_per_mpa - 0.0625).abs() < 1e-12);
        assert!((b.undrained_bulk_modulus() - (4.0 + 0.36 * 16.0)).abs() < 1e-12);
    }

    /// A skeleton stiffer than its grains (K = 4 > K_s = 2: 1 − K/K_s = −1) is not admissible: α = 0
    /// and 1/M = n/K_f − n/K_s = 0.1/8 − 0.1/2 = −0.0375 (the cortical-bone row of MODEL.md §2 is such
    /// a case).
    #[test]
    fn a_skeleton_stiffer_than_its_grains_has_no_coupling() {
        let s = Elastic::from_lame(2.0, 3.0);
        let b = Biot::from_constituents(s, 2.0, 8.0, 0.1, 1.5);
        assert_eq!(b.alpha, 0.0);
        assert!((b.inv_biot_modulus_per_mpa - (0.0125 - 0.05)).abs() < 1e-15);
    }
}
