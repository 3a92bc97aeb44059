//! The built-in parametric mesh of a long-bone osteotomy, axisymmetric (r, z) or revolved to 3D.
//!
//! The geometry, in the (r, z) half-plane with the gap centred on z = 0:
//!
//! ```text
//!  z ^                          r_o   r_o+t_c  r_o+t_c+t_s
//!    |  marrow  | cortex |
//!    |          |        |  periosteal_callus | soft_tissue |   <- |z| < callus_length/2
//!  0 +--- gap (whole section, r < r_o) ------+-------------+   <- growth_plane (z = 0)
//!    |          |        |                    |             |
//!    |  marrow  | cortex |
//!    +--------------------------> r
//!    axis      r_i      r_o
//! ```
//!
//! Cells form a structured grid: uniform in r within each radial band, and in z of size
//! `element_size_mm` across the gap, growing geometrically (ratio `grading`) away from it up to
//! `max_element_size_mm`. Quads are Quad4; [`crate::elevate::elevate`] makes them quadratic.
//!
//! Regions: `cortex`, `marrow`, `gap`, `periosteal_callus`, `soft_tissue` (if its thickness > 0).
//! Boundary sets: `proximal_end`, `distal_end` (bone ends, z = ∓(gap/2 + segment)),
//! `proximal_end_cortex`, `distal_end_cortex` (their cortex: where a fixator's pins hold), `axis` (r = 0;
//! facets in 2D, nodes in 3D), `periosteum` (r = r_o on the cortex), `endosteum` (r = r_i on the
//! cortex), `proximal_osteotomy` / `distal_osteotomy` (bone surfaces facing the gap),
//! `growth_plane` (z = 0, facets of the elements below), `soft_tissue_surface` (outer boundary of
//! the soft tissue, or of the callus if there is none).

use std::f64::consts::PI;

use crate::{regions, sets, ElementId, ElementKind, Facet, Mesh, MeshError, NodeId};

/// Dimensions (mm) and mesh sizes of the osteotomy model.
///
/// Defaults describe an ovine metatarsal mid-diaphysis: outer radius 10 mm, cortex 3 mm, the
/// proportions of the sheep metatarsal osteotomy models of Claes & Heigele (J Biomech 32:255, 1999)
/// and Isaksson et al. (J Biomech 39:1507, 2006) *(check: dimensions vary between animals)*; a 1 mm
/// initial osteotomy gap as in distraction protocols (the gap then grows at the distraction rate).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsteotomyGeometry {
    /// Outer radius of the cortex (mm).
    pub outer_radius_mm: f64,
    /// Cortical thickness (mm); the marrow canal radius is `outer_radius_mm - cortical_thickness_mm`.
    pub cortical_thickness_mm: f64,
    /// Initial osteotomy gap (mm).
    pub gap_mm: f64,
    /// Length of each bone segment from the osteotomy to its free end (mm).
    pub segment_length_mm: f64,
    /// Radial thickness of the periosteal callus outside the cortex (mm).
    pub callus_thickness_mm: f64,
    /// Axial length of the periosteal callus, centred on the gap (mm; at least the gap).
    pub callus_length_mm: f64,
    /// Radial thickness of soft tissue outside the callus (mm; 0 for none).
    pub soft_tissue_thickness_mm: f64,
    /// Element size at the gap, and radial size everywhere (mm).
    pub element_size_mm: f64,
    /// Largest axial element size far from the gap (mm).
    pub max_element_size_mm: f64,
    /// Growth ratio of axial element size away from the gap (≥ 1).
    pub grading: f64,
}

impl Default for OsteotomyGeometry {
    fn default() -> Self {
        OsteotomyGeometry {
            outer_radius_mm: 10.0,
            cortical_thickness_mm: 3.0,
            gap_mm: 1.0,
            segment_length_mm: 15.0,
            callus_thickness_mm: 3.0,
            callus_length_mm: 12.0,
            soft_tissue_thickness_mm: 2.0,
            element_size_mm: 0.5,
            max_element_size_mm: 2.0,
            grading: 1.2,
        }
    }
}

