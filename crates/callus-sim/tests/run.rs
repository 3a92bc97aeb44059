//! The daily loop on a small osteotomy (coarse axisymmetric Quad9 mesh, 2 mm segments): what a run
//! must do, checked on its own outputs.
//!
//! Mesh: the built-in generator with 1 mm elements at a 1 mm gap, callus 4 × 2 mm, soft tissue 1 mm,
//! segments 3 mm. Protocol: 1 day latency, 1 mm/day in 2 steps (ramp 60 s), 2 mm, 3 days of
//! consolidation under a 50 N cyclic load through a 500 N/mm fixator. Boundary conditions as in the
//! default scenario (proximal end clamped, distal end distracted, soft tissue surface drained).

use std::path::Path;

use callus_sim::results_h5::read_table;
use callus_sim::run::{run, RunOptions, Summary};
use callus_sim::table::Values;
use callus_sim::Scenario;

/// The scenario, shared with scripts/check_vtk_readers.py.
const SMALL: &str = include_str!("../../../validation/small_run.toml");

/// The small scenario with the tables of `extra` merged over it, key by key.
fn scenario(extra: &str) -> Scenario {
    let mut base: toml::Table = toml::from_str(SMALL).unwrap();
    for (k, v) in toml::from_str::<toml::Table>(extra).unwrap() {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => b.extend(o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
    Scenario::from_toml(&toml::to_string(&base).unwrap(), "small.toml").unwrap()
}

fn simulate(s: &Scenario, dir: &Path) -> Summary {
    let options = RunOptions {
        out_dir: dir.to_path_buf(),
        threads: 1,
        fields: true,
    };
    run(s, "small.toml", &options, &mut |_| {}).unwrap()
}

fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    lines
        .map(|l| l.split(',').nth(i).unwrap().to_string())
        .collect()
}

fn numbers(csv: &str, name: &str) -> Vec<f64> {
    column(csv, name)
        .iter()
        .map(|v| v.parse().unwrap())
        .collect()
}

/// Goal: a whole small run: the tissue differentiates, the stiffness rises in consolidation, the
/// force relaxes after every step, the gap grows by the lengthening, and every output is there.
#[test]
fn small_distraction_run_differentiates_stiffens_and_relaxes() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario("");
    let summary = simulate(&s, dir.path());
    let history = std::fs::read_to_string(dir.path().join("history.csv")).unwrap();
    let days = column(&history, "day");
    assert_eq!(days.len(), 1 + 2 + 3, "one row per day");
    for name in [
        "phase",
        "gap_mm",
        "callus_stiffness_n_per_mm",
        "stiffness_pct_intact",
        "granulation_fraction",
        "fibrous_fraction",
        "cartilage_fraction",
        "immature_bone_fraction",
        "mature_bone_fraction",
        "peak_force_n",
        "residual_force_n",
    ] {
        column(&history, name);
    }
    let granulation = numbers(&history, "granulation_fraction");
    assert_eq!(
        granulation[0], 1.0,
        "latency without load leaves granulation tissue"
    );
    assert!(granulation[5] < 0.7, "differentiation: {granulation:?}");
    let stiffness = numbers(&history, "callus_stiffness_n_per_mm");
    assert!(
        stiffness[5] > stiffness[3],
        "stiffening in consolidation: {stiffness:?}"
    );
    let gap = numbers(&history, "gap_mm");
    assert!(
        (gap[0] - 1.0).abs() < 1e-9 && (gap[5] - 3.0).abs() < 0.02,
        "{gap:?}"
    );

    let forces = std::fs::read_to_string(dir.path().join("forces.csv")).unwrap();
    let (step, force) = (column(&forces, "step"), numbers(&forces, "force_n"));
    let day = column(&forces, "day");
    let mut keys: Vec<(String, String)> = day.iter().cloned().zip(step.iter().cloned()).collect();
    keys.dedup();
    assert_eq!(keys.len(), 4, "two days of two steps");
    for key in keys {
        let f: Vec<f64> = (0..force.len())
            .filter(|&i| (day[i].clone(), step[i].clone()) == key)
            .map(|i| force[i])
            .collect();
        let peak = f.iter().copied().fold(f64::MIN, f64::max);
        let last = *f.last().unwrap();
        assert!(
            peak > 0.0 && last < 0.5 * peak,
            "{key:?}: peak {peak}, before the next step {last}"
        );
    }

    let summary_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    for key in [
        "bridging_day",
        "healing_index_days_per_cm",
        "final_stiffness_n_per_mm",
        "run_time_s",
        "version",
        "scenario",
    ] {
        assert!(summary_json.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(
        summary_json["final_stiffness_n_per_mm"].as_f64().unwrap(),
        summary.final_stiffness_n_per_mm
    );
    let pvd = std::fs::read_to_string(dir.path().join("fields.pvd")).unwrap();
    for d in [0, 2, 4, 5] {
        let name = format!("fields/day_{d:03}.vtu");
        assert!(pvd.contains(&name), "{pvd}");
        let vtu = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        for field in [
            "fibrous_fraction",
            "phenotype",
            "stimulus",
            "youngs_modulus_mpa",
            "permeability_mm4_per_ns",
            "displacement_mm",
            "pore_pressure_mpa",
            "cell_concentration",
        ] {
            assert!(
                vtu.contains(&format!("Name=\"{field}\"")),
                "{name} lacks {field}"
            );
        }
    }
    for (plot, label) in [
        ("stiffness.svg", "callus stiffness (N/mm)"),
        ("tissue_fractions.svg", "mature bone"),
        ("force.svg", "force on the moving segment (N)"),
    ] {
        let svg = std::fs::read_to_string(dir.path().join("plots").join(plot)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(label), "{plot}");
    }
    // results.h5: the history as history.csv has it, one field group per .vtu; results.xdmf
    // lists the same days (scripts/check_hdf5_readers.py reads both with h5py and VTK).
    let h5 = hdf5::File::open(dir.path().join("results.h5")).unwrap();
    let table = read_table(&h5.group("history").unwrap()).unwrap();
    assert_eq!(table[0].values, Values::Integer((0..6).collect()));
    let stiffness = table
        .iter()
        .find(|c| c.name == "callus_stiffness_n_per_mm")
        .unwrap();
    let Values::Real(stiffness) = &stiffness.values else {
        panic!("{stiffness:?}")
    };
    assert_eq!(
        *stiffness.last().unwrap(),
        summary.final_stiffness_n_per_mm,
        "results.h5 holds full precision"
    );
    let xdmf = std::fs::read_to_string(dir.path().join("results.xdmf")).unwrap();
    for d in [0, 2, 4, 5] {
        let group = h5.group(&format!("fields/day_{d:03}")).unwrap();
        let points = group.dataset("points_mm").unwrap();
        assert_eq!(points.shape()[1], 3);
        assert!(xdmf.contains(&format!("<Time Value=\"{d}\"/>")), "{xdmf}");
    }
    assert_eq!(h5.group("fields").unwrap().member_names().unwrap().len(), 4);

    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp") || n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Goal: gap growth inside the loop: with a 0.8 mm height limit the plane rows are split as the gap
/// opens, the mesh grows, the gap still lengthens by exactly the distraction, and the run ends.
#[test]
fn gap_grows_by_layers_inside_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario("[numerics]\nmax_element_height_mm = 0.8\n");
    let summary = simulate(&s, dir.path());
    assert!(summary.layers_inserted >= 1, "{}", summary.layers_inserted);
    let history = std::fs::read_to_string(dir.path().join("history.csv")).unwrap();
    let elements = numbers(&history, "elements");
    assert!(elements.last() > elements.first(), "{elements:?}");
    assert!(
        (summary.final_gap_mm - 3.0).abs() < 0.02,
        "{}",
        summary.final_gap_mm
    );
}

/// Goal: the options change what they say. Pre-traction carries stress, so the force left before
/// the next step grows from step to step; the relaxed state is a weaker stimulus than the step peak.
#[test]
fn pretraction_accumulates_force_and_relaxed_stimulus_differs() {
    let (plain, carried) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = simulate(&scenario(""), plain.path());
    simulate(
        &scenario("[numerics]\npretraction = true\npretraction_relaxation_days = 100.0\n"),
        carried.path(),
    );
    let residual = |dir: &Path| -> Vec<f64> {
        let history = std::fs::read_to_string(dir.join("history.csv")).unwrap();
        column(&history, "residual_force_n")
            .iter()
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let (ra, rb) = (residual(plain.path()), residual(carried.path()));
    assert_eq!(ra.len(), 2);
    assert!(rb[1] > 1.5 * ra[1], "carried {rb:?} vs plain {ra:?}");
    let relaxed = tempfile::tempdir().unwrap();
    let c = simulate(
        &scenario("[numerics]\nstimulus = \"relaxed\"\n"),
        relaxed.path(),
    );
    assert_ne!(
        (a.final_fractions.fibrous, a.final_fractions.cartilage),
        (c.final_fractions.fibrous, c.final_fractions.cartilage),
        "the relaxed state reads differently from the peak"
    );
}

/// Goal: a scenario that does not fit its mesh is refused before any work, naming the key.
#[test]
fn names_missing_sets_and_regions_before_running() {
    let dir = tempfile::tempdir().unwrap();
    for (extra, key) in [
        (
            "[boundary]\nmoving_set = \"distal_tip\"\n",
            "boundary.moving_set",
        ),
        (
            "[tissues]\nregenerate_regions = [\"gap\"]\n",
            "periosteal_callus",
        ),
        (
            "[tissues]\nregenerate_regions = [\"gap\", \"callus\"]\n",
            "callus",
        ),
        (
            "[numerics]\nrezone_regions = [\"gap\", \"bone_marrow\"]\n",
            "numerics.rezone_regions",
        ),
    ] {
        let s = scenario(extra);
        let options = RunOptions {
            out_dir: dir.path().join("x"),
            threads: 1,
            fields: false,
        };
        let e = run(&s, "small.toml", &options, &mut |_| {})
            .map(|_| ())
            .expect_err("refused")
            .to_string();
        assert!(e.contains(key) && e.contains("small.toml"), "{e}");
    }
}
