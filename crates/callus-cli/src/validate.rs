//! `callus validate`: runs the verification cases of `validation/` and prints, for each reference
//! value, the computed value, the error and whether it is within tolerance.
//!
//! Each case is a folder with a `case.toml` (parameters and reference values) and a README naming
//! the source of the reference. The cases in the repository are built into the binary; `--dir`
//! runs the cases of another folder.

use std::path::Path;

use serde::Deserialize;

use callus_fem::material::{Biot, Elastic};
use callus_fem::problem::doubling_schedule;
use callus_fem::stepping::TimeLevels;
use callus_fem::verification::{
    column_3d, column_axisymmetric, lame_exact, lame_solve, run_column, ColumnSample, TopLoad,
};
use callus_fem::Idealisation;
use callus_mesh::elevate::QuadraticQuad;

/// The cases of the repository's validation/ folder, built in.
const BUILT_IN: [(&str, &str); 5] = [
    (
        "terzaghi_axisymmetric",
        include_str!("../../../validation/terzaghi_axisymmetric/case.toml"),
    ),
    (
        "terzaghi_3d",
        include_str!("../../../validation/terzaghi_3d/case.toml"),
    ),
    (
        "drained_undrained_limits",
        include_str!("../../../validation/drained_undrained_limits/case.toml"),
    ),
    (
        "ramp_and_hold_granulation",
        include_str!("../../../validation/ramp_and_hold_granulation/case.toml"),
    ),
    (
        "lame_cylinder",
        include_str!("../../../validation/lame_cylinder/case.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reference {
    quantity: String,
    #[serde(default)]
    time_s: Option<f64>,
    value: f64,
    /// Relative tolerance.
    tolerance: f64,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Case {
    Terzaghi {
        idealisation: String,
        #[serde(flatten)]
        column: ColumnParams,
        #[serde(flatten)]
        material: PoroMaterial,
        load_mpa: f64,
        dt_first_s: f64,
        dt_max_s: f64,
        steps_per_level: usize,
        reference: Vec<Reference>,
    },
    Limits {
        idealisation: String,
        #[serde(flatten)]
        column: ColumnParams,
        #[serde(flatten)]
        material: PoroMaterial,
        load_mpa: f64,
        reference: Vec<Reference>,
    },
    RampAndHold {
        idealisation: String,
        #[serde(flatten)]
        column: ColumnParams,
        youngs_modulus_mpa: f64,
        poisson_ratio: f64,
        mobility_mm4_per_ns: f64,
        depth_mm: f64,
        ramp_s: f64,
        dt_s: f64,
        reference: Vec<Reference>,
    },
    Lame {
        inner_radius_mm: f64,
        outer_radius_mm: f64,
        pressure_mpa: f64,
        youngs_modulus_mpa: f64,
        poisson_ratio: f64,
        reference: Vec<Reference>,
    },
}

/// Constituents of a compressible Biot material (MODEL.md §1).
#[derive(Deserialize)]
struct PoroMaterial {
    lambda_mpa: f64,
    shear_modulus_mpa: f64,
    solid_bulk_mpa: f64,
    fluid_bulk_mpa: f64,
    porosity: f64,
    mobility_mm4_per_ns: f64,
}

impl PoroMaterial {
    fn biot(&self) -> Biot {
        Biot::from_constituents(
            Elastic::from_lame(self.lambda_mpa, self.shear_modulus_mpa),
            self.solid_bulk_mpa,
            self.fluid_bulk_mpa,
            self.porosity,
            self.mobility_mm4_per_ns,
        )
    }
}

#[derive(Deserialize)]
struct ColumnParams {
    height_mm: f64,
    width_mm: f64,
    elements: usize,
}

/// One line of the report.
pub struct Row {
    case: String,
    quantity: String,
    computed: f64,
    reference: f64,
    tolerance: f64,
}

impl Row {
    fn error(&self) -> f64 {
        (self.computed - self.reference).abs() / self.reference.abs()
    }
    fn pass(&self) -> bool {
        self.error() <= self.tolerance
    }
}

fn column_mesh(ideal: &str, c: &ColumnParams) -> Result<(callus_mesh::Mesh, Idealisation), String> {
    match ideal {
        "axisymmetric" => Ok((
            column_axisymmetric(c.height_mm, c.width_mm, c.elements).map_err(|e| e.to_string())?,
            Idealisation::Axisymmetric,
        )),
        "3d" => Ok((
            column_3d(c.height_mm, c.width_mm, c.elements).map_err(|e| e.to_string())?,
            Idealisation::ThreeD,
        )),
        other => Err(format!(
            "idealisation = \"{other}\": expected \"axisymmetric\" or \"3d\""
        )),
    }
}

fn lookup(
    refs: &[Reference],
    name: &str,
    computed: impl Fn(&Reference) -> Result<f64, String>,
) -> Result<Vec<Row>, String> {
    refs.iter()
        .map(|r| {
            let value = computed(r)?;
            Ok(Row {
                case: name.to_string(),
                quantity: r.quantity.clone()
                    + &r.time_s.map(|t| format!(" @ t={t} s")).unwrap_or_default(),
                computed: value,
                reference: r.value,
                tolerance: r.tolerance,
            })
        })
        .collect()
}

/// Runs one case, given its name and the text of its case.toml.
pub fn run_case(name: &str, text: &str) -> Result<Vec<Row>, String> {
    let case: Case = toml::from_str(text).map_err(|e| format!("{name}/case.toml: {e}"))?;
    let fem = |e: callus_fem::FemError| e.to_string();
    match case {
        Case::Terzaghi {
            idealisation,
            column,
            material,
            load_mpa,
            dt_first_s,
            dt_max_s,
            steps_per_level,
            reference,
        } => {
            let (mesh, ideal) = column_mesh(&idealisation, &column)?;
            let m = material.biot();
            let mut outputs: Vec<f64> = reference.iter().filter_map(|r| r.time_s).collect();
            outputs.sort_by(f64::total_cmp);
            outputs.dedup();
            let end = *outputs
                .last()
                .ok_or("a Terzaghi case needs reference times")?;
            let times =
                doubling_schedule(0.0, end, dt_first_s, steps_per_level, dt_max_s, &outputs);
            let samples = run_column(
                &mesh,
                ideal,
                m,
                TopLoad::Traction(load_mpa),
                true,
                TimeLevels::listed(times),
                &outputs,
            )
            .map_err(fem)?
            .samples;
            let h_a = m.skeleton.confined_modulus();
            let (w_inf, w_0) = (
                load_mpa * column.height_mm / h_a,
                load_mpa * column.height_mm
                    / (h_a + m.alpha * m.alpha / m.inv_biot_modulus_per_mpa),
            );
            let at = |t: Option<f64>| -> Result<&ColumnSample, String> {
                let t = t.ok_or("a Terzaghi reference needs time_s")?;
                samples
                    .iter()
                    .find(|s| (s.t - t).abs() < 1e-9 * t.max(1.0))
                    .ok_or_else(|| format!("no sample at t = {t}"))
            };
            lookup(&reference, name, |r| {
                let s = at(r.time_s)?;
                match r.quantity.as_str() {
                    "p_base_mpa" => Ok(s.p_base),
                    "p_mid_mpa" => Ok(s.p_mid),
                    "consolidation" => Ok((s.settlement - w_0) / (w_inf - w_0)),
                    q => Err(format!(
                        "{name}: unknown quantity '{q}' (p_base_mpa, p_mid_mpa, consolidation)"
                    )),
                }
            })
        }
        Case::Limits {
            idealisation,
            column,
            material,
            load_mpa,
            reference,
        } => {
            let (mesh, ideal) = column_mesh(&idealisation, &column)?;
            let m = material.biot();
            let sealed = run_column(
                &mesh,
                ideal,
                m,
                TopLoad::Traction(load_mpa),
                false,
                TimeLevels::listed(vec![0.0, 1.0]),
                &[1.0],
            )
            .map_err(fem)?
            .samples;
            let times = doubling_schedule(0.0, 1e4, 1e-3, 2, 500.0, &[]);
            let drained = run_column(
                &mesh,
                ideal,
                m,
                TopLoad::Traction(load_mpa),
                true,
                TimeLevels::listed(times),
                &[1e4],
            )
            .map_err(fem)?
            .samples;
            lookup(&reference, name, |r| match r.quantity.as_str() {
                "undrained_settlement_mm" => Ok(sealed[0].settlement),
                "undrained_pressure_mpa" => Ok(sealed[0].p_base),
                "drained_settlement_mm" => Ok(drained[0].settlement),
                q => Err(format!("{name}: unknown quantity '{q}'")),
            })
        }
        Case::RampAndHold {
            idealisation,
            column,
            youngs_modulus_mpa,
            poisson_ratio,
            mobility_mm4_per_ns,
            depth_mm,
            ramp_s,
            dt_s,
            reference,
        } => {
            let (mesh, ideal) = column_mesh(&idealisation, &column)?;
            let m = Biot::incompressible(
                Elastic {
                    youngs_modulus_mpa,
                    poisson_ratio,
                },
                mobility_mm4_per_ns,
            );
            let tau =
                column.height_mm.powi(2) / (m.skeleton.confined_modulus() * mobility_mm4_per_ns);
            let mut times = doubling_schedule(0.0, ramp_s, dt_s, usize::MAX, dt_s, &[]);
            times.extend(
                doubling_schedule(ramp_s, 40.0 * tau, dt_s, 10, 2000.0, &[])
                    .into_iter()
                    .skip(1),
            );
            let end = *times.last().unwrap();
            let s = run_column(
                &mesh,
                ideal,
                m,
                TopLoad::Ramp { depth_mm, ramp_s },
                true,
                TimeLevels::listed(times),
                &[ramp_s, end],
            )
            .map_err(fem)?
            .samples;
            let area = if ideal == Idealisation::ThreeD {
                column.width_mm.powi(2)
            } else {
                std::f64::consts::PI * column.width_mm.powi(2)
            };
            lookup(&reference, name, |r| match r.quantity.as_str() {
                "peak_stress_kpa" => Ok(s[0].base_force / area * 1e3),
                "equilibrium_stress_kpa" => Ok(s[1].base_force / area * 1e3),
                q => Err(format!("{name}: unknown quantity '{q}'")),
            })
        }
        Case::Lame {
            inner_radius_mm: a,
            outer_radius_mm: b,
            pressure_mpa: p,
            youngs_modulus_mpa,
            poisson_ratio,
            reference,
        } => {
            let m = Elastic {
                youngs_modulus_mpa,
                poisson_ratio,
            };
            let error = |n: usize, q: Option<QuadraticQuad>| -> Result<f64, String> {
                Ok(lame_solve(&m, a, b, p, n, q)
                    .map_err(fem)?
                    .iter()
                    .map(|&(r, u)| (u - lame_exact(&m, a, b, p, r)).abs())
                    .fold(0.0, f64::max))
            };
            let order = |ns: [usize; 2], q: Option<QuadraticQuad>| -> Result<f64, String> {
                Ok((error(ns[0], q)? / error(ns[1], q)?).log2())
            };
            let fine = lame_solve(&m, a, b, p, 8, Some(QuadraticQuad::Quad9)).map_err(fem)?;
            let u_at = |r0: f64| {
                fine.iter()
                    .find(|(r, _)| (r - r0).abs() < 1e-9)
                    .map(|&(_, u)| u)
                    .ok_or_else(|| format!("no node at r = {r0}"))
            };
            lookup(&reference, name, |r| match r.quantity.as_str() {
                "u_r_inner_mm" => u_at(a),
                "u_r_outer_mm" => u_at(b),
                "order_quad4" => order([8, 16], None),
                "order_quad9" => order([4, 8], Some(QuadraticQuad::Quad9)),
                q => Err(format!("{name}: unknown quantity '{q}'")),
            })
        }
    }
}

/// Runs the built-in cases (or those under `dir`), prints the table, and returns whether all pass.
pub fn validate(dir: Option<&Path>) -> Result<bool, String> {
    let cases: Vec<(String, String)> = match dir {
        None => BUILT_IN
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
        Some(d) => {
            let mut found = Vec::new();
            let entries = std::fs::read_dir(d).map_err(|e| format!("{}: {e}", d.display()))?;
            for entry in entries.flatten() {
                let file = entry.path().join("case.toml");
                if file.is_file() {
                    let text = std::fs::read_to_string(&file)
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                    found.push((entry.file_name().to_string_lossy().into_owned(), text));
                }
            }
            found.sort();
            if found.is_empty() {
                return Err(format!(
                    "{}: no case folders (each with a case.toml) found",
                    d.display()
                ));
            }
            found
        }
    };
    println!(
        "{:<27} {:<30} {:>14} {:>14} {:>10} {:>9}  pass",
        "case", "quantity", "computed", "reference", "error", "tolerance"
    );
    let mut all = true;
    for (name, text) in cases {
        let started = std::time::Instant::now();
        let rows = run_case(&name, &text)?;
        for row in &rows {
            all &= row.pass();
            println!(
                "{:<27} {:<30} {:>14.7} {:>14.7} {:>10.2e} {:>9.1e}  {}",
                row.case,
                row.quantity,
                row.computed,
                row.reference,
                row.error(),
                row.tolerance,
                if row.pass() { "yes" } else { "NO" }
            );
        }
        eprintln!("  ({name}: {:.2} s)", started.elapsed().as_secs_f64());
    }
    Ok(all)
}
