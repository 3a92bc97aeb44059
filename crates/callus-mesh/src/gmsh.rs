//! Gmsh MSH import: format 4.1 (ASCII and binary) and 2.2 (ASCII).
//!
//! Physical groups become names: groups of the mesh's own dimension are **regions** (each domain
//! element must belong to exactly one), groups one dimension lower are **boundary sets** of facets
//! (with their nodes), and lower groups (points; lines in 3D) are node sets. Unnamed groups are called
//! `physical_<tag>`. 2D meshes must lie in the z = 0 plane (x = r, y = z for axisymmetry); 2D
//! elements that Gmsh wrote clockwise (a surface with a −z normal) are re-ordered counter-clockwise.
//! The mesh is validated ([`Mesh::validate`]) and must be one body ([`Mesh::check_connected`])
//! before it is returned.
//!
//! Format reference: <https://gmsh.info/doc/texinfo/gmsh.html#MSH-file-format>.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::element::{gmsh_boundary_type, gmsh_type_name};
use crate::{ElementKind, Facet, Location, Mesh, MeshError, NodeId};

/// What the reader did beyond a plain copy, for `callus mesh info` and logs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Format version and encoding, e.g. "4.1 binary".
    pub format: String,
    /// 2D elements re-ordered from clockwise to counter-clockwise.
    pub reoriented_elements: usize,
}

/// Reads a Gmsh `.msh` file (4.1 ASCII or binary, 2.2 ASCII).
pub fn read_msh(path: impl AsRef<Path>) -> Result<Mesh, MeshError> {
    read_msh_with_report(path).map(|(m, _)| m)
}

/// As [`read_msh`], also returning what the import changed.
pub fn read_msh_with_report(path: impl AsRef<Path>) -> Result<(Mesh, ImportReport), MeshError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| MeshError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_msh(&bytes, path)
}

/// Parses the bytes of an `.msh` file; `path` is used in messages only.
pub fn parse_msh(bytes: &[u8], path: &Path) -> Result<(Mesh, ImportReport), MeshError> {
    let raw = RawReader::new(bytes, path).read()?;
    let format = raw.format.clone();
    let (mesh, reoriented) = build_mesh(raw).map_err(|e| e.in_file(path))?;
    Ok((
        mesh,
        ImportReport {
            format,
            reoriented_elements: reoriented,
        },
    ))
}

/// One element as read, before it is sorted into domain or boundary.
struct RawElement {
    tag: u64,
    gmsh_type: u32,
    nodes: Vec<u64>,
    /// Physical group tags (MSH 2: the element's; MSH 4: its entity's).
    physicals: Vec<i32>,
    location: Location,
}

#[derive(Default)]
struct RawMsh {
    format: String,
    physical_names: HashMap<(usize, i32), String>,
    nodes: Vec<(u64, [f64; 3])>,
    elements: Vec<RawElement>,
}

/// A cursor over the file that knows whether it is reading text or binary, for error locations.
struct RawReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: PathBuf,
    binary: bool,
    size_t: usize,
    big_endian: bool,
    /// The file is binary: sections after $MeshFormat switch to binary for their data.
    pending_binary: bool,
    section: &'static str,
    /// A byte position and its 1-based line: line numbers are counted on from the last one asked
    /// for, not from the start of the file each time (every element records its line).
    line_mark: Cell<(usize, usize)>,
}

impl<'a> RawReader<'a> {
    fn new(bytes: &'a [u8], path: &Path) -> Self {
        RawReader {
            bytes,
            pos: 0,
            path: path.to_path_buf(),
            binary: false,
            size_t: 8,
            big_endian: false,
            pending_binary: false,
            section: "the file header",
            line_mark: Cell::new((0, 1)),
        }
    }

