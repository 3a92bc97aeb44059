//! Named fields on a mesh, for output: one value (or vector) per element or per node.

use std::borrow::Cow;

/// Values of one field: scalars or vectors, per cell (element) or per point (node), borrowed from
/// the state that holds them or computed for the output.
#[derive(Clone, Debug, PartialEq)]
pub struct Field<'a> {
    /// Name (shown in ParaView; the unit is its suffix, e.g. `pore_pressure_mpa`).
    pub name: Cow<'a, str>,
    /// Components per entry (1 for a scalar, 3 for a vector).
    pub components: usize,
    /// `components` values per cell or point, in mesh order.
    pub values: Cow<'a, [f64]>,
}

impl<'a> Field<'a> {
    /// A field of values held elsewhere.
    pub fn borrowed(name: &'a str, components: usize, values: &'a [f64]) -> Field<'a> {
        Field {
            name: Cow::Borrowed(name),
            components,
            values: Cow::Borrowed(values),
        }
    }

    /// A field of values computed for it.
    pub fn owned(name: impl Into<String>, components: usize, values: Vec<f64>) -> Field<'a> {
        Field {
            name: Cow::Owned(name.into()),
            components,
            values: Cow::Owned(values),
        }
    }
}
