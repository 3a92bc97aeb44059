//! Plots of a run and of a sweep, each written twice beside itself: as SVG (plotters' SVG
//! backend; text left to the viewer) and as PNG of the same 800 × 500 pixels, the SVG rasterised
//! by resvg with the DejaVu Sans font embedded in this crate (`fonts/`), so neither needs a font
//! installed on the system. Each is built in memory and written atomically.
//!
//! A run's `plots/`: `stiffness` (callus stiffness, N/mm, log scale, against the day),
//! `tissue_fractions` (regenerate tissue fractions stacked, against the day), `force`
//! (distraction force, N, against time in days), `vascularised_fraction` (the regenerate's
//! volume fraction with φ ≥ 0.6, against the day, with vascularity on). A sweep's `plots/`:
//! `stiffness` (every case's stiffness curve), `bridging_day` and `healed_day` (the bridging day
//! and the healed day of MODEL.md §6 over rate × rhythm). Each stem is a `.svg` and a `.png`.

use std::path::Path;
use std::sync::{Arc, LazyLock};

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use resvg::{tiny_skia, usvg};

use callus_bio::Fractions;
use callus_sim::protocol::DAY_S;
use callus_sim::record::{ForceSample, HistoryRow};

use crate::atomic::write_atomically;
use crate::error::file;
use crate::IoError;

/// What a drawing function returns (plotters' errors, boxed).
type Drawn = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const SIZE: (u32, u32) = (800, 500);

/// Colours of the tissues, in the order of [`Fractions::NAMES`].
const TISSUE_COLOURS: [RGBColor; 6] = [
    RGBColor(200, 200, 200),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
];

/// The font of the PNG plots' text (plotters asks for `sans-serif`): DejaVu Sans, embedded so that
/// no system font is needed (licence: `fonts/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// The family name inside [`FONT`].
const FONT_FAMILY: &str = "DejaVu Sans";

/// The fonts of the rasteriser: [`FONT`] alone, as every generic family; loaded once.
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(FONT.to_vec());
    db.set_sans_serif_family(FONT_FAMILY);
    db.set_serif_family(FONT_FAMILY);
    db.set_monospace_family(FONT_FAMILY);
    Arc::new(db)
});

/// Rasterises `svg` (drawn at [`SIZE`]) into a PNG of [`SIZE`] pixels.
fn rasterise(svg: &str) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: Arc::clone(&FONTS),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)?;
    let mut pixmap = tiny_skia::Pixmap::new(SIZE.0, SIZE.1).ok_or("a pixmap of no size")?;
    // The SVG is SIZE already; scale anyway should it declare another size.
    let (w, h) = (tree.size().width(), tree.size().height());
    let transform = tiny_skia::Transform::from_scale(SIZE.0 as f32 / w, SIZE.1 as f32 / h);
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    Ok(pixmap.encode_png()?)
}

/// Draws into an SVG string with `draw`, then writes it to `dir/<stem>.svg` and its rendering to
/// `dir/<stem>.png`, each atomically.
fn write_plot(
    dir: &Path,
    stem: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Drawn,
) -> Result<(), IoError> {
    let svg_path = dir.join(format!("{stem}.svg"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let drawn = (|| -> Drawn {
            root.fill(&WHITE)?;
            draw(&root)?;
            root.present()?;
            Ok(())
        })();
        drawn.map_err(|source| IoError::Plot {
            path: svg_path.clone(),
            source,
        })?;
    }
    let png_path = dir.join(format!("{stem}.png"));
    let png = rasterise(&svg).map_err(|source| IoError::Plot {
        path: png_path.clone(),
        source,
    })?;
    std::fs::create_dir_all(dir).map_err(file(dir))?;
    write_atomically(&svg_path, svg.as_bytes())?;
    write_atomically(&png_path, &png)
}

/// The frame every chart shares: title, margin, room for the x labels and `y_label_area` pixels
/// for the y labels.
fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    y_label_area: u32,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(y_label_area);
    builder
}

/// A range that holds every value (with a margin), never empty.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 * hi.abs().max(1.0) {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// A stiffness curve: (day, N/mm).
pub type Curve = (String, Vec<(f64, f64)>);