    fn location_at(&self, pos: usize) -> Location {
        if self.binary {
            Location::Byte(pos)
        } else {
            let upto = pos.min(self.bytes.len());
            let (from, line) = match self.line_mark.get() {
                (mark, line) if mark <= upto => (mark, line),
                _ => (0, 1),
            };
            let line = line
                + self.bytes[from..upto]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
            self.line_mark.set((upto, line));
            Location::Line(line)
        }
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> MeshError {
        MeshError::Parse {
            path: self.path.clone(),
            location: self.location_at(pos),
            message: message.into(),
        }
    }

    fn error(&self, message: impl Into<String>) -> MeshError {
        self.error_at(self.pos, message)
    }

    fn eof(&self) -> MeshError {
        self.error(format!(
            "unexpected end of file in {} (is the file truncated?)",
            self.section
        ))
    }

    fn skip_whitespace(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// Next whitespace-separated word; its start position is returned for messages.
    fn word(&mut self) -> Result<(&'a str, usize), MeshError> {
        self.skip_whitespace();
        let start = self.pos;
        while self.pos < self.bytes.len() && !self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.eof());
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .map(|s| (s, start))
            .map_err(|_| {
                self.error_at(
                    start,
                    format!("unreadable (non-text) data in {}", self.section),
                )
            })
    }

    fn parse<T: std::str::FromStr>(&mut self, what: &str) -> Result<T, MeshError> {
        let (w, at) = self.word()?;
        w.parse::<T>().map_err(|_| {
            self.error_at(
                at,
                format!("expected {what} in {}, found '{w}'", self.section),
            )
        })
    }

    fn rest_of_line(&mut self) -> &'a str {
        let start = self.pos;
        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
            self.pos += 1;
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .unwrap_or("")
            .trim()
    }

