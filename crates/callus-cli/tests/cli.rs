//! The `callus mesh` and `callus presets` commands as a user runs them: output files, the info report, and one-paragraph
//! errors with a non-zero exit (never a panic or backtrace) on bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

fn callus(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callus"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
}

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn mesh_info_reports_counts_regions_sets_box_and_quality() {
    let out = callus(&["mesh", "info", &repo("meshes/ovine_axisymmetric.msh")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for needle in [
        "MSH 4.1 ASCII",
        "nodes",
        "Tri3",
        "marrow",
        "periosteal_callus",
        "growth_plane",
        "bounding box",
        "min quality",
    ] {
        assert!(s.contains(needle), "missing {needle} in\n{s}");
    }
    let out = callus(&["mesh", "info", &repo("meshes/ovine_3d.msh")]);
    assert!(out.status.success() && text(&out.stdout).contains("Tet4"));
}

#[test]
fn bad_mesh_gives_one_paragraph_and_exit_1() {
    for bad in [
        "inverted.msh",
        "truncated.msh",
        "unsupported_type.msh",
        "truncated_binary.msh",
        "does_not_exist.msh",
    ] {
        let out = callus(&[
            "mesh",
            "info",
            &repo(&format!("crates/callus-mesh/tests/fixtures/bad/{bad}")),
        ]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.contains(bad),
            "{bad}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{bad}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn generate_writes_vtu_in_2d_and_3d() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("a.vtu", vec![]),
        ("b.vtu", vec!["--dim", "3", "--segments", "8"]),
        (
            "c.vtu",
            vec![
                "--dim",
                "3",
                "--elements",
                "hex",
                "--order",
                "linear",
                "--segments",
                "8",
            ],
        ),
    ] {
        let path = dir.path().join(name);
        let mut all = vec!["mesh", "generate", "--out", path.to_str().unwrap()];
        all.extend(args);
        let out = callus(&all);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("<VTKFile type=\"UnstructuredGrid\""));
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 3, "no temporary files left: {left:?}");
}

#[test]
fn generate_refuses_bad_parameters_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.vtu");
    let out = callus(&[
        "mesh",
        "generate",
        "--gap-mm",
        "-1",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("gap_mm"),
        "{}",
        text(&out.stderr)
    );
    assert!(!path.exists());
    let out = callus(&[
        "mesh",
        "generate",
        "--dim",
        "3",
        "--elements",
        "hex",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "quadratic hexes are not available"
    );
    assert!(text(&out.stderr).contains("Tet10"));
}

#[test]
fn convert_elevates_a_gmsh_mesh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.vtu");
    let out = callus(&[
        "mesh",
        "convert",
        &repo("meshes/ovine_axisymmetric.msh"),
        "--order",
        "quadratic",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Tri6"));
}

#[test]
fn validate_fails_on_a_wrong_reference_and_names_a_bad_case_file() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("lame_wrong");
    std::fs::create_dir(&case).unwrap();
    std::fs::write(
        case.join("case.toml"),
        "kind = \"lame\"\ninner_radius_mm = 5.0\nouter_radius_mm = 10.0\npressure_mpa = 1.0\nyoungs_modulus_mpa = 200.0\npoisson_ratio = 0.3\n\
         reference = [ { quantity = \"u_r_inner_mm\", value = 0.05, tolerance = 1e-3 } ]\n",
    )
    .unwrap();
    let out = callus(&["validate", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("NO"), "{}", text(&out.stdout));

    std::fs::write(
        case.join("case.toml"),
        "kind = \"lame\"\ninner_radius_mm = 5.0\nunknown_key = 1\n",
    )
    .unwrap();
    let out = callus(&["validate", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("lame_wrong/case.toml") && err.contains("unknown_key"),
        "{err}"
    );
}

/// `callus sweep SCENARIO --out OUT --quiet BAD...` exits non-zero with `needle` in its one-paragraph
/// error, without a panic.
fn sweep_is_refused(scenario: &str, out: &str, bad: &[&str], needle: &str) {
    let mut args = vec!["sweep", scenario, "--out", out, "--quiet"];
    args.extend(bad);
    let r = callus(&args);
    assert!(!r.status.success(), "{bad:?}");
    let err = text(&r.stderr);
    assert!(err.contains(needle), "{needle}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Goal: `callus sweep` as a user runs it: the small scenario at 2 rates × 2 rhythms with a
/// `--set`, one row per case in sweep.csv, the table on stdout; a bad setting, rate or rhythm is
/// refused with exit 1 (or clap's 2), naming it, before any case runs.
#[test]
fn sweep_runs_the_cases_and_refuses_bad_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("sweep");
    let out = out_dir.to_string_lossy().into_owned();
    let small = repo("validation/small_run.toml");
    let args = [
        "sweep",
        &small,
        "--rates",
        "1,2",
        "--rhythms",
        "2,continuous",
        "--set",
        "protocol.consolidation_days=2",
        "--no-fields",
        "--threads",
        "2",
        "--out",
        &out,
    ];
    let run = callus(&args);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("4 cases"),
        "{}",
        text(&run.stdout)
    );
    let csv = std::fs::read_to_string(out_dir.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    let history =
        std::fs::read_to_string(out_dir.join("rate_2_rhythm_continuous/history.csv")).unwrap();
    assert_eq!(
        history.lines().count(),
        1 + 1 + 1 + 2,
        "latency, distraction, consolidation"
    );

    for (bad, needle) in [
        (vec!["--set", "protocol.nope=1"], "nope"),
        (vec!["--set", "protocol.latency_days"], "dotted.key=value"),
        (vec!["--rates", "-1"], "protocol.rate_mm_per_day"),
        (vec!["--rhythms", "fast"], "fast"),
    ] {
        sweep_is_refused(&small, &out, &bad, needle);
    }
}

/// Goal: a study as a user runs it on a cluster, without the cluster: `--vary` of a scenario key
/// over 2 values at 1 rate, run as shards 1/2 and 2/2 into one folder and assembled by `callus
/// sweep merge`, gives the sweep.csv of the same study run whole, with the varied key as a column
/// and in the folder names; `--slurm` writes a job array of 2 tasks running those shard commands
/// and a merge job; bad `--vary`, `--sample` and `--shard` values are refused naming them.
#[test]
fn a_varied_study_in_shards_merges_to_the_whole_and_writes_slurm_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let small = repo("validation/small_run.toml");
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (whole, sharded) = (path("whole"), path("sharded"));
    let study = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "sweep",
            &small,
            "--vary",
            "fixator.stiffness_n_per_mm=500,2000",
            "--set",
            "protocol.consolidation_days=1",
            "--no-fields",
            "--quiet",
            "--out",
            out,
        ];
        args.extend(extra);
        let r = callus(&args);
        assert!(r.status.success(), "{extra:?}: {}", text(&r.stderr));
        r
    };
    study(&whole, &[]);
    study(&sharded, &["--shard", "1/2"]);
    study(&sharded, &["--shard", "2/2"]);
    let merged = callus(&["sweep", "merge", &sharded, "--out", &sharded]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    let read = |d: &str| std::fs::read_to_string(PathBuf::from(d).join("sweep.csv")).unwrap();
    assert_eq!(read(&sharded), read(&whole));
    let csv = read(&whole);
    assert!(
        csv.starts_with(
            "case,rate_mm_per_day,rhythm_steps_per_day,fixator.stiffness_n_per_mm,status"
        ),
        "{csv}"
    );
    assert!(PathBuf::from(&whole)
        .join("rate_1_rhythm_2_fixator.stiffness_n_per_mm_2000/summary.json")
        .is_file());

    let slurm = path("slurm");
    let r = callus(&[
        "sweep",
        &small,
        "--vary",
        "fixator.stiffness_n_per_mm=500,2000",
        "--no-fields",
        "--out",
        &slurm,
        "--slurm",
        "--sbatch=--time=00:10:00",
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    let script = std::fs::read_to_string(PathBuf::from(&slurm).join("slurm/sweep.sbatch")).unwrap();
    for needle in [
        "#SBATCH --array=0-1",
        "#SBATCH --time=00:10:00",
        "--vary=fixator.stiffness_n_per_mm=500,2000",
        "--shard=\"$((SLURM_ARRAY_TASK_ID + 1))/2\"",
        "--resume",
    ] {
        assert!(script.contains(needle), "{needle}: {script}");
    }
    let merge = std::fs::read_to_string(PathBuf::from(&slurm).join("slurm/merge.sbatch")).unwrap();
    assert!(merge.contains("sweep merge"), "{merge}");
    assert!(
        !PathBuf::from(&slurm).join("sweep.csv").exists(),
        "--slurm runs nothing here"
    );

    for (bad, needle) in [
        (vec!["--vary", "fixator.stiffness_n_per_mm"], "KEY=V1,V2"),
        (vec!["--vary", "fixator.stiffnes=1,2"], "stiffnes"),
        (
            vec!["--sample", "loading.load_n=uniform(3,1)", "--samples", "4"],
            "A < B",
        ),
        (vec!["--sample", "loading.load_n=uniform(1,3)"], "--samples"),
        (vec!["--shard", "3/2"], "1 ≤ K ≤ N"),
    ] {
        sweep_is_refused(&small, &slurm, &bad, needle);
    }
}

/// Goal: `callus presets` lists every shipped preset with its species and bone, protocol and
/// source, and `callus presets NAME` prints that preset's file, which a scenario can start from.
#[test]
fn presets_are_listed_and_printed() {
    let out = callus(&["presets"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for needle in [
        "ovine-metatarsus",
        "sheep, metatarsus",
        "canine-tibia",
        "dog, tibia",
        "28 mm at 1 mm/day in 4 steps",
        "Aronson & Harp 1994",
        "human-tibia",
        "40 mm at 1 mm/day in 4 steps",
    ] {
        assert!(s.contains(needle), "missing {needle} in\n{s}");
    }
    let out = callus(&["presets", "human-tibia"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("[about]") && s.contains("lengthening_mm = 40.0"),
        "{s}"
    );
}