fn stiffness_chart(root: &DrawingArea<SVGBackend, Shift>, title: &str, curves: &[Curve]) -> Drawn {
    let (d0, d1) = span(curves.iter().flat_map(|c| c.1.iter().map(|p| p.0)));
    let (s0, s1) = span(
        curves
            .iter()
            .flat_map(|c| c.1.iter().map(|p| p.1))
            .filter(|&s| s > 0.0),
    );
    let mut chart =
        frame(root, title, 75).build_cartesian_2d(d0..d1, (0.8 * s0..1.25 * s1).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("day")
        .y_desc("callus stiffness (N/mm)")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()?;
    for (i, (label, points)) in curves.iter().enumerate() {
        let colour = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied().filter(|p| p.1 > 0.0),
                colour.stroke_width(2),
            ))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
    }
    // A legend for a few curves; a study of many cases is read from sweep.csv instead.
    if (curves.len() > 1 || !curves[0].0.is_empty()) && curves.len() <= 12 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    Ok(())
}

/// A chart of a fraction (0..1) against the days of `history`, its axes drawn.
fn fraction_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    history: &[HistoryRow],
    y_desc: &str,
) -> Result<
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    Box<dyn std::error::Error + Send + Sync>,
> {
    let last = history.last().map_or(1.0, |r| r.day as f64).max(1.0);
    let mut chart = frame(root, title, 60).build_cartesian_2d(0.0..last, 0.0..1.0)?;
    chart.configure_mesh().x_desc("day").y_desc(y_desc).draw()?;
    Ok(chart)
}