impl OsteotomyGeometry {
    /// The same geometry with coarser sizes, the default for 3D runs (about 10⁵ Tet10 unknowns).
    pub fn default_3d() -> Self {
        OsteotomyGeometry {
            element_size_mm: 1.0,
            max_element_size_mm: 3.0,
            grading: 1.3,
            ..Default::default()
        }
    }

    /// Inner (marrow canal) radius (mm).
    pub fn inner_radius_mm(&self) -> f64 {
        self.outer_radius_mm - self.cortical_thickness_mm
    }

    /// Checks every value, naming the first bad one.
    pub fn validate(&self) -> Result<(), MeshError> {
        let fields = [
            ("outer_radius_mm", self.outer_radius_mm),
            ("cortical_thickness_mm", self.cortical_thickness_mm),
            ("gap_mm", self.gap_mm),
            ("segment_length_mm", self.segment_length_mm),
            ("callus_thickness_mm", self.callus_thickness_mm),
            ("callus_length_mm", self.callus_length_mm),
            ("element_size_mm", self.element_size_mm),
            ("max_element_size_mm", self.max_element_size_mm),
        ];
        for (name, v) in fields {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(name, v, "must be a positive number of mm"));
            }
        }
        if !(self.soft_tissue_thickness_mm.is_finite() && self.soft_tissue_thickness_mm >= 0.0) {
            return Err(bad(
                "soft_tissue_thickness_mm",
                self.soft_tissue_thickness_mm,
                "must be 0 (none) or a positive number of mm",
            ));
        }
        if self.cortical_thickness_mm >= self.outer_radius_mm {
            return Err(bad(
                "cortical_thickness_mm",
                self.cortical_thickness_mm,
                "must be less than outer_radius_mm (the marrow canal needs a positive radius)",
            ));
        }
        if self.callus_length_mm < self.gap_mm {
            return Err(bad(
                "callus_length_mm",
                self.callus_length_mm,
                "must be at least gap_mm: the callus spans the gap",
            ));
        }
        if self.callus_length_mm > self.gap_mm + 2.0 * self.segment_length_mm {
            return Err(bad(
                "callus_length_mm",
                self.callus_length_mm,
                "must not exceed gap_mm + 2 × segment_length_mm",
            ));
        }
        if !(self.grading.is_finite() && self.grading >= 1.0) {
            return Err(bad(
                "grading",
                self.grading,
                "must be ≥ 1 (element size grows away from the gap)",
            ));
        }
        if self.max_element_size_mm < self.element_size_mm {
            return Err(bad(
                "max_element_size_mm",
                self.max_element_size_mm,
                "must be at least element_size_mm",
            ));
        }
        let cells =
            (self.outer_radius_mm + self.callus_thickness_mm + self.soft_tissue_thickness_mm)
                / self.element_size_mm;
        if cells > 2000.0 {
            return Err(bad(
                "element_size_mm",
                self.element_size_mm,
                "is so small that the mesh would have more than 2000 cells across",
            ));
        }
        Ok(())
    }
}

fn bad(name: &str, value: f64, why: &str) -> MeshError {
    MeshError::Invalid(format!("geometry: {name} = {value} {why}"))
}

/// Which 3D elements the revolved mesh is made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SolidElements {
    /// Tet4, six per grid cell (Kuhn subdivision, conforming), three next to the axis. Elevate to Tet10.
    #[default]
    Tet,
    /// Hex8, with Wedge6 next to the axis.
    Hex,
}

/// Options of the 3D (revolved) mesh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revolution {
    /// Number of segments around the full circle (≥ 3).
    pub segments: usize,
    /// Element kind.
    pub elements: SolidElements,
}

impl Default for Revolution {
    fn default() -> Self {
        Revolution {
            segments: 16,
            elements: SolidElements::Tet,
        }
    }
}

