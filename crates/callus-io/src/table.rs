//! Tables of a run and a sweep (history, forces, sweep rows) as named columns: built from rows of
//! plain structs, whose fields in order are the columns (flattened fields included), written as CSV
//! (`history.csv`, `forces.csv`, `sweep.csv`) and as HDF5 datasets ([`crate::results_h5`]) from
//! the same columns, so both files always agree.

use serde::Serialize;

/// The values of one column of a table (history, forces, sweep rows).
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Numbers; a missing value is NaN.
    Real(Vec<f64>),
    /// Whole numbers (days, counts, flags as 0/1).
    Integer(Vec<i64>),
    /// Text (phase, status, errors).
    Text(Vec<String>),
}

/// One named column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Name, with its unit as a suffix (`gap_mm`); see [`unit_of`].
    pub name: String,
    /// Values, one per row.
    pub values: Values,
}

/// The unit of a quantity named the callus way (unit as suffix: `gap_mm`, `force_n`,
/// `youngs_modulus_mpa`), `1` for a dimensionless one; `None` for text and unknown names.
pub fn unit_of(name: &str) -> Option<&'static str> {
    const DIMENSIONLESS: [&str; 8] = [
        "step",
        "vascularity",
        "bridged",
        "elements",
        "region",
        "phenotype",
        "stimulus",
        "min_element_quality",
    ];
    // Longer suffixes first: `_n_per_mm` before `_mm`, `_mm_per_day` before `_day`.
    const SUFFIXES: [(&str, &str); 16] = [
        ("_nmm_per_rad", "N*mm/rad"),
        ("_n_per_mm", "N/mm"),
        ("_mm_per_day", "mm/day"),
        ("_steps_per_day", "1/day"),
        ("_days_per_cm", "day/cm"),
        ("_mm4_per_ns", "mm^4/(N*s)"),
        ("_pct_intact", "%"),
        ("_mpa", "MPa"),
        ("_mm", "mm"),
        ("_n", "N"),
        ("_s", "s"),
        ("_day", "day"),
        ("_fraction", "1"),
        ("_concentration", "1"),
        ("_strain", "mm/mm"),
        ("day", "day"), // `day` itself
    ];
    if DIMENSIONLESS.contains(&name) {
        return Some("1");
    }
    SUFFIXES
        .iter()
        .find(|(suffix, _)| name.ends_with(suffix))
        .map(|&(_, unit)| unit)
}

/// The columns of `rows` (serialisable structs of numbers, options, flags and text): the fields of
/// a row in order, flattened fields in their place (serde_json keeps the order). No rows, no
/// columns.
pub fn columns_of<T: Serialize>(rows: &[T]) -> Vec<Column> {
    let objects: Vec<serde_json::Map<String, serde_json::Value>> = rows
        .iter()
        .map(|r| match serde_json::to_value(r) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => unreachable!("a table row serialises to an object"),
        })
        .collect();
    let Some(first) = objects.first() else {
        return Vec::new();
    };
    first
        .keys()
        .map(|name| {
            let cells: Vec<&serde_json::Value> = objects.iter().map(|o| &o[name]).collect();
            Column {
                name: name.clone(),
                values: values_of(&cells),
            }
        })
        .collect()
}

fn values_of(cells: &[&serde_json::Value]) -> Values {
    use serde_json::Value as V;
    let reals = || {
        Values::Real(
            cells
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect(),
        )
    };
    match cells.iter().find(|v| !v.is_null()) {
        Some(V::String(_)) => Values::Text(
            cells
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect(),
        ),
        Some(V::Bool(_)) => Values::Integer(
            cells
                .iter()
                .map(|v| i64::from(v.as_bool().unwrap_or(false)))
                .collect(),
        ),
        // Whole numbers stay whole unless one is missing (NaN needs a real).
        Some(V::Number(_)) => match cells.iter().map(|v| v.as_i64()).collect() {
            Some(whole) => Values::Integer(whole),
            None => reals(),
        },
        _ => reals(),
    }
}

/// A number as the CSV files write it: 7 significant digits, in plain notation unless the value is
/// very small or very large; NaN (a missing value) as an empty cell.
fn csv_number(v: f64) -> String {
    if v.is_nan() {
        return String::new();
    }
    let scientific = format!("{v:.6e}");
    let rounded: f64 = scientific.parse().expect("a formatted number parses");
    if rounded == 0.0 || (1e-4..1e15).contains(&rounded.abs()) {
        rounded.to_string()
    } else {
        scientific
    }
}

/// A text cell, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_text_cell(t: &str) -> String {
    if t.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t.to_string()
    }
}

/// The CSV text of `columns`: a header line of their names, then one line per row.
pub fn csv(columns: &[Column]) -> String {
    let rows = columns.first().map_or(0, |c| c.values.len());
    let mut out = columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for i in 0..rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match &c.values {
                Values::Real(v) => csv_number(v[i]),
                Values::Integer(v) => v[i].to_string(),
                Values::Text(v) => csv_text_cell(&v[i]),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

impl Values {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Values::Real(v) => v.len(),
            Values::Integer(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        day: u32,
        phase: &'static str,
        force_n: Option<f64>,
        bridged: bool,
        maybe_day: Option<u32>,
    }

    fn rows() -> [Row; 2] {
        [
            Row {
                day: 3,
                phase: "latency",
                force_n: None,
                bridged: false,
                maybe_day: Some(4),
            },
            Row {
                day: 4,
                phase: "distraction, \"late\"",
                force_n: Some(12345678.9),
                bridged: true,
                maybe_day: None,
            },
        ]
    }

    /// Goal: columns follow the struct's fields in order; a missing value is NaN, a flag 0/1.
    #[test]
    fn columns_follow_the_fields() {
        let columns = columns_of(&rows());
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["day", "phase", "force_n", "bridged", "maybe_day"]);
        assert_eq!(columns[0].values, Values::Integer(vec![3, 4]));
        assert_eq!(columns[3].values, Values::Integer(vec![0, 1]));
        let Values::Real(maybe) = &columns[4].values else {
            panic!("{:?}", columns[4])
        };
        assert!(maybe[0] == 4.0 && maybe[1].is_nan());
        assert!(columns_of::<Row>(&[]).is_empty());
    }

    /// Goal: the CSV cells: 7 significant digits, empty for missing, text quoted when needed.
    #[test]
    fn csv_cells() {
        let text = csv(&columns_of(&rows())[..4]);
        assert_eq!(
            text,
            "day,phase,force_n,bridged\n3,latency,,0\n4,\"distraction, \"\"late\"\"\",12345680,1\n"
        );
        assert_eq!(csv_number(0.78123456), "0.7812346");
        assert_eq!(csv_number(1.5e-9), "1.500000e-9");
    }
}