    fn expect_word(&mut self, expected: &str) -> Result<(), MeshError> {
        let (w, at) = self.word()?;
        if w != expected {
            return Err(self.error_at(
                at,
                format!(
                    "expected '{expected}' to close {}, found '{w}'",
                    self.section
                ),
            ));
        }
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], MeshError> {
        if self.pos + n > self.bytes.len() {
            return Err(self.eof());
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn bin_u64(&mut self, width: usize) -> Result<u64, MeshError> {
        let b = self.take(width)?;
        let mut v = 0u64;
        for i in 0..width {
            let byte = if self.big_endian {
                b[i]
            } else {
                b[width - 1 - i]
            };
            v = (v << 8) | byte as u64;
        }
        Ok(v)
    }

    fn bin_i32(&mut self) -> Result<i32, MeshError> {
        Ok(self.bin_u64(4)? as u32 as i32)
    }

    fn bin_size(&mut self) -> Result<u64, MeshError> {
        self.bin_u64(self.size_t)
    }

    fn bin_f64(&mut self) -> Result<f64, MeshError> {
        Ok(f64::from_bits(self.bin_u64(8)?))
    }

    /// A count of items of `numbers_each` numbers that must fit in the rest of the file (guards
    /// allocations against corrupt counts). A number takes at least 2 bytes in text ("0 "), 4 in binary.
    fn count(
        &self,
        n: u64,
        numbers_each: usize,
        at: usize,
        what: &str,
    ) -> Result<usize, MeshError> {
        let remaining = (self.bytes.len() - self.pos.min(self.bytes.len())) as u64;
        let min_bytes = if self.binary { 4 } else { 2 } * numbers_each as u64;
        if n.saturating_mul(min_bytes) > remaining {
            return Err(self.error_at(
                at,
                format!(
                    "{what} count {n} is larger than the rest of the file (truncated or corrupt)"
                ),
            ));
        }
        Ok(n as usize)
    }

    // Readers that work in either encoding.
    fn size(&mut self, what: &str) -> Result<u64, MeshError> {
        if self.binary {
            self.bin_size()
        } else {
            self.parse(what)
        }
    }
    fn int(&mut self, what: &str) -> Result<i32, MeshError> {
        if self.binary {
            self.bin_i32()
        } else {
            self.parse(what)
        }
    }
    fn real(&mut self, what: &str) -> Result<f64, MeshError> {
        if self.binary {
            self.bin_f64()
        } else {
            self.parse(what)
        }
    }

    fn read(mut self) -> Result<RawMsh, MeshError> {
        let mut raw = RawMsh::default();
        let mut version: Option<(u32, bool)> = None;
        // (dim, entity tag) → physical tags, MSH 4 only.
        let mut entities: HashMap<(usize, i32), Vec<i32>> = HashMap::new();
        loop {
            self.skip_whitespace();
            if self.pos >= self.bytes.len() {
                break;
            }
            let (name, at) = self.word()?;
            if !name.starts_with('$') {
                return Err(self.error_at(
                    at,
                    format!(
                        "expected a section such as $Nodes, found '{}'",
                        truncate(name)
                    ),
                ));
            }
            if name != "$MeshFormat" && version.is_none() {
                return Err(self.error_at(
                    at,
                    "the file does not start with $MeshFormat: is it a Gmsh .msh file?",
                ));
            }
            match name {
                "$MeshFormat" => {
                    self.section = "$MeshFormat";
                    let v = self.read_format(&mut raw)?;
                    version = Some(v);
                }
                "$PhysicalNames" => {
                    self.section = "$PhysicalNames";
                    self.read_physical_names(&mut raw)?;
                }
                "$Entities" => {
                    self.section = "$Entities";
                    self.with_encoding(|r| r.read_entities(&mut entities))?;
                }
                "$Nodes" => {
                    self.section = "$Nodes";
                    match version {
                        Some((4, _)) => self.with_encoding(|r| r.read_nodes_v4(&mut raw))?,
                        _ => self.read_nodes_v2(&mut raw)?,
                    }
                }
                "$Elements" => {
                    self.section = "$Elements";
                    match version {
                        Some((4, _)) => {
                            self.with_encoding(|r| r.read_elements_v4(&mut raw, &entities))?
                        }
                        _ => self.read_elements_v2(&mut raw)?,
                    }
                }
                other => {
                    // Sections callus does not need ($Periodic, $NodeData, ...): skip to their end.
                    let end = format!("$End{}", &other[1..]);
                    match find(&self.bytes[self.pos..], end.as_bytes()) {
                        Some(i) => self.pos += i + end.len(),
                        None => {
                            return Err(self.error_at(
                                at,
                                format!("section {other} has no {end} (truncated file?)"),
                            ))
                        }
                    }
                }
            }
        }
        if version.is_none() {
            return Err(self.error_at(0, "empty file: no $MeshFormat section"));
        }
        if raw.nodes.is_empty() {
            return Err(self.error("the file has no nodes (no $Nodes section, or it is empty)"));
        }
        if raw.elements.is_empty() {
            return Err(
                self.error("the file has no elements (no $Elements section, or it is empty)")
            );
        }
        Ok(raw)
    }

    fn read_format(&mut self, raw: &mut RawMsh) -> Result<(u32, bool), MeshError> {
        let (v, at) = self.word()?;
        let file_type: u32 = self.parse("the file type (0 ASCII, 1 binary)")?;
        self.size_t = self.parse("the data size")?;
        let major = match v {
            "4.1" => 4,
            "2.2" | "2.1" | "2" | "2.0" => 2,
            other => {
                return Err(self.error_at(
                    at,
                    format!("MSH version {other} is not supported: save the mesh as MSH 4.1 or 2.2 (Gmsh: File > Export, or -format msh41)"),
                ))
            }
        };
        if file_type == 1 {
            if major == 2 {
                return Err(self.error_at(at, "MSH 2.2 binary is not supported: save as MSH 4.1 (binary or ASCII) or MSH 2.2 ASCII"));
            }
            if self.size_t != 4 && self.size_t != 8 {
                return Err(self.error_at(at, format!("data size {} is not 4 or 8", self.size_t)));
            }
            // One newline, then the integer 1 written in the machine's byte order.
            self.skip_one_newline();
            let b = self.take(4)?;
            self.big_endian = match b {
                [1, 0, 0, 0] => false,
                [0, 0, 0, 1] => true,
                _ => {
                    return Err(
                        self.error("the binary endianness check (the integer 1) is unreadable")
                    )
                }
            };
        }
        self.expect_word("$EndMeshFormat")?;
        let binary = file_type == 1;
        raw.format = format!("{v} {}", if binary { "binary" } else { "ASCII" });
        self.binary = false;
        self.pending_binary = binary;
        Ok((major, binary))
    }

    fn skip_one_newline(&mut self) {
        if self.bytes.get(self.pos) == Some(&b'\r') {
            self.pos += 1;
        }
        if self.bytes.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
        }
    }

    /// Runs a section reader in the file's encoding, then checks the closing tag in text.
    fn with_encoding(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), MeshError>,
    ) -> Result<(), MeshError> {
        let close = match self.section {
            "$Entities" => "$EndEntities",
            "$Nodes" => "$EndNodes",
            _ => "$EndElements",
        };
        if self.pending_binary {
            self.skip_one_newline();
            self.binary = true;
        }
        let result = f(self);
        let end_pos = self.pos;
        self.binary = false;
        result?;
        self.expect_word(close).map_err(|_| {
            self.error_at(end_pos, format!("{} has more or fewer data than its header announced: '{close}' not found where expected", self.section))
        })
    }