/// Breakpoints from `a` to `b` (excluding `a`, including `b`) with sizes starting at `h0` and growing
/// by `q` up to `hmax`, scaled to end exactly at `b`. Returns them and the last size.
fn graded(a: f64, b: f64, h0: f64, q: f64, hmax: f64) -> (Vec<f64>, f64) {
    let len = b - a;
    if len <= 0.0 {
        return (Vec::new(), h0);
    }
    let mut sizes = Vec::new();
    let (mut total, mut h) = (0.0, h0);
    while total < len * (1.0 - 1e-9) {
        // Make the last cell fit rather than overshoot by more than half a cell.
        if total + h > len && (total + h - len) > 0.5 * h && !sizes.is_empty() {
            break;
        }
        sizes.push(h);
        total += h;
        h = (h * q).min(hmax);
    }
    let scale = len / total;
    let mut z = a;
    let points = sizes
        .iter()
        .map(|s| {
            z += s * scale;
            z
        })
        .collect::<Vec<_>>();
    let mut points = points;
    *points.last_mut().unwrap() = b;
    (points, sizes.last().copied().unwrap_or(h0) * scale)
}

/// Uniform breakpoints on [a, b] with at most size `h` (excluding `a`).
fn uniform(a: f64, b: f64, h: f64) -> Vec<f64> {
    let n = ((b - a) / h - 1e-9).ceil().max(1.0) as usize;
    (1..=n)
        .map(|i| {
            if i == n {
                b
            } else {
                a + (b - a) * i as f64 / n as f64
            }
        })
        .collect()
}

/// The structured grid of the (r, z) half-plane and the region of each cell.
struct Grid {
    r: Vec<f64>,
    z: Vec<f64>,
    /// Region name per cell (i radial, j axial), `None` where there is no tissue.
    cell: Vec<Option<&'static str>>,
}

impl Grid {
    fn new(g: &OsteotomyGeometry) -> Grid {
        let (ri, ro) = (g.inner_radius_mm(), g.outer_radius_mm);
        let h = g.element_size_mm;
        let mut r = vec![0.0];
        r.extend(uniform(0.0, ri, h));
        r.extend(uniform(ri, ro, h));
        let rc = ro + g.callus_thickness_mm;
        r.extend(uniform(ro, rc, h));
        if g.soft_tissue_thickness_mm > 0.0 {
            r.extend(uniform(rc, rc + g.soft_tissue_thickness_mm, h));
        }

        let half_gap = 0.5 * g.gap_mm;
        let half_callus = 0.5 * g.callus_length_mm;
        let end = half_gap + g.segment_length_mm;
        let mut upper = uniform(0.0, half_gap, h);
        let (to_callus, h_last) =
            graded(half_gap, half_callus, h, g.grading, g.max_element_size_mm);
        upper.extend(to_callus);
        let h_next = if half_callus > half_gap {
            (h_last * g.grading).min(g.max_element_size_mm)
        } else {
            h
        };
        upper.extend(graded(half_callus, end, h_next, g.grading, g.max_element_size_mm).0);
        let mut z: Vec<f64> = upper.iter().rev().map(|&v| -v).collect();
        z.push(0.0);
        z.extend(upper);

        let (nr, nz) = (r.len() - 1, z.len() - 1);
        let mut cell = vec![None; nr * nz];
        for j in 0..nz {
            let zc = 0.5 * (z[j] + z[j + 1]).abs();
            for i in 0..nr {
                let rc_cell = 0.5 * (r[i] + r[i + 1]);
                let in_gap = zc < half_gap;
                let in_callus = zc < half_callus;
                cell[j * nr + i] = if rc_cell < ri {
                    Some(if in_gap {
                        regions::GAP
                    } else {
                        regions::MARROW
                    })
                } else if rc_cell < ro {
                    Some(if in_gap {
                        regions::GAP
                    } else {
                        regions::CORTEX
                    })
                } else if rc_cell < rc {
                    in_callus.then_some(regions::PERIOSTEAL_CALLUS)
                } else {
                    in_callus.then_some(regions::SOFT_TISSUE)
                };
            }
        }
        Grid { r, z, cell }
    }

    fn nr(&self) -> usize {
        self.r.len() - 1
    }
    fn nz(&self) -> usize {
        self.z.len() - 1
    }
    fn region(&self, i: usize, j: usize) -> Option<&'static str> {
        self.cell[j * self.nr() + i]
    }
}

