//! The daily loop on a small osteotomy (coarse axisymmetric Quad9 mesh, 2 mm segments): what a run
//! must do, checked on what it returns and hands its sink (the files are callus-io's tests).
//!
//! Mesh: the built-in generator with 1 mm elements at a 1 mm gap, callus 4 × 2 mm, soft tissue 1 mm,
//! segments 3 mm. Protocol: 1 day latency, 1 mm/day in 2 steps (ramp 60 s), 2 mm, 3 days of
//! consolidation under a 50 N cyclic load through a 500 N/mm fixator. Boundary conditions as in the
//! default scenario (proximal end clamped, distal end distracted, soft tissue surface drained).

use callus_sim::record::{OutputError, RunReport};
use callus_sim::scenario::Phase;
use callus_sim::{DayReport, Outcome, RunSink, Scenario, SimError, SimOptions, Simulation};

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

fn simulate(s: &Scenario) -> Outcome {
    Simulation::new(s, "small.toml", SimOptions::default())
        .unwrap()
        .run(&mut ())
        .unwrap()
}

/// Goal: a whole small run: the tissue differentiates, the stiffness rises in consolidation, the
/// force relaxes after every step, the gap grows by the lengthening, and the summary agrees with
/// the history.
#[test]
fn small_distraction_run_differentiates_stiffens_and_relaxes() {
    let outcome = simulate(&scenario(""));
    let h = &outcome.history;
    let days: Vec<u32> = h.iter().map(|r| r.day).collect();
    assert_eq!(days, [0, 1, 2, 3, 4, 5], "one row per day");
    assert_eq!(
        h.iter().map(|r| r.phase).collect::<Vec<_>>(),
        [
            Phase::Latency,
            Phase::Distraction,
            Phase::Distraction,
            Phase::Consolidation,
            Phase::Consolidation,
            Phase::Consolidation
        ]
    );
    assert_eq!(
        h[0].fractions.granulation, 1.0,
        "latency without load leaves granulation tissue"
    );
    assert!(h[5].fractions.granulation < 0.7, "differentiation: {h:?}");
    for r in h {
        assert!((r.fractions.total() - 1.0).abs() < 1e-12, "{r:?}");
    }
    assert!(
        h[5].callus_stiffness_n_per_mm > h[3].callus_stiffness_n_per_mm,
        "stiffening in consolidation"
    );
    assert!((h[0].gap_mm - 1.0).abs() < 1e-9 && (h[5].gap_mm - 3.0).abs() < 0.02);
    assert!(h[..3].iter().all(|r| r.load_strain.is_none()));
    assert!(h[3..].iter().all(|r| r.load_strain.unwrap() > 0.0));

    let mut keys: Vec<(u32, usize)> = outcome.forces.iter().map(|f| (f.day, f.step)).collect();
    keys.dedup();
    assert_eq!(
        keys,
        [(1, 0), (1, 1), (2, 0), (2, 1)],
        "two days of two steps"
    );
    for key in keys {
        let f: Vec<f64> = outcome
            .forces
            .iter()
            .filter(|f| (f.day, f.step) == key)
            .map(|f| f.force_n)
            .collect();
        let peak = f.iter().copied().fold(f64::MIN, f64::max);
        let last = *f.last().unwrap();
        assert!(
            peak > 0.0 && last < 0.5 * peak,
            "{key:?}: peak {peak}, before the next step {last}"
        );
    }
    let s = &outcome.summary;
    assert_eq!(s.final_stiffness_n_per_mm, h[5].callus_stiffness_n_per_mm);
    assert_eq!(s.final_fractions, h[5].fractions);
    assert_eq!(s.days, 6);
    assert_eq!(
        s.max_peak_force_n,
        h.iter().filter_map(|r| r.peak_force_n).reduce(f64::max)
    );
}

/// The fields a sink saw on a day.
struct FieldsSeen {
    day: u32,
    cell: Vec<String>,
    point: Vec<String>,
    elements: usize,
    row_elements: usize,
}

/// What a sink saw: (day, rows so far, days in the plan, fields due) per day, the fields, the end.
#[derive(Default)]
struct Seen {
    days: Vec<(u32, usize, usize, bool)>,
    fields: Vec<FieldsSeen>,
    finished: Option<usize>,
}

impl RunSink for Seen {
    fn day(&mut self, d: &DayReport) -> Result<(), OutputError> {
        self.days
            .push((d.row().day, d.history.len(), d.days_in_plan, d.fields_due));
        if d.fields_due {
            let s = d.fields();
            let names = |f: &[callus_mesh::Field]| f.iter().map(|f| f.name.to_string()).collect();
            for f in &s.cell_fields {
                assert_eq!(f.values.len(), f.components * s.mesh.num_elements());
            }
            for f in &s.point_fields {
                assert_eq!(f.values.len(), f.components * s.mesh.num_nodes());
            }
            self.fields.push(FieldsSeen {
                day: s.day,
                cell: names(&s.cell_fields),
                point: names(&s.point_fields),
                elements: s.mesh.num_elements(),
                row_elements: d.row().elements,
            });
        }
        Ok(())
    }