    fn read_physical_names(&mut self, raw: &mut RawMsh) -> Result<(), MeshError> {
        let n: usize = self.parse("the number of physical names")?;
        for _ in 0..n {
            let dim: usize = self.parse("a physical group dimension")?;
            let tag: i32 = self.parse("a physical group tag")?;
            let at = self.pos;
            let name = self.rest_of_line();
            let name = name
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .ok_or_else(|| {
                    self.error_at(
                        at,
                        format!(
                            "expected a quoted physical group name, found '{}'",
                            truncate(name)
                        ),
                    )
                })?;
            raw.physical_names.insert((dim, tag), name.to_string());
        }
        self.expect_word("$EndPhysicalNames")
    }

    fn read_entities(
        &mut self,
        entities: &mut HashMap<(usize, i32), Vec<i32>>,
    ) -> Result<(), MeshError> {
        let counts = [
            self.size("the number of points")?,
            self.size("curves")?,
            self.size("surfaces")?,
            self.size("volumes")?,
        ];
        for (dim, &count) in counts.iter().enumerate() {
            let count = self.count(count, 5, self.pos, "entity")?;
            for _ in 0..count {
                let tag = self.int("an entity tag")?;
                let n_box = if dim == 0 { 3 } else { 6 };
                for _ in 0..n_box {
                    self.real("an entity bounding box coordinate")?;
                }
                let at = self.pos;
                let n_phys = self.size("the number of physical tags")?;
                let n_phys = self.count(n_phys, 1, at, "physical tag")?;
                let mut phys = Vec::with_capacity(n_phys);
                for _ in 0..n_phys {
                    // Gmsh signs a physical tag by the entity's orientation: the group is |tag|.
                    let at = self.pos;
                    let tag = self.int("a physical tag")?;
                    let group = tag.checked_abs().ok_or_else(|| {
                        self.error_at(
                            at,
                            format!("physical tag {tag} is out of range (a group tag is 1 to 2147483647)"),
                        )
                    })?;
                    phys.push(group);
                }
                if dim > 0 {
                    let at = self.pos;
                    let n_bound = self.size("the number of bounding entities")?;
                    let n_bound = self.count(n_bound, 1, at, "bounding entity")?;
                    for _ in 0..n_bound {
                        self.int("a bounding entity tag")?;
                    }
                }
                entities.insert((dim, tag), phys);
            }
        }
        Ok(())
    }

    fn read_nodes_v4(&mut self, raw: &mut RawMsh) -> Result<(), MeshError> {
        let blocks = self.size("the number of node blocks")?;
        let total = self.size("the number of nodes")?;
        self.size("the smallest node tag")?;
        self.size("the largest node tag")?;
        let total = self.count(total, 4, self.pos, "node")?;
        raw.nodes.reserve(total);
        for _ in 0..blocks {
            let _dim = self.int("an entity dimension")?;
            let _tag = self.int("an entity tag")?;
            let parametric = self.int("the parametric flag")?;
            let at = self.pos;
            let n = self.size("the number of nodes in the block")?;
            let n = self.count(n, 4, at, "node")?;
            if parametric != 0 {
                return Err(self.error_at(at, "parametric node coordinates are not supported: save without Mesh.SaveParametric"));
            }
            let start = raw.nodes.len();
            for _ in 0..n {
                let tag = self.size("a node tag")?;
                raw.nodes.push((tag, [0.0; 3]));
            }
            for node in &mut raw.nodes[start..] {
                for d in 0..3 {
                    node.1[d] = self.real("a node coordinate")?;
                }
            }
        }
        if raw.nodes.len() != total {
            return Err(self.error(format!(
                "the $Nodes header announced {total} nodes but the blocks hold {}",
                raw.nodes.len()
            )));
        }
        Ok(())
    }