/// The axisymmetric (r, z) mesh of Quad4 elements, with all regions and boundary sets.
pub fn axisymmetric(g: &OsteotomyGeometry) -> Result<Mesh, MeshError> {
    g.validate()?;
    let grid = Grid::new(g);
    let mut mesh = Mesh::new(2);
    let mut node = vec![None; (grid.nr() + 1) * (grid.nz() + 1)];
    let mut node_at = |mesh: &mut Mesh, i: usize, j: usize| -> NodeId {
        *node[j * (grid.nr() + 1) + i]
            .get_or_insert_with(|| mesh.add_node([grid.r[i], grid.z[j], 0.0]))
    };
    for j in 0..grid.nz() {
        for i in 0..grid.nr() {
            if let Some(name) = grid.region(i, j) {
                let region = mesh.region_id_or_insert(name);
                let quad = [
                    node_at(&mut mesh, i, j),
                    node_at(&mut mesh, i + 1, j),
                    node_at(&mut mesh, i + 1, j + 1),
                    node_at(&mut mesh, i, j + 1),
                ];
                mesh.add_element(ElementKind::Quad4, &quad, region);
            }
        }
    }
    tag_osteotomy_sets(&mut mesh, g);
    mesh.validate()?;
    Ok(mesh)
}

/// The 3D mesh: the axisymmetric grid revolved about the z axis (full circle).
pub fn revolved(g: &OsteotomyGeometry, rev: Revolution) -> Result<Mesh, MeshError> {
    g.validate()?;
    if rev.segments < 3 {
        return Err(MeshError::Invalid(format!(
            "revolution: segments = {} must be at least 3",
            rev.segments
        )));
    }
    let grid = Grid::new(g);
    let n = rev.segments;
    let mut mesh = Mesh::new(3);
    // Node ids per (i, j, k); nodes on the axis (i = 0) are shared by all k.
    let mut node = vec![None; (grid.nr() + 1) * (grid.nz() + 1) * n];
    let mut node_at = |mesh: &mut Mesh, i: usize, j: usize, k: usize| -> NodeId {
        let k = if i == 0 { 0 } else { k % n };
        *node[(j * (grid.nr() + 1) + i) * n + k].get_or_insert_with(|| {
            let (r, th) = (grid.r[i], 2.0 * PI * k as f64 / n as f64);
            mesh.add_node([r * th.cos(), r * th.sin(), grid.z[j]])
        })
    };
    for j in 0..grid.nz() {
        for i in 0..grid.nr() {
            let Some(name) = grid.region(i, j) else {
                continue;
            };
            let region = mesh.region_id_or_insert(name);
            for k in 0..n {
                // Cube vertex (ξ, η, ζ) ∈ {0,1}³ → node: ξ along r, η along θ, ζ along z.
                let mut v = [0; 8];
                for (c, slot) in v.iter_mut().enumerate() {
                    let (dx, dy, dz) = (c & 1, (c >> 1) & 1, (c >> 2) & 1);
                    *slot = node_at(&mut mesh, i + dx, j + dz, k + dy);
                }
                push_cell(&mut mesh, v, rev.elements, i == 0, region);
            }
        }
    }
    tag_osteotomy_sets(&mut mesh, g);
    let axis: Vec<NodeId> = (0..mesh.num_nodes())
        .filter(|&v| cylindrical(mesh.coords()[v]).0 == 0.0)
        .collect();
    mesh.add_nodes_to_set(sets::AXIS, axis);
    mesh.validate()?;
    Ok(mesh)
}