/// Writes the plots of one run into `dir` (its `plots/`).
pub fn run_plots(
    dir: &Path,
    history: &[HistoryRow],
    forces: &[ForceSample],
) -> Result<(), IoError> {
    if history.is_empty() {
        return Ok(());
    }
    let stiffness: Vec<(f64, f64)> = history
        .iter()
        .map(|r| (r.day as f64, r.callus_stiffness_n_per_mm))
        .collect();
    write_plot(dir, "stiffness", |root| {
        stiffness_chart(
            root,
            "Callus stiffness (drained axial test)",
            &[(String::new(), stiffness)],
        )
    })?;
    write_plot(dir, "tissue_fractions", |root| {
        let mut chart = fraction_chart(
            root,
            "Regenerate tissue fractions",
            history,
            "volume fraction (–)",
        )?;
        let fractions = |r: &HistoryRow| r.fractions.values();
        // Stacked: band i lies between the sums of fractions 0..i and 0..=i.
        for (i, (name, &colour)) in Fractions::NAMES.iter().zip(&TISSUE_COLOURS).enumerate() {
            let lower: Vec<(f64, f64)> = history
                .iter()
                .map(|r| (r.day as f64, fractions(r)[..i].iter().sum::<f64>()))
                .collect();
            let upper: Vec<(f64, f64)> = history
                .iter()
                .map(|r| (r.day as f64, fractions(r)[..=i].iter().sum::<f64>()))
                .collect();
            let band: Vec<(f64, f64)> = upper.iter().chain(lower.iter().rev()).copied().collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, colour.filled())))?
                .label(name.replace('_', " "))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })?;
    let vascularised: Vec<(f64, f64)> = history
        .iter()
        .filter_map(|r| r.vascularised_fraction.map(|v| (r.day as f64, v)))
        .collect();
    if !vascularised.is_empty() {
        write_plot(dir, "vascularised_fraction", |root| {
            let mut chart = fraction_chart(
                root,
                "Vascularised regenerate (φ ≥ 0.6)",
                history,
                "volume fraction of the regenerate (–)",
            )?;
            chart.draw_series(LineSeries::new(vascularised, RED.stroke_width(2)))?;
            Ok(())
        })?;
    }
    if !forces.is_empty() {
        write_plot(dir, "force", |root| {
            let points: Vec<(f64, f64)> = forces
                .iter()
                .map(|f| (f.time_s / DAY_S, f.force_n))
                .collect();
            let (t0, t1) = span(points.iter().map(|p| p.0));
            let (f0, f1) = span(points.iter().map(|p| p.1).chain([0.0]));
            let mut chart =
                frame(root, "Distraction force", 70).build_cartesian_2d(t0..t1, f0..1.05 * f1)?;
            chart
                .configure_mesh()
                .x_desc("time since the osteotomy (days)")
                .y_desc("force on the moving segment (N)")
                .draw()?;
            // One line per step, so that the jumps between steps are not joined.
            let mut start = 0;
            while start < forces.len() {
                let key = (forces[start].day, forces[start].step);
                let end = start
                    + forces[start..]
                        .iter()
                        .take_while(|f| (f.day, f.step) == key)
                        .count();
                chart.draw_series(LineSeries::new(
                    points[start..end].iter().copied(),
                    BLUE.stroke_width(1),
                ))?;
                start = end;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// One case of a sweep, for its plots.
pub struct SweepCase {
    /// Rate (mm/day).
    pub rate_mm_per_day: f64,
    /// Rhythm label (`4`, `continuous`).
    pub rhythm: String,
    /// The case's label in a legend: rate, rhythm and the study's varied or sampled values.
    pub label: String,
    /// Bridging day, if bridged.
    pub bridging_day: Option<u32>,
    /// Healed day (MODEL.md §6), if healed.
    pub healed_day: Option<u32>,
    /// Whether the case failed.
    pub failed: bool,
    /// Stiffness curve (day, N/mm); empty for a failed case.
    pub stiffness: Vec<(f64, f64)>,
}

/// Writes the plots of a sweep into `dir` (its `plots/`).
pub fn sweep_plots(dir: &Path, cases: &[SweepCase]) -> Result<(), IoError> {
    let curves: Vec<Curve> = cases
        .iter()
        .filter(|c| !c.stiffness.is_empty())
        .map(|c| (c.label.clone(), c.stiffness.clone()))
        .collect();
    if !curves.is_empty() {
        write_plot(dir, "stiffness", |root| {
            stiffness_chart(root, "Callus stiffness of every case", &curves)
        })?;
    }
    // The day grids are over rate × rhythm: drawn when each cell holds one case (a grid over
    // other keys, or samples, would stack cases in a cell).
    let mut cells: Vec<(u64, &str)> = cases
        .iter()
        .map(|c| (c.rate_mm_per_day.to_bits(), c.rhythm.as_str()))
        .collect();
    cells.sort_unstable();
    cells.dedup();
    if cells.len() < cases.len() {
        return Ok(());
    }
    day_grid(
        dir,
        "bridging_day",
        "Day of bony bridging (grey: not bridged)",
        cases,
        |c| c.bridging_day,
    )?;
    day_grid(
        dir,
        "healed_day",
        "Healed day: the fixator's load share < 10 % (grey: not healed)",
        cases,
        |c| c.healed_day,
    )
}

/// The name of the cell whose centre is at `v` on a grid axis (ticks every half cell: the names
/// stand at the centres, the other ticks are blank).
fn centre_name(v: f64, names: &[String]) -> String {
    let i = v.floor() as usize;
    if (v - i as f64 - 0.5).abs() < 1e-6 {
        names.get(i).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// Cell (x, y) of a grid chart (unit cells), filled with `colour`, with `text` in `ink`.
fn draw_cell(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    (x, y): (usize, usize),
    colour: RGBColor,
    text: String,
    ink: RGBColor,
    font_size: u32,
) -> Drawn {
    let (x, y) = (x as f64, y as f64);
    let cell = [(x + 0.02, y + 0.02), (x + 0.98, y + 0.98)];
    chart.draw_series(std::iter::once(Rectangle::new(cell, colour.filled())))?;
    chart.draw_series(std::iter::once(Text::new(
        text,
        (x + 0.4, y + 0.55),
        ("sans-serif", font_size).into_font().color(&ink),
    )))?;
    Ok(())
}

/// A day of each case (`day_of`) as a coloured cell over rate × rhythm, as the plot `stem`.
fn day_grid(
    dir: &Path,
    stem: &str,
    title: &str,
    cases: &[SweepCase],
    day_of: fn(&SweepCase) -> Option<u32>,
) -> Result<(), IoError> {
    let mut rates: Vec<f64> = cases.iter().map(|c| c.rate_mm_per_day).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    let mut rhythms: Vec<String> = Vec::new();
    for c in cases {
        if !rhythms.contains(&c.rhythm) {
            rhythms.push(c.rhythm.clone());
        }
    }
    let days: Vec<u32> = cases.iter().filter_map(day_of).collect();
    let (lo, hi) = (
        days.iter().copied().min().unwrap_or(0) as f64,
        days.iter().copied().max().unwrap_or(1) as f64,
    );
    write_plot(dir, stem, |root| {
        let mut chart = frame(root, title, 90)
            .build_cartesian_2d(0.0..rates.len() as f64, 0.0..rhythms.len() as f64)?;
        let rate_names: Vec<String> = rates.iter().map(|r| r.to_string()).collect();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(2 * rates.len() + 1)
            .y_labels(2 * rhythms.len() + 1)
            .x_label_formatter(&|v| centre_name(*v, &rate_names))
            .y_label_formatter(&|v| centre_name(*v, &rhythms))
            .x_desc("distraction rate (mm/day)")
            .y_desc("rhythm (steps/day)")
            .draw()?;
        for c in cases {
            let x = rates
                .iter()
                .position(|&r| r == c.rate_mm_per_day)
                .unwrap_or(0);
            let y = rhythms.iter().position(|r| *r == c.rhythm).unwrap_or(0);
            // Viridis runs from dark (early) to light (late): white text on the dark half.
            let (colour, text, ink) = match (c.failed, day_of(c)) {
                (true, _) => (RGBColor(250, 250, 250), "failed".to_string(), RED),
                (false, Some(d)) => {
                    let t = if hi > lo {
                        (d as f64 - lo) / (hi - lo)
                    } else {
                        0.5
                    };
                    let ink = if t < 0.5 { WHITE } else { BLACK };
                    (ViridisRGB::get_color(t), format!("day {d}"), ink)
                }
                (false, None) => (RGBColor(190, 190, 190), "—".to_string(), BLACK),
            };
            draw_cell(&mut chart, (x, y), colour, text, ink, 16)?;
        }
        Ok(())
    })
}

/// The standardised rank regression coefficients of a sampled study (`sensitivity.csv`'s
/// `srrc_<input>` columns, one row per output) as a grid of cells, an input per row and an output
/// per column, coloured from −1 (blue) to +1 (red), each with its value; an output without
/// coefficients is a grey column.
pub fn sensitivity_plot(
    dir: &Path,
    table: &[crate::table::Column],
    inputs: &[String],
) -> Result<(), IoError> {
    use crate::table::Values;
    let column = |name: &str| table.iter().find(|c| c.name == name).map(|c| &c.values);
    let Some(Values::Text(outputs)) = column("output") else {
        return Ok(());
    };
    let coefficients: Vec<Vec<f64>> = inputs
        .iter()
        .map(|k| match column(&format!("srrc_{k}")) {
            Some(Values::Real(v)) => v.clone(),
            _ => vec![f64::NAN; outputs.len()],
        })
        .collect();
    // The inputs by their last two key parts (`granulation.youngs_modulus_mpa`), to fit the axis.
    let short: Vec<String> = inputs
        .iter()
        .map(|k| {
            let parts: Vec<&str> = k.split('.').collect();
            parts[parts.len().saturating_sub(2)..].join(".")
        })
        .collect();
    // The outputs as words, to fit a column each.
    let outputs: Vec<String> = outputs
        .iter()
        .map(|o| {
            o.trim_end_matches("_n_per_mm")
                .trim_end_matches("_n")
                .replace('_', " ")
        })
        .collect();
    write_plot(dir, "sensitivity", |root| {
        let mut chart = frame(
            root,
            "Sensitivity: standardised rank regression coefficients",
            230,
        )
        .build_cartesian_2d(0.0..outputs.len() as f64, 0.0..inputs.len() as f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(2 * outputs.len() + 1)
            .y_labels(2 * inputs.len() + 1)
            .x_label_formatter(&|v| centre_name(*v, &outputs))
            .y_label_formatter(&|v| centre_name(*v, &short))
            .x_label_style(("sans-serif", 12))
            .y_label_style(("sans-serif", 11))
            .x_desc("output")
            .draw()?;
        let font = if inputs.len() > 10 { 11 } else { 14 };
        for (y, column) in coefficients.iter().enumerate() {
            for (x, &c) in column.iter().enumerate() {
                let (colour, text) = if c.is_finite() {
                    let t = c.clamp(-1.0, 1.0);
                    let fade = |full: u8| (255.0 - (255.0 - f64::from(full)) * t.abs()) as u8;
                    let colour = if t >= 0.0 {
                        RGBColor(fade(214), fade(39), fade(40))
                    } else {
                        RGBColor(fade(31), fade(119), fade(180))
                    };
                    (colour, format!("{c:+.2}"))
                } else {
                    (RGBColor(200, 200, 200), "—".to_string())
                };
                draw_cell(&mut chart, (x, y), colour, text, BLACK, font)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use callus_sim::scenario::Phase;

    /// The width and height of a PNG's IHDR, or why it is not a PNG.
    fn png_size(bytes: &[u8]) -> Result<(u32, u32), String> {
        const SIGNATURE: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];
        if bytes.len() < 24 || bytes[..8] != SIGNATURE {
            return Err("no PNG signature".into());
        }
        // The first chunk: length 13, type IHDR, then width and height (big-endian).
        if bytes[8..12] != 13u32.to_be_bytes() || &bytes[12..16] != b"IHDR" {
            return Err("the first chunk is not IHDR".into());
        }
        let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
        Ok((be(16), be(20)))
    }

    /// Pixels of a PNG that are not white.
    fn inked_pixels(bytes: &[u8]) -> usize {
        let pixmap = tiny_skia::Pixmap::decode_png(bytes).expect("tiny-skia decodes the PNG");
        pixmap
            .pixels()
            .iter()
            .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255))
            .count()
    }

    /// A history of `days` days (a regenerate turning from granulation tissue to bone) and the
    /// forces of two steps a day, as a run of that length writes them.
    fn synthetic_run(days: u32) -> (Vec<HistoryRow>, Vec<ForceSample>) {
        let history = (0..=days)
            .map(|day| {
                let t = day as f64 / days as f64;
                HistoryRow {
                    day,
                    phase: match day {
                        0..5 => Phase::Latency,
                        d if d < days / 2 => Phase::Distraction,
                        _ => Phase::Consolidation,
                    },
                    gap_mm: 1.0 + 0.5 * day as f64,
                    callus_stiffness_n_per_mm: 10.0 * 1e3f64.powf(t),
                    stiffness_pct_intact: 100.0 * t,
                    torsional_stiffness_nmm_per_rad: None,
                    fixator_load_fraction: 1.0 - t,
                    fractions: Fractions {
                        granulation: 1.0 - t,
                        fibrous: 0.3 * t * (1.0 - t),
                        cartilage: 0.2 * t * (1.0 - t),
                        immature_bone: 0.3 * t * (1.0 - t),
                        mature_bone: t * t,
                        marrow: t - t * t - 0.8 * t * (1.0 - t),
                    },
                    peak_force_n: Some(20.0 * t),
                    residual_force_n: Some(5.0 * t),
                    step_strain: Some(0.1),
                    load_strain: Some(0.01),
                    mean_cell_concentration: t,
                    vascularised_fraction: Some(t.sqrt()),
                    avascular_width_on_axis_mm: Some(1.0 - t),
                    avascular_width_mean_mm: Some(1.0 - t),
                    bridged: t > 0.7,
                    elements: 500,
                    max_plane_element_height_mm: 0.5,
                    min_element_quality: 0.8,
                }
            })
            .collect();
        let forces = (5..days / 2)
            .flat_map(|day| (0..2).map(move |step| (day, step)))
            .flat_map(|(day, step)| {
                (0..20).map(move |k| ForceSample {
                    time_s: (day as f64 + 0.5 * step as f64) * DAY_S + 600.0 * k as f64,
                    day,
                    step,
                    force_n: 30.0 * (-(k as f64) / 5.0).exp() + day as f64,
                })
            })
            .collect();
        (history, forces)
    }

    /// Goal: every SVG plot of a run has a PNG beside it, 800 × 500, with something drawn.
    #[test]
    fn every_run_plot_has_a_png_of_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let (history, forces) = synthetic_run(60);
        run_plots(dir.path(), &history, &forces).unwrap();
        let mut stems: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        stems.sort();
        assert_eq!(
            stems,
            [
                "force",
                "stiffness",
                "tissue_fractions",
                "vascularised_fraction"
            ]
        );
        for stem in &stems {
            let png = std::fs::read(dir.path().join(format!("{stem}.png")))
                .unwrap_or_else(|e| panic!("{stem}.png: {e}"));
            assert_eq!(png_size(&png), Ok(SIZE), "{stem}.png");
            // Axes, labels and curves: well over a few thousand pixels of 400 000.
            let inked = inked_pixels(&png);
            assert!(inked > 5_000, "{stem}.png: only {inked} pixels not white");
        }
        // Nothing but the plots (no temporary file left).
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2 * stems.len()
        );
    }

    /// Goal: the text is drawn with the embedded font, whatever the system has: the labels,
    /// symbols (φ, ≥) and dashes of the plots leave ink, and as much as the same text in
    /// DejaVu Sans by name.
    #[test]
    fn text_is_drawn_with_the_embedded_font() {
        let svg = |family: &str| {
            format!(
                r#"<svg width="{}" height="{}" viewBox="0 0 {0} {1}" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="{0}" height="{1}" fill="white"/><text x="20" y="100" font-family="{family}" font-size="40" fill="black">day φ ≥ 0.6 – —</text></svg>"#,
                SIZE.0, SIZE.1
            )
        };
        let sans = inked_pixels(&rasterise(&svg("sans-serif")).unwrap());
        assert!(sans > 1_000, "only {sans} pixels of text");
        assert_eq!(sans, inked_pixels(&rasterise(&svg(FONT_FAMILY)).unwrap()));
    }
}
