//! `callus`: the command-line interface of the callus distraction-osteogenesis simulator.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{self, OsteotomyGeometry, Revolution, SolidElements};
use callus_mesh::{geometry, gmsh, Mesh, MeshError};
use callus_sim::presets::Preset;
use callus_sim::scenario::Rhythm;

mod run;
mod slurm;
mod sweep;
mod validate;

#[derive(Parser)]
#[command(
    name = "callus",
    version,
    about = "Finite-element simulator of the bone regenerate in distraction osteogenesis"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a distraction protocol day by day (the built-in default scenario without a file)
    /// and write history.csv, forces.csv, summary.json and ParaView fields into --out.
    Run(run::RunArgs),
    /// A study of a scenario: every rate × rhythm × varied key (--vary), or Latin-hypercube samples
    /// (--sample), cases in parallel (one per core), in shards or as a Slurm job array: one folder
    /// of run outputs per case, sweep.csv with a row per case, sweep.h5, plots.
    #[command(allow_negative_numbers = true)]
    Sweep(Box<sweep::SweepArgs>),
    /// List the literature presets (name, species and bone, protocol, source), or print one's
    /// scenario file, commented.
    Presets {
        /// A preset to print (its file: `callus presets NAME > my.toml` starts a scenario from it).
        name: Option<String>,
    },
    /// Mesh tools: generate the built-in osteotomy mesh, inspect or convert a Gmsh file.
    #[command(subcommand)]
    Mesh(MeshCommand),
    /// Run the verification cases (analytic solutions of MODEL.md §8) and print computed vs reference.
    Validate {
        /// Run the cases of this folder (one sub-folder with a case.toml per case) instead of the
        /// built-in ones from the repository's validation/.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum MeshCommand {
    /// Generate the built-in long-bone osteotomy mesh (ovine metatarsus by default) and write it as VTU.
    #[command(allow_negative_numbers = true)]
    Generate(GenerateArgs),
    /// Print a mesh's nodes, elements by kind, regions, boundary sets, bounding box and quality.
    Info {
        /// A Gmsh .msh file (MSH 4.1 ASCII or binary, MSH 2.2 ASCII).
        file: PathBuf,
    },
    /// Read a Gmsh .msh file, optionally make it quadratic, and write it as VTU.
    Convert {
        /// A Gmsh .msh file.
        file: PathBuf,
        /// Output .vtu file.
        #[arg(long, short)]
        out: PathBuf,
        /// Element order of the output: `keep`, or `quadratic` (Tri3→Tri6, Quad4→Quad9, Tet4→Tet10).
        #[arg(long, value_enum, default_value_t = OrderArg::Keep)]
        order: OrderArg,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OrderArg {
    /// Keep the elements as they are.
    Keep,
    /// Linear elements (Quad4, Tet4, Hex8/Wedge6).
    Linear,
    /// Quadratic elements (Quad9 in 2D, Tet10 in 3D): what the Taylor–Hood solver uses.
    Quadratic,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ElementsArg {
    /// Tetrahedra (elevate to Tet10).
    Tet,
    /// Hexahedra, with wedges on the axis (linear only).
    Hex,
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// Output .vtu file.
    #[arg(long, short, default_value = "osteotomy.vtu")]
    out: PathBuf,
    /// 2 for the axisymmetric (r, z) mesh, 3 for the revolved 3D mesh.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=3))]
    dim: u8,
    /// Element order.
    #[arg(long, value_enum, default_value_t = OrderArg::Quadratic)]
    order: OrderArg,
    /// 3D element kind.
    #[arg(long, value_enum, default_value_t = ElementsArg::Tet)]
    elements: ElementsArg,
    /// Segments around the circle (3D).
    #[arg(long, default_value_t = Revolution::default().segments)]
    segments: usize,
    /// Element size at the gap, mm [default: 0.5 in 2D, 1.0 in 3D].
    #[arg(long)]
    element_size_mm: Option<f64>,
    /// Largest axial element size, mm [default: 2 in 2D, 3 in 3D].
    #[arg(long)]
    max_element_size_mm: Option<f64>,
    /// Initial osteotomy gap, mm.
    #[arg(long)]
    gap_mm: Option<f64>,
    /// Outer radius of the cortex, mm.
    #[arg(long)]
    outer_radius_mm: Option<f64>,
    /// Cortical thickness, mm.
    #[arg(long)]
    cortical_thickness_mm: Option<f64>,
    /// Length of each bone segment, mm.
    #[arg(long)]
    segment_length_mm: Option<f64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Validate { dir } = &cli.command {
        return match validate::validate(dir.as_deref()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => {
                eprintln!(
                    "error: some verification values are outside their tolerance (rows marked NO)"
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let result = match cli.command {
        Command::Validate { .. } => unreachable!("handled above"),
        Command::Run(args) => return run::run(&args),
        Command::Sweep(args) => return sweep::run(&args),
        Command::Presets { name } => presets(name.as_deref()),
        Command::Mesh(MeshCommand::Generate(args)) => mesh_generate(&args),
        Command::Mesh(MeshCommand::Info { file }) => mesh_info(&file).map_err(Into::into),
        Command::Mesh(MeshCommand::Convert { file, out, order }) => {
            mesh_convert(&file, &out, order)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `callus presets`: a table of the presets, or one preset's file.
fn presets(name: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(name) = name {
        print!("{}", Preset::named(name, "callus presets")?.text);
        return Ok(());
    }
    let mut rows = vec![[
        "preset".to_string(),
        "species, bone".to_string(),
        "protocol".to_string(),
        "source".to_string(),
    ]];
    for p in Preset::all() {
        let s = p.scenario()?;
        let protocol = &s.protocol;
        let rhythm = match protocol.rhythm {
            Rhythm::Steps(1) => "1 step".to_string(),
            Rhythm::Steps(n) => format!("{n} steps"),
            Rhythm::Continuous => "continuous".to_string(),
        };
        rows.push([
            p.about.name.clone(),
            format!("{}, {}", p.about.species, p.about.bone),
            format!(
                "{} mm at {} mm/day in {rhythm}, latency {} d, consolidation {} d",
                protocol.lengthening_mm,
                protocol.rate_mm_per_day,
                protocol.latency_days,
                protocol.consolidation_days
            ),
            p.about.source.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..3)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        println!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    }
    println!("\nrun one: callus run --preset NAME; change it: a scenario file starting with preset = \"NAME\"");
    Ok(())
}

fn mesh_generate(args: &GenerateArgs) -> Result<(), Box<dyn std::error::Error>> {
    let mut g = if args.dim == 2 {
        OsteotomyGeometry::default()
    } else {
        OsteotomyGeometry::default_3d()
    };
    let overrides = [
        (&mut g.element_size_mm, args.element_size_mm),
        (&mut g.max_element_size_mm, args.max_element_size_mm),
        (&mut g.gap_mm, args.gap_mm),
        (&mut g.outer_radius_mm, args.outer_radius_mm),
        (&mut g.cortical_thickness_mm, args.cortical_thickness_mm),
        (&mut g.segment_length_mm, args.segment_length_mm),
    ];
    for (field, value) in overrides {
        if let Some(v) = value {
            *field = v;
        }
    }
    if args.element_size_mm.is_some()
        && args.max_element_size_mm.is_none()
        && g.max_element_size_mm < g.element_size_mm
    {
        g.max_element_size_mm = g.element_size_mm;
    }
    let mut mesh = if args.dim == 2 {
        generate::axisymmetric(&g)?
    } else {
        let elements = match args.elements {
            ElementsArg::Tet => SolidElements::Tet,
            ElementsArg::Hex => SolidElements::Hex,
        };
        generate::revolved(
            &g,
            Revolution {
                segments: args.segments,
                elements,
            },
        )?
    };
    if args.order == OrderArg::Quadratic {
        mesh = elevate(&mesh, QuadraticQuad::Quad9)?;
    }
    callus_io::vtu::write_vtu(&args.out, &mesh, &[], &[])?;
    println!("wrote {} ({})", args.out.display(), summary_line(&mesh));
    Ok(())
}

fn mesh_convert(
    file: &Path,
    out: &Path,
    order: OrderArg,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut mesh = gmsh::read_msh(file)?;
    match order {
        OrderArg::Quadratic => mesh = elevate(&mesh, QuadraticQuad::Quad9).map_err(|e| e.in_file(file))?,
        OrderArg::Linear if mesh.kind_counts().iter().any(|(k, _)| k.is_quadratic()) => {
            return Err(MeshError::Unsupported(format!(
                "{}: the mesh is quadratic; lowering the order is not supported (re-mesh with Mesh.ElementOrder 1)",
                file.display()
            ))
            .into())
        }
        _ => {}
    }
    callus_io::vtu::write_vtu(out, &mesh, &[], &[])?;
    println!("wrote {} ({})", out.display(), summary_line(&mesh));
    Ok(())
}

fn summary_line(mesh: &Mesh) -> String {
    let kinds: Vec<String> = mesh
        .kind_counts()
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    format!(
        "{}D, {} nodes, {}",
        mesh.dim(),
        mesh.num_nodes(),
        kinds.join(" + ")
    )
}

fn mesh_info(file: &Path) -> Result<(), MeshError> {
    let (mesh, report) = gmsh::read_msh_with_report(file)?;
    println!("{}", file.display());
    println!("  format        MSH {}", report.format);
    if report.reoriented_elements > 0 {
        println!(
            "  reoriented    {} clockwise 2D elements made counter-clockwise",
            report.reoriented_elements
        );
    }
    println!("  dimension     {}D", mesh.dim());
    println!("  nodes         {}", mesh.num_nodes());
    println!("  elements      {}", mesh.num_elements());
    for (kind, n) in mesh.kind_counts() {
        println!("    {:<11} {n}", kind.name());
    }
    let (lo, hi) = mesh.bounding_box();
    let axes = if mesh.dim() == 2 {
        ["r", "z", ""]
    } else {
        ["x", "y", "z"]
    };
    println!("  bounding box (mm)");
    for d in 0..mesh.dim() {
        println!("    {:<11} {:.6} .. {:.6}", axes[d], lo[d], hi[d]);
    }
    let measure_name = if mesh.dim() == 2 {
        "area mm², revolved volume mm³"
    } else {
        "volume mm³"
    };
    println!("  regions ({measure_name})");
    let mut per_region = vec![(0usize, 0.0, 0.0); mesh.region_names().len()];
    for e in mesh.elements() {
        let r = &mut per_region[e.region];
        r.0 += 1;
        r.1 += geometry::element_measure(&mesh, e.id);
        if mesh.dim() == 2 {
            r.2 += geometry::axisymmetric_volume(&mesh, e.id);
        }
    }
    for (name, (count, measure, revolved)) in mesh.region_names().iter().zip(&per_region) {
        if mesh.dim() == 2 {
            println!("    {name:<20} {count:>8} elements  {measure:>12.4}  {revolved:>14.2}");
        } else {
            println!("    {name:<20} {count:>8} elements  {measure:>12.2}");
        }
    }
    println!("  boundary sets");
    for (name, set) in mesh.sets() {
        println!(
            "    {name:<20} {:>8} facets  {:>8} nodes",
            set.facets.len(),
            set.nodes.len()
        );
    }
    if let Some((q, e)) = mesh.min_quality() {
        println!(
            "  min quality   {q:.4} (scaled Jacobian, 1 = ideal; element {} in '{}')",
            mesh.element_tags()[e],
            mesh.region_names()[mesh.element(e).region]
        );
    }
    Ok(())
}