/// Adds the elements of one grid cell with corner nodes `v[ξ + 2η + 4ζ]`: a hexahedron, a wedge if
/// the ξ = 0 face is collapsed onto an axis, or six Kuhn tetrahedra (three if collapsed). Kuhn: one
/// tet per path (0,0,0) → (1,1,1) along the axes in each order; every cube face is cut along the
/// same diagonal from both sides, so neighbouring cells conform.
fn push_cell(
    mesh: &mut Mesh,
    v: [NodeId; 8],
    elements: SolidElements,
    collapsed: bool,
    region: usize,
) {
    let cube = |x: usize, y: usize, z: usize| v[x | (y << 1) | (z << 2)];
    match elements {
        SolidElements::Hex if collapsed => {
            let wedge = [
                cube(0, 0, 0),
                cube(1, 0, 0),
                cube(1, 1, 0),
                cube(0, 0, 1),
                cube(1, 0, 1),
                cube(1, 1, 1),
            ];
            mesh.add_element(ElementKind::Wedge6, &wedge, region);
        }
        SolidElements::Hex => {
            let hex = [
                cube(0, 0, 0),
                cube(1, 0, 0),
                cube(1, 1, 0),
                cube(0, 1, 0),
                cube(0, 0, 1),
                cube(1, 0, 1),
                cube(1, 1, 1),
                cube(0, 1, 1),
            ];
            mesh.add_element(ElementKind::Hex8, &hex, region);
        }
        SolidElements::Tet => {
            for perm in [
                [0, 1, 2],
                [0, 2, 1],
                [1, 0, 2],
                [1, 2, 0],
                [2, 0, 1],
                [2, 1, 0],
            ] {
                let mut p = [0usize; 3];
                let mut tet = [cube(0, 0, 0); 4];
                for (s, &axis) in perm.iter().enumerate() {
                    p[axis] = 1;
                    tet[s + 1] = cube(p[0], p[1], p[2]);
                }
                if tet
                    .iter()
                    .enumerate()
                    .any(|(a, x)| tet[a + 1..].contains(x))
                {
                    continue; // collapsed on the axis
                }
                if tet_volume(mesh, &tet) < 0.0 {
                    tet.swap(2, 3);
                }
                mesh.add_element(ElementKind::Tet4, &tet, region);
            }
        }
    }
}

/// A rectangle [x0, x1] × [y0, y1] of `nx` × `ny` Quad4 (mm), region `domain`, for verification
/// problems; facet sets `left` (x = x0), `right`, `bottom` (y = y0), `top`.
pub fn rectangle(x: [f64; 2], y: [f64; 2], nx: usize, ny: usize) -> Result<Mesh, MeshError> {
    if nx == 0 || ny == 0 || !increasing(x) || !increasing(y) {
        return Err(MeshError::Invalid(format!("rectangle: need x0 < x1, y0 < y1 and at least one cell each way, got {x:?} × {y:?}, {nx} × {ny}")));
    }
    let mut mesh = Mesh::new(2);
    let region = mesh.region_id_or_insert("domain");
    let id = |i: usize, j: usize| j * (nx + 1) + i;
    for j in 0..=ny {
        for i in 0..=nx {
            mesh.add_node([
                x[0] + (x[1] - x[0]) * i as f64 / nx as f64,
                y[0] + (y[1] - y[0]) * j as f64 / ny as f64,
                0.0,
            ]);
        }
    }
    for j in 0..ny {
        for i in 0..nx {
            mesh.add_element(
                ElementKind::Quad4,
                &[id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j + 1)],
                region,
            );
        }
    }
    tag_box_sets(&mut mesh, [x, y, [0.0, 0.0]]);
    mesh.validate()?;
    Ok(mesh)
}

/// A brick [x0, x1] × [y0, y1] × [z0, z1] of `n[0]` × `n[1]` × `n[2]` cells (mm), as Hex8 or Kuhn
/// Tet4, region `domain`; facet sets `left`/`right` (x), `front`/`back` (y), `bottom`/`top` (z).
pub fn brick(
    x: [f64; 2],
    y: [f64; 2],
    z: [f64; 2],
    n: [usize; 3],
    elements: SolidElements,
) -> Result<Mesh, MeshError> {
    if n.contains(&0) || !(increasing(x) && increasing(y) && increasing(z)) {
        return Err(MeshError::Invalid(format!("brick: need increasing bounds and at least one cell each way, got {x:?} × {y:?} × {z:?}, {n:?}")));
    }
    let mut mesh = Mesh::new(3);
    let region = mesh.region_id_or_insert("domain");
    let id = |i: usize, j: usize, k: usize| (k * (n[1] + 1) + j) * (n[0] + 1) + i;
    let at = |b: [f64; 2], i: usize, m: usize| b[0] + (b[1] - b[0]) * i as f64 / m as f64;
    for k in 0..=n[2] {
        for j in 0..=n[1] {
            for i in 0..=n[0] {
                mesh.add_node([at(x, i, n[0]), at(y, j, n[1]), at(z, k, n[2])]);
            }
        }
    }
    for k in 0..n[2] {
        for j in 0..n[1] {
            for i in 0..n[0] {
                let mut v = [0; 8];
                for (c, slot) in v.iter_mut().enumerate() {
                    *slot = id(i + (c & 1), j + ((c >> 1) & 1), k + ((c >> 2) & 1));
                }
                push_cell(&mut mesh, v, elements, false, region);
            }
        }
    }
    tag_box_sets(&mut mesh, [x, y, z]);
    mesh.validate()?;
    Ok(mesh)
}