    fn read_elements_v4(
        &mut self,
        raw: &mut RawMsh,
        entities: &HashMap<(usize, i32), Vec<i32>>,
    ) -> Result<(), MeshError> {
        let blocks = self.size("the number of element blocks")?;
        let total = self.size("the number of elements")?;
        self.size("the smallest element tag")?;
        self.size("the largest element tag")?;
        let total = self.count(total, 2, self.pos, "element")?;
        raw.elements.reserve(total);
        for _ in 0..blocks {
            let dim = self.int("an entity dimension")?;
            let entity = self.int("an entity tag")?;
            let at = self.pos;
            let gmsh_type = self.int("an element type")? as u32;
            let n = self.size("the number of elements in the block")?;
            let nodes_per = element_node_count(gmsh_type).ok_or_else(|| {
                self.error_at(
                    at,
                    format!(
                        "unknown Gmsh element type {gmsh_type}: {}",
                        supported_types()
                    ),
                )
            })?;
            let n = self.count(n, 1 + nodes_per, at, "element")?;
            let physicals = entities
                .get(&(dim as usize, entity))
                .cloned()
                .unwrap_or_default();
            for _ in 0..n {
                let location = self.location_at(self.pos);
                let tag = self.size("an element tag")?;
                let mut nodes = Vec::with_capacity(nodes_per);
                for _ in 0..nodes_per {
                    nodes.push(self.size("a node tag of an element")?);
                }
                raw.elements.push(RawElement {
                    tag,
                    gmsh_type,
                    nodes,
                    physicals: physicals.clone(),
                    location,
                });
            }
        }
        if raw.elements.len() != total {
            return Err(self.error(format!(
                "the $Elements header announced {total} elements but the blocks hold {}",
                raw.elements.len()
            )));
        }
        Ok(())
    }

    fn read_nodes_v2(&mut self, raw: &mut RawMsh) -> Result<(), MeshError> {
        let at = self.pos;
        let n: u64 = self.parse("the number of nodes")?;
        let n = self.count(n, 4, at, "node")?;
        raw.nodes.reserve(n);
        for _ in 0..n {
            let tag: u64 = self.parse("a node tag")?;
            let x = [
                self.parse("a node coordinate")?,
                self.parse("a node coordinate")?,
                self.parse("a node coordinate")?,
            ];
            raw.nodes.push((tag, x));
        }
        self.expect_word("$EndNodes")
    }

