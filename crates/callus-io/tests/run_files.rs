//! The files of a run (crates/callus-io/src/run_files.rs) on the small osteotomy of
//! validation/small_run.toml (coarse axisymmetric Quad9 mesh, 6 days, fields every 2 days): every
//! file is there, holds what the run returned, and carries its units; nothing half-written is left.
//! That VTK and h5py read them is checked by scripts/check_vtk_readers.py and
//! scripts/check_hdf5_readers.py, which the test command runs.

use std::path::Path;

use callus_io::results_h5::read_table;
use callus_io::table::{unit_of, Values};
use callus_io::{run, RunOptions};
use callus_sim::{Outcome, Scenario};

const SMALL: &str = include_str!("../../../validation/small_run.toml");

fn simulate(dir: &Path, fields: bool) -> Outcome {
    let s = Scenario::from_toml(SMALL, "small.toml").unwrap();
    let options = RunOptions {
        out_dir: dir.to_path_buf(),
        threads: 1,
        fields,
        resume: false,
    };
    run(&s, "small.toml", &options, &mut |_| {}, &mut |_| {}).unwrap()
}

fn header(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect()
}

/// The columns of history.csv, in order: what users' scripts read.
const HISTORY_COLUMNS: &str = "day,phase,gap_mm,callus_stiffness_n_per_mm,stiffness_pct_intact,torsional_stiffness_nmm_per_rad,fixator_load_fraction,granulation_fraction,fibrous_fraction,cartilage_fraction,immature_bone_fraction,mature_bone_fraction,marrow_fraction,peak_force_n,residual_force_n,step_strain,load_strain,mean_cell_concentration,vascularised_fraction,avascular_width_on_axis_mm,avascular_width_mean_mm,bridged,elements,max_plane_element_height_mm,min_element_quality";

/// Goal: every output of a run, with the values the run returned: the histories (CSV, and HDF5 at
/// full precision), the summary, the fields of every output day (VTU listed in fields.pvd, and
/// HDF5 groups listed in results.xdmf), the plots; and no temporary file left.
#[test]
fn a_run_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = simulate(dir.path(), true);
    assert_eq!(
        header(&dir.path().join("history.csv")).join(","),
        HISTORY_COLUMNS
    );
    assert_eq!(
        header(&dir.path().join("forces.csv")).join(","),
        "time_s,day,step,force_n"
    );
    let history = std::fs::read_to_string(dir.path().join("history.csv")).unwrap();
    assert_eq!(history.lines().count(), 1 + outcome.history.len());
    let forces = std::fs::read_to_string(dir.path().join("forces.csv")).unwrap();
    assert_eq!(forces.lines().count(), 1 + outcome.forces.len());

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    for key in [
        "bridging_day",
        "healing_index_days_per_cm",
        "final_stiffness_n_per_mm",
        "final_fractions",
        "run_time_s",
        "version",
        "scenario",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(
        summary["final_stiffness_n_per_mm"].as_f64().unwrap(),
        outcome.summary.final_stiffness_n_per_mm
    );
    assert_eq!(
        summary["final_fractions"]["marrow"].as_f64().unwrap(),
        outcome.summary.final_fractions.marrow
    );

    let pvd = std::fs::read_to_string(dir.path().join("fields.pvd")).unwrap();
    for d in [0, 2, 4, 5] {
        let name = format!("fields/day_{d:03}.vtu");
        assert!(pvd.contains(&name), "{pvd}");
        let vtu = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        for field in [
            "fibrous_fraction",
            "marrow_fraction",
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
        (
            "vascularised_fraction.svg",
            "volume fraction of the regenerate",
        ),
    ] {
        let svg = std::fs::read_to_string(dir.path().join("plots").join(plot)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(label), "{plot}");
    }
    let h5 = hdf5::File::open(dir.path().join("results.h5")).unwrap();
    let table = read_table(&h5.group("history").unwrap()).unwrap();
    let names: Vec<&str> = table.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.join(","), HISTORY_COLUMNS);
    assert_eq!(table[0].values, Values::Integer((0..6).collect()));
    let Values::Real(stiffness) = &table[3].values else {
        panic!("{:?}", table[3])
    };
    let returned: Vec<f64> = outcome
        .history
        .iter()
        .map(|r| r.callus_stiffness_n_per_mm)
        .collect();
    assert_eq!(*stiffness, returned, "results.h5 holds full precision");
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

/// Goal: every numeric column of the run's tables and every field of its HDF5 file has a unit
/// (`units` attribute, and the suffix of its name); only text has none.
#[test]
fn every_numeric_column_and_field_has_a_unit() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), true);
    let h5 = hdf5::File::open(dir.path().join("results.h5")).unwrap();
    let mut names: Vec<String> = Vec::new();
    for group in ["history", "forces"] {
        names.extend(
            read_table(&h5.group(group).unwrap())
                .unwrap()
                .into_iter()
                .map(|c| c.name),
        );
    }
    let day = h5.group("fields/day_000").unwrap();
    names.extend(
        day.member_names()
            .unwrap()
            .into_iter()
            .filter(|n| n.ends_with("_mm")),
    );
    for group in ["cell", "point"] {
        names.extend(day.group(group).unwrap().member_names().unwrap());
    }
    for name in &names {
        assert_eq!(
            unit_of(name).is_none(),
            name == "phase",
            "{name}: {:?}",
            unit_of(name)
        );
    }
    assert!(names.len() > 30, "{names:?}");
    assert_eq!(unit_of("callus_stiffness_n_per_mm"), Some("N/mm"));
    assert_eq!(unit_of("rate_mm_per_day"), Some("mm/day"));
    assert_eq!(unit_of("bridging_day"), Some("day"));
    assert_eq!(unit_of("max_peak_force_n"), Some("N"));
    assert_eq!(unit_of("load_strain"), Some("mm/mm"));
}

/// Goal: without fields a run writes its tables, summary and plots but no field file.
#[test]
fn no_fields_no_field_files() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), false);
    assert!(dir.path().join("summary.json").is_file());
    assert!(!dir.path().join("fields.pvd").exists());
    assert!(!dir.path().join("results.xdmf").exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("fields"))
            .unwrap()
            .count(),
        0
    );
}