/// Whether b[0] < b[1] (false if either is NaN).
fn increasing(b: [f64; 2]) -> bool {
    b[0] < b[1]
}

/// Facet sets on the faces of an axis-aligned box.
fn tag_box_sets(mesh: &mut Mesh, b: [[f64; 2]; 3]) {
    let names: [[&str; 2]; 3] = if mesh.dim() == 2 {
        [["left", "right"], ["bottom", "top"], ["", ""]]
    } else {
        [["left", "right"], ["front", "back"], ["bottom", "top"]]
    };
    let exterior = exterior_facets(mesh);
    for d in 0..mesh.dim() {
        for side in 0..2 {
            let tol = 1e-9 * (b[d][1] - b[d][0]);
            let facets: Vec<Facet> = exterior
                .iter()
                .copied()
                .filter(|&f| {
                    mesh.facet_nodes(f)
                        .iter()
                        .all(|&v| (mesh.coords()[v][d] - b[d][side]).abs() < tol)
                })
                .collect();
            mesh.add_facets_to_set(names[d][side], facets);
        }
    }
}

fn tet_volume(mesh: &Mesh, t: &[NodeId; 4]) -> f64 {
    let x = |i: usize| mesh.coords()[t[i]];
    let d = |i: usize| [x(i)[0] - x(0)[0], x(i)[1] - x(0)[1], x(i)[2] - x(0)[2]];
    let (a, b, c) = (d(1), d(2), d(3));
    a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
        + a[2] * (b[0] * c[1] - b[1] * c[0])
}

/// (r, z) of a point: (x, y) in 2D (z = 0 there), (√(x² + y²), z) in 3D.
fn cylindrical(x: [f64; 3]) -> (f64, f64) {
    (x[0].hypot(x[1]), x[2])
}

/// What a set predicate sees of one facet.
struct FacetView<'a> {
    /// (r, z) of each vertex.
    rz: &'a [(f64, f64)],
    /// Owner element's region name.
    region: &'a str,
    /// Owner element's centroid z.
    owner_z: f64,
    /// Whether no other element shares the facet.
    exterior: bool,
}

/// Adds to set `name` every facet that `keep` accepts.
fn tag_facets(mesh: &mut Mesh, name: &str, exterior: &[Facet], keep: impl Fn(&FacetView) -> bool) {
    let is_2d = mesh.dim() == 2;
    let mut chosen = Vec::new();
    for e in mesh.elements() {
        let owner = mesh.element_centroid(e.id);
        let owner_z = if is_2d { owner[1] } else { owner[2] };
        for (l, f) in e.kind.facets().iter().enumerate() {
            let rz: Vec<(f64, f64)> = f
                .vertices
                .iter()
                .map(|&v| {
                    let x = mesh.coords()[e.nodes[v]];
                    if is_2d {
                        (x[0], x[1])
                    } else {
                        cylindrical(x)
                    }
                })
                .collect();
            let facet = Facet {
                element: e.id,
                local: l as u8,
            };
            let view = FacetView {
                rz: &rz,
                region: &mesh.region_names()[e.region],
                owner_z,
                exterior: exterior.binary_search(&facet).is_ok(),
            };
            if keep(&view) {
                chosen.push(facet);
            }
        }
    }
    mesh.add_facets_to_set(name, chosen);
}