    fn read_elements_v2(&mut self, raw: &mut RawMsh) -> Result<(), MeshError> {
        let at = self.pos;
        let n: u64 = self.parse("the number of elements")?;
        let n = self.count(n, 4, at, "element")?;
        raw.elements.reserve(n);
        for _ in 0..n {
            self.skip_whitespace();
            let location = self.location_at(self.pos);
            let tag: u64 = self.parse("an element tag")?;
            let (w, at) = self.word()?;
            let gmsh_type: u32 = w
                .parse()
                .map_err(|_| self.error_at(at, format!("expected an element type, found '{w}'")))?;
            let nodes_per = element_node_count(gmsh_type).ok_or_else(|| {
                self.error_at(
                    at,
                    format!(
                        "unknown Gmsh element type {gmsh_type}: {}",
                        supported_types()
                    ),
                )
            })?;
            let ntags: usize = self.parse("the number of element tags")?;
            let mut physicals = Vec::new();
            for i in 0..ntags {
                let t: i32 = self.parse("an element tag")?;
                if i == 0 && t != 0 {
                    physicals.push(t);
                }
            }
            let mut nodes = Vec::with_capacity(nodes_per);
            for _ in 0..nodes_per {
                nodes.push(self.parse("a node tag of an element")?);
            }
            raw.elements.push(RawElement {
                tag,
                gmsh_type,
                nodes,
                physicals,
                location,
            });
        }
        self.expect_word("$EndElements")
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Node count of every Gmsh element type (the reader must skip types it does not use).
fn element_node_count(gmsh_type: u32) -> Option<usize> {
    Some(match gmsh_type {
        1 => 2,
        2 => 3,
        3 => 4,
        4 => 4,
        5 => 8,
        6 => 6,
        7 => 5,
        8 => 3,
        9 => 6,
        10 => 9,
        11 => 10,
        12 => 27,
        13 => 18,
        14 => 14,
        15 => 1,
        16 => 8,
        17 => 20,
        18 => 15,
        19 => 13,
        _ => return None,
    })
}

fn supported_types() -> String {
    let names: Vec<String> = ElementKind::ALL
        .iter()
        .map(|k| format!("{k} (type {})", k.gmsh_type()))
        .collect();
    format!(
        "callus takes {} as domain elements, and points and lines on boundaries",
        names.join(", ")
    )
}

/// Turns the raw file content into a validated mesh; returns it and the number of re-oriented elements.
fn build_mesh(raw: RawMsh) -> Result<(Mesh, usize), MeshError> {
    let dim_of = |e: &RawElement| -> usize {
        match ElementKind::from_gmsh_type(e.gmsh_type) {
            Some(k) => k.dim(),
            None => gmsh_boundary_type(e.gmsh_type).map_or(3, |(d, _)| d),
        }
    };
    let dim = raw.elements.iter().map(dim_of).max().unwrap_or(0);
    if dim < 2 {
        return Err(MeshError::Unsupported(format!(
            "the file holds only {dim}D elements; callus needs a 2D (surface) or 3D (volume) mesh"
        )));
    }
    let name_of = |d: usize, tag: i32| {
        raw.physical_names
            .get(&(d, tag))
            .cloned()
            .unwrap_or_else(|| format!("physical_{tag}"))
    };

    let mut mesh = Mesh::new(dim);
    let mut node_index: HashMap<u64, NodeId> = HashMap::with_capacity(raw.nodes.len());
    for &(tag, x) in &raw.nodes {
        if node_index.insert(tag, mesh.num_nodes()).is_some() {
            return Err(MeshError::Invalid(format!(
                "node tag {tag} is defined twice"
            )));
        }
        mesh.add_node_tagged(x, tag);
    }
    if dim == 2 {
        let scale = mesh.size_scale();
        if let Some((i, x)) = mesh
            .coords()
            .iter()
            .enumerate()
            .find(|(_, x)| x[2].abs() > 1e-9 * scale.max(1.0))
        {
            return Err(MeshError::Unsupported(format!(
                "this 2D mesh does not lie in the z = 0 plane (node {} has z = {}); callus reads 2D meshes as (x, y) = (r, z). \
                 Draw the geometry in the xy-plane",
                mesh.node_tags()[i],
                x[2]
            )));
        }
    }
    let lookup =
        |e: &RawElement, node_index: &HashMap<u64, NodeId>| -> Result<Vec<NodeId>, MeshError> {
            e.nodes
                .iter()
                .map(|t| {
                    node_index.get(t).copied().ok_or_else(|| {
                        MeshError::Invalid(format!(
                            "element {} ({}) refers to node {t}, which is not in $Nodes",
                            e.tag, e.location
                        ))
                    })
                })
                .collect()
        };

    // Domain elements, grouped by kind so that blocks are contiguous.
    let mut domain: Vec<&RawElement> = Vec::new();
    let mut boundary: Vec<&RawElement> = Vec::new();
    for e in &raw.elements {
        let d = dim_of(e);
        if d == dim {
            match ElementKind::from_gmsh_type(e.gmsh_type) {
                Some(_) => domain.push(e),
                None => {
                    return Err(MeshError::Unsupported(format!(
                        "element {} ({}) is a {} (Gmsh type {}), which callus does not take: {}. Re-mesh without it \
                         (Gmsh: Mesh.ElementOrder 1 or 2, no pyramids)",
                        e.tag,
                        e.location,
                        gmsh_type_name(e.gmsh_type),
                        e.gmsh_type,
                        supported_types()
                    )))
                }
            }
        } else if !e.physicals.is_empty() {
            if gmsh_boundary_type(e.gmsh_type).is_none() {
                return Err(MeshError::Unsupported(format!(
                    "boundary element {} ({}) is a {} (Gmsh type {}), which callus cannot use on a boundary",
                    e.tag,
                    e.location,
                    gmsh_type_name(e.gmsh_type),
                    e.gmsh_type
                )));
            }
            boundary.push(e);
        }
    }
    domain.sort_by_key(|e| ElementKind::from_gmsh_type(e.gmsh_type));

    let mut reoriented = 0;
    for e in domain {
        let kind = ElementKind::from_gmsh_type(e.gmsh_type).expect("domain elements have a kind");
        let region_name = match e.physicals.as_slice() {
            [one] => name_of(dim, *one),
            [] => {
                return Err(MeshError::Invalid(format!(
                    "element {} ({}) belongs to no physical group, so it has no region. Put every {dim}D entity into a \
                     named physical group (e.g. Physical Surface(\"gap\") = {{...}})",
                    e.tag, e.location
                )))
            }
            many => {
                let names: Vec<String> = many.iter().map(|&t| name_of(dim, t)).collect();
                return Err(MeshError::Invalid(format!(
                    "element {} ({}) belongs to several {dim}D physical groups ({}); a region must be unique per element",
                    e.tag,
                    e.location,
                    names.join(", ")
                )));
            }
        };
        let mut nodes = lookup(e, &node_index)?;
        if dim == 2 && is_clockwise(&mesh, kind, &nodes) {
            nodes = reverse_2d(kind, &nodes);
            reoriented += 1;
        }
        let region = mesh.region_id_or_insert(&region_name);
        mesh.add_element_tagged(kind, &nodes, region, e.tag);
    }

    // Facet lookup for boundary elements of dimension dim − 1.
    let mut facet_of: HashMap<Vec<NodeId>, Facet> = HashMap::new();
    if boundary.iter().any(|e| dim_of(e) == dim - 1) {
        for el in mesh.elements() {
            for l in 0..el.kind.facets().len() {
                facet_of.entry(el.facet_key(l)).or_insert(Facet {
                    element: el.id,
                    local: l as u8,
                });
            }
        }
    }
    let mut facet_sets: BTreeMap<String, Vec<Facet>> = BTreeMap::new();
    let mut node_sets: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
    for e in boundary {
        let d = dim_of(e);
        let nodes = lookup(e, &node_index)?;
        for &p in &e.physicals {
            let name = name_of(d, p);
            if mesh.region_id(&name).is_some() {
                return Err(MeshError::Invalid(format!(
                    "'{name}' names both a region and a boundary set; give the {d}D physical group another name"
                )));
            }
            if d == dim - 1 {
                let vertex_count = match ElementKind::from_gmsh_type(e.gmsh_type) {
                    Some(k) => k.num_vertices(),
                    None => 2, // a line
                };
                let mut key = nodes[..vertex_count].to_vec();
                key.sort_unstable();
                let facet = facet_of.get(&key).ok_or_else(|| {
                    MeshError::Invalid(format!(
                        "boundary element {} ({}) of physical group '{name}' is not a facet of any {dim}D element: the \
                         boundary mesh does not match the domain mesh (mesh them together, with shared entities)",
                        e.tag, e.location
                    ))
                })?;
                facet_sets.entry(name).or_default().push(*facet);
            } else {
                node_sets
                    .entry(name)
                    .or_default()
                    .extend(nodes.iter().copied());
            }
        }
    }
    for (name, facets) in facet_sets {
        mesh.add_facets_to_set(&name, facets);
    }
    for (name, nodes) in node_sets {
        mesh.add_nodes_to_set(&name, nodes);
    }
    mesh.validate()?;
    mesh.check_connected()?;
    Ok((mesh, reoriented))
}

/// Whether a 2D element's vertices run clockwise (every corner's Jacobian negative).
fn is_clockwise(mesh: &Mesh, kind: ElementKind, nodes: &[NodeId]) -> bool {
    let x: Vec<[f64; 3]> = nodes[..kind.num_vertices()]
        .iter()
        .map(|&n| mesh.coords()[n])
        .collect();
    crate::geometry::corner_scaled_jacobians(kind, &x)
        .iter()
        .all(|&j| j < 0.0)
}

/// The same 2D element with its orientation reversed (vertex 0 kept, mid-edge nodes following).
pub(crate) fn reverse_2d(kind: ElementKind, nodes: &[NodeId]) -> Vec<NodeId> {
    let order: &[usize] = match kind {
        ElementKind::Tri3 => &[0, 2, 1],
        ElementKind::Tri6 => &[0, 2, 1, 5, 4, 3],
        ElementKind::Quad4 => &[0, 3, 2, 1],
        ElementKind::Quad8 => &[0, 3, 2, 1, 7, 6, 5, 4],
        ElementKind::Quad9 => &[0, 3, 2, 1, 7, 6, 5, 4, 8],
        _ => unreachable!("reverse_2d takes 2D kinds"),
    };
    order.iter().map(|&i| nodes[i]).collect()
}