    fn finish(&mut self, run: &RunReport) -> Result<(), OutputError> {
        self.finished = Some(run.history.len());
        Ok(())
    }
}

/// A sink that refuses day 3.
struct Refuses;

impl RunSink for Refuses {
    fn day(&mut self, d: &DayReport) -> Result<(), OutputError> {
        if d.row().day == 3 {
            return Err("the disk is full".into());
        }
        Ok(())
    }
    fn finish(&mut self, _: &RunReport) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Goal: the sink sees every day as it ends, with the fields on the output days (every 2 days and
/// the last: `output.field_every_days = 2`) on the mesh of that day, and the end of the run; two
/// sinks see the same; a sink's error stops the run naming the day and keeps its message.
#[test]
fn the_sink_sees_every_day_and_the_fields_of_the_output_days() {
    let s = scenario("[numerics]\nmax_element_height_mm = 0.8\n");
    let mut seen = (Seen::default(), Seen::default());
    let outcome = Simulation::new(&s, "small.toml", SimOptions::default())
        .unwrap()
        .run(&mut seen)
        .unwrap();
    let (a, b) = seen;
    assert_eq!(
        a.days.iter().map(|d| (d.0, d.1, d.2)).collect::<Vec<_>>(),
        (0..6).map(|d| (d, d as usize + 1, 6)).collect::<Vec<_>>()
    );
    let due: Vec<u32> = a.days.iter().filter(|d| d.3).map(|d| d.0).collect();
    assert_eq!(due, [0, 2, 4, 5]);
    for f in &a.fields {
        assert_eq!(
            f.elements, f.row_elements,
            "day {}: the mesh of that day",
            f.day
        );
        assert_eq!(
            f.cell.join(","),
            "granulation_fraction,fibrous_fraction,cartilage_fraction,immature_bone_fraction,mature_bone_fraction,marrow_fraction,phenotype,stimulus,relaxed_distortional_strain,step_peak_distortional_strain,step_peak_dilatational_strain,youngs_modulus_mpa,permeability_mm4_per_ns,cell_concentration,vascularity"
        );
        assert_eq!(
            f.point.join(","),
            "displacement_mm,pore_pressure_mpa,cell_concentration,vascularity"
        );
    }
    assert!(
        a.fields.last().unwrap().elements > a.fields[0].elements,
        "the mesh grew"
    );
    assert_eq!(a.finished, Some(6));
    assert_eq!((b.days.len(), b.finished), (6, Some(6)));
    assert_eq!(outcome.history.len(), 6);

    let e = Simulation::new(&s, "small.toml", SimOptions::default())
        .unwrap()
        .run(&mut Refuses)
        .unwrap_err();
    assert!(matches!(e, SimError::Output { day: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("the disk is full"), "{e}");
}

/// Goal: gap growth inside the loop: with a 0.8 mm height limit the plane rows are split as the gap
/// opens, the mesh grows, the gap still lengthens by exactly the distraction, and the run ends.
#[test]
fn gap_grows_by_layers_inside_the_loop() {
    let outcome = simulate(&scenario("[numerics]\nmax_element_height_mm = 0.8\n"));
    let s = &outcome.summary;
    assert!(s.layers_inserted >= 1, "{}", s.layers_inserted);
    let elements: Vec<usize> = outcome.history.iter().map(|r| r.elements).collect();
    assert!(elements.last() > elements.first(), "{elements:?}");
    assert_eq!(s.final_elements, *elements.last().unwrap());
    assert!((s.final_gap_mm - 3.0).abs() < 0.02, "{}", s.final_gap_mm);
    assert!(
        s.mechanics_dofs_end > s.mechanics_dofs_start,
        "{} → {}",
        s.mechanics_dofs_start,
        s.mechanics_dofs_end
    );
}

/// Goal: the options change what they say. Pre-traction carries stress, so the force left before
/// the next step grows from step to step; the relaxed state is a weaker stimulus than the step peak.
#[test]
fn pretraction_accumulates_force_and_relaxed_stimulus_differs() {
    let plain = simulate(&scenario(""));
    let carried = simulate(&scenario(
        "[numerics]\npretraction = true\npretraction_relaxation_days = 100.0\n",
    ));
    let residual = |o: &Outcome| -> Vec<f64> {
        o.history
            .iter()
            .filter_map(|r| r.residual_force_n)
            .collect()
    };
    let (ra, rb) = (residual(&plain), residual(&carried));
    assert_eq!(ra.len(), 2);
    assert!(rb[1] > 1.5 * ra[1], "carried {rb:?} vs plain {ra:?}");
    let relaxed = simulate(&scenario("[numerics]\nstimulus = \"relaxed\"\n"));
    let (a, c) = (
        plain.summary.final_fractions,
        relaxed.summary.final_fractions,
    );
    assert_ne!(
        (a.fibrous, a.cartilage),
        (c.fibrous, c.cartilage),
        "the relaxed state reads differently from the peak"
    );
}

/// Goal: a scenario that does not fit its mesh is refused before any work, naming the key.
#[test]
fn names_missing_sets_and_regions_before_running() {
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
        (
            "[vascularity]\nvascular_regions = [\"cortical_bone\"]\n",
            "vascularity.vascular_regions = cortical_bone",
        ),
    ] {
        let e = Simulation::new(&scenario(extra), "small.toml", SimOptions::default())
            .map(|_| ())
            .expect_err("refused")
            .to_string();
        assert!(e.contains(key) && e.contains("small.toml"), "{e}");
    }
}

/// Goal: the pins' set is checked only when a load cycle goes through it: a mesh without it (a
/// Gmsh model from before the cortex sets) runs with the end-face load path (the default), and is
/// refused naming `boundary.pinned_set` with `fixator.load_path = "pins"`.
#[test]
fn the_pinned_set_is_needed_only_by_the_pins() {
    let missing = "[boundary]\npinned_set = \"distal_pins\"\n";
    assert!(Simulation::new(&scenario(missing), "small.toml", SimOptions::default()).is_ok());
    let pins = format!("{missing}[fixator]\nload_path = \"pins\"\n");
    let e = Simulation::new(&scenario(&pins), "small.toml", SimOptions::default())
        .map(|_| ())
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("boundary.pinned_set = distal_pins") && e.contains("small.toml"),
        "{e}"
    );
}

/// Goal: the vascularity's regions are checked only when it is on: with `enabled = false` a region
/// the mesh does not have is no error (nothing reads it).
#[test]
fn vascular_regions_are_unused_without_vascularity() {
    let s = scenario("[vascularity]\nenabled = false\nvascular_regions = [\"cortical_bone\"]\n");
    assert!(Simulation::new(&s, "small.toml", SimOptions::default()).is_ok());
}

/// Goal: a mesh of the wrong dimension for the idealisation (the 2D tiny Gmsh mesh in a 3D run) is
/// refused naming the key, the value as the scenario spells it and the setting that fits.
#[test]
fn a_mesh_of_the_wrong_dimension_names_the_idealisation_that_fits() {
    let mut s = scenario("[geometry]\nidealisation = \"3d\"\n");
    s.geometry.mesh_file = Some(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../callus-mesh/tests/fixtures/tiny_v41.msh"),
    );
    let e = Simulation::new(&s, "small.toml", SimOptions::default())
        .map(|_| ())
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("small.toml: geometry.idealisation = 3d: the mesh is 2D")
            && e.contains("geometry.idealisation = \"axisymmetric\""),
        "{e}"
    );
}

/// Goal: a step that turns an element over stops the run at that step, naming the element and
/// the fix, before anything is assembled on it. A 4 mm step into the 1 mm gap with neither layers
/// nor rezoning shears the callus beside the cortex corner inside out.
#[test]
fn a_step_that_turns_an_element_over_is_named_with_the_fix() {
    let s = scenario(
        "[protocol]\nrate_mm_per_day = 4.0\nrhythm = 1\nlengthening_mm = 4.0\n\
         [numerics]\nrezone_regions = []\nmax_element_height_mm = 50.0\n",
    );
    let e = Simulation::new(&s, "small.toml", SimOptions::default())
        .unwrap()
        .run(&mut ())
        .unwrap_err();
    let SimError::Inverted {
        day,
        step,
        ref region,
        quality,
        ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!((day, step), (1, 0));
    assert!(quality <= 0.0 && region == "periosteal_callus", "{e}");
    let message = e.to_string();
    for fix in [
        "protocol.rhythm",
        "numerics.max_element_height_mm",
        "numerics.rezone_regions",
    ] {
        assert!(message.contains(fix), "{message}");
    }
}

/// Goal: the summary counts the u–p unknowns of the first and the last day's mesh: on the day-0
/// mesh 2 displacement components per node and a pressure per element vertex (axisymmetric
/// Taylor–Hood); the same at the end when no layer was inserted (growth:
/// `gap_grows_by_layers_inside_the_loop`).
///
/// Scenario: the small test scenario with a 100 mm element height limit (no layer inserted).
#[test]
fn summary_counts_the_mechanics_unknowns() {
    let no_growth = scenario("[numerics]\nmax_element_height_mm = 100.0\n");
    let sim = Simulation::new(&no_growth, "small.toml", SimOptions::default()).unwrap();
    let mesh = sim.snapshot(0).mesh.clone();
    let mut vertex = vec![false; mesh.num_nodes()];
    for e in mesh.elements() {
        for &n in &e.nodes[..e.kind.num_vertices()] {
            vertex[n] = true;
        }
    }
    let expected = 2 * mesh.num_nodes() + vertex.iter().filter(|&&v| v).count();
    let s = sim.run(&mut ()).unwrap().summary;
    assert_eq!(s.mechanics_dofs_start, expected);
    assert_eq!(s.layers_inserted, 0, "no layer under a 100 mm height limit");
    assert_eq!(s.mechanics_dofs_end, s.mechanics_dofs_start);
}