/// The element across each local facet of each element (`None` on the mesh boundary), by facet
/// key ([`crate::ElementRef::facet_key`]).
pub fn facet_neighbours(mesh: &Mesh) -> Vec<Vec<Option<ElementId>>> {
    let mut owner: std::collections::HashMap<Vec<NodeId>, (ElementId, usize)> =
        std::collections::HashMap::new();
    let mut out: Vec<Vec<Option<ElementId>>> = mesh
        .elements()
        .map(|e| vec![None; e.kind.facets().len()])
        .collect();
    for e in mesh.elements() {
        for l in 0..e.kind.facets().len() {
            if let Some((f, m)) = owner.insert(e.facet_key(l), (e.id, l)) {
                out[e.id][l] = Some(f);
                out[f][m] = Some(e.id);
            }
        }
    }
    out
}

/// Facets that belong to one element only (the mesh boundary), sorted.
pub fn exterior_facets(mesh: &Mesh) -> Vec<Facet> {
    facet_neighbours(mesh)
        .into_iter()
        .enumerate()
        .flat_map(|(element, across)| {
            across
                .into_iter()
                .enumerate()
                .filter(|(_, n)| n.is_none())
                .map(move |(local, _)| Facet {
                    element,
                    local: local as u8,
                })
        })
        .collect()
}

fn tag_osteotomy_sets(mesh: &mut Mesh, g: &OsteotomyGeometry) {
    let tol = 1e-9 * (g.outer_radius_mm + g.segment_length_mm);
    let (ri, ro) = (g.inner_radius_mm(), g.outer_radius_mm);
    let end = 0.5 * g.gap_mm + g.segment_length_mm;
    let half_gap = 0.5 * g.gap_mm;
    let at_r = move |f: &FacetView, r: f64| f.rz.iter().all(|p| (p.0 - r).abs() < tol);
    let at_z = move |f: &FacetView, z: f64| f.rz.iter().all(|p| (p.1 - z).abs() < tol);
    let bone = |f: &FacetView| f.region == regions::CORTEX || f.region == regions::MARROW;
    let exterior = exterior_facets(mesh);
    let surface_region = if g.soft_tissue_thickness_mm > 0.0 {
        regions::SOFT_TISSUE
    } else {
        regions::PERIOSTEAL_CALLUS
    };

    tag_facets(mesh, sets::PROXIMAL_END, &exterior, |f| at_z(f, -end));
    tag_facets(mesh, sets::DISTAL_END, &exterior, |f| at_z(f, end));
    tag_facets(mesh, sets::PROXIMAL_END_CORTEX, &exterior, |f| {
        at_z(f, -end) && f.region == regions::CORTEX
    });
    tag_facets(mesh, sets::DISTAL_END_CORTEX, &exterior, |f| {
        at_z(f, end) && f.region == regions::CORTEX
    });
    tag_facets(mesh, sets::PERIOSTEUM, &exterior, |f| {
        at_r(f, ro) && f.region == regions::CORTEX
    });
    tag_facets(mesh, sets::ENDOSTEUM, &exterior, |f| {
        at_r(f, ri) && f.region == regions::CORTEX
    });
    tag_facets(mesh, sets::PROXIMAL_OSTEOTOMY, &exterior, |f| {
        at_z(f, -half_gap) && bone(f)
    });
    tag_facets(mesh, sets::DISTAL_OSTEOTOMY, &exterior, |f| {
        at_z(f, half_gap) && bone(f)
    });
    tag_facets(mesh, sets::GROWTH_PLANE, &exterior, |f| {
        at_z(f, 0.0) && f.owner_z < 0.0
    });
    tag_facets(mesh, sets::SOFT_TISSUE_SURFACE, &exterior, |f| {
        f.exterior && f.region == surface_region && f.rz.iter().all(|p| p.0 > ro + tol)
    });
    if mesh.dim() == 2 {
        tag_facets(mesh, sets::AXIS, &exterior, |f| at_r(f, 0.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graded_spacing_starts_small_and_ends_exactly() {
        let (p, _) = graded(0.5, 6.0, 0.5, 1.2, 2.0);
        assert_eq!(*p.last().unwrap(), 6.0);
        let sizes: Vec<f64> = std::iter::once(0.5)
            .chain(p.iter().copied())
            .collect::<Vec<_>>()
            .windows(2)
            .map(|w| w[1] - w[0])
            .collect();
        assert!(sizes.windows(2).all(|w| w[1] >= w[0] - 1e-12), "{sizes:?}");
        assert!(sizes[0] < 0.6 && sizes[0] > 0.4);
    }
}
