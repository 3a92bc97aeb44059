//! The model a scenario describes, checked against its mesh before any work: the reference mesh
//! (quadratic, for Taylor–Hood), the role of every element (regenerate tissue, or a fixed catalogue
//! tissue) and the tissue catalogue.

use callus_bio::tissue::TissueCatalogue;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{self, Revolution};
use callus_mesh::{Mesh, RegionId};

use crate::scenario::{IdealisationChoice, LoadPath, Loading, Scenario, ScenarioError};
use crate::SimError;

/// The mesh and tissues of a run.
pub struct Model {
    /// The mesh as built (quadratic), before any distraction.
    pub mesh: Mesh,
    /// For each element: `None` for regenerate, or its fixed catalogue tissue.
    pub fixed: Vec<Option<String>>,
    /// The tissue catalogue.
    pub catalogue: TissueCatalogue,
    /// Regions rezoned after a layer insertion or a step that leaves an element poor
    /// (`numerics.rezone_regions`).
    pub rezoned: Vec<RegionId>,
}

fn mismatch(file: &str, key: &str, value: &str, why: String) -> SimError {
    SimError::Scenario(ScenarioError::Value {
        file: file.to_string(),
        key: key.to_string(),
        value: value.to_string(),
        why,
    })
}

impl Model {
    /// Builds the mesh (generator or Gmsh file, elevated to quadratic if linear) and checks that
    /// every set and region the scenario names exists, and that every region has a role. `file`
    /// names the scenario in messages.
    pub fn build(s: &Scenario, file: &str) -> Result<Model, SimError> {
        let linear = match &s.geometry.mesh_file {
            Some(path) => callus_mesh::gmsh::read_msh(path)?,
            None => match s.geometry.idealisation {
                IdealisationChoice::Axisymmetric => generate::axisymmetric(&s.geometry.osteotomy)?,
                IdealisationChoice::ThreeD => {
                    generate::revolved(&s.geometry.osteotomy, Revolution::default())?
                }
            },
        };
        let dim = match s.geometry.idealisation {
            IdealisationChoice::Axisymmetric => 2,
            IdealisationChoice::ThreeD => 3,
        };
        if linear.dim() != dim {
            let (fits, mesh_for_it) = match linear.dim() {
                2 => ("\"axisymmetric\" for this 2D (r, z) mesh", "a 3D mesh"),
                _ => ("\"3d\" for this 3D mesh", "a 2D (r, z) mesh"),
            };
            return Err(mismatch(
                file,
                "geometry.idealisation",
                s.geometry.idealisation.name(),
                format!(
                    "the mesh is {}D: set geometry.idealisation = {fits}, or give {mesh_for_it}",
                    linear.dim()
                ),
            ));
        }
        let mesh = if linear.kind_counts().iter().all(|(k, _)| k.is_quadratic()) {
            linear
        } else {
            elevate(&linear, QuadraticQuad::Quad9)?
        };
        let b = &s.boundary;
        let mut sets: Vec<(&str, &str)> = vec![
            ("boundary.fixed_set", &b.fixed_set),
            ("boundary.moving_set", &b.moving_set),
            ("boundary.growth_plane", &b.growth_plane),
            ("boundary.proximal_bone_surface", &b.proximal_bone_surface),
            ("boundary.distal_bone_surface", &b.distal_bone_surface),
        ];
        // The pins' set matters only when a load cycle goes through it.
        if s.fixator.load_path == LoadPath::Pins && s.loading != Loading::None {
            sets.push(("boundary.pinned_set", &b.pinned_set));
        }
        sets.extend(
            b.drained_sets
                .iter()
                .map(|n| ("boundary.drained_sets", n.as_str())),
        );
        sets.extend(
            s.cells
                .source_sets
                .iter()
                .map(|n| ("cells.source_sets", n.as_str())),
        );
        let known_sets = || mesh.sets().keys().cloned().collect::<Vec<_>>().join(", ");
        for (key, name) in sets {
            if mesh.set(name).is_err() {
                return Err(mismatch(
                    file,
                    key,
                    name,
                    format!(
                        "the mesh has no boundary set of that name; it has: {}",
                        known_sets()
                    ),
                ));
            }
        }
        let catalogue = s.tissue_catalogue(file)?;
        let t = &s.tissues;
        let known_regions = mesh.region_names().join(", ");
        // The vascularity's regions matter only when it is on.
        let v = &s.vascularity;
        let none = Vec::new();
        let (vascular, soft_tissue, marrow) = if v.enabled {
            (
                &v.vascular_regions,
                &v.soft_tissue_regions,
                &v.marrow_regions,
            )
        } else {
            (&none, &none, &none)
        };
        let named = [
            ("tissues.regenerate_regions", &t.regenerate_regions),
            ("cells.source_regions", &s.cells.source_regions),
            ("numerics.rezone_regions", &s.numerics.rezone_regions),
            ("vascularity.vascular_regions", vascular),
            ("vascularity.soft_tissue_regions", soft_tissue),
            ("vascularity.marrow_regions", marrow),
        ];
        for (key, name) in named
            .iter()
            .flat_map(|(key, names)| names.iter().map(move |n| (*key, n)))
        {
            if mesh.region_id(name).is_none() {
                return Err(mismatch(
                    file,
                    key,
                    name,
                    format!("the mesh has no region of that name; it has: {known_regions}"),
                ));
            }
        }
        for (region, tissue) in &t.fixed_regions {
            if let Err(e) = catalogue.get(tissue) {
                return Err(mismatch(
                    file,
                    &format!("tissues.fixed_regions.{region}"),
                    tissue,
                    e.to_string(),
                ));
            }
        }
        let mut role = Vec::with_capacity(mesh.region_names().len());
        for name in mesh.region_names() {
            let regenerate = t.regenerate_regions.contains(name);
            role.push(match (regenerate, t.fixed_regions.get(name)) {
                (true, None) => None,
                (false, Some(tissue)) => Some(tissue.clone()),
                (true, Some(_)) => {
                    return Err(mismatch(
                        file,
                        &format!("tissues.fixed_regions.{name}"),
                        name,
                        "the region is also in tissues.regenerate_regions; give it one role".into(),
                    ))
                }
                (false, None) => {
                    return Err(mismatch(
                        file,
                        "tissues.regenerate_regions",
                        name,
                        format!("mesh region '{name}' has no role: add it to tissues.regenerate_regions or give it a tissue in [tissues.fixed_regions]"),
                    ))
                }
            });
        }
        if role.iter().all(Option::is_some) {
            return Err(mismatch(
                file,
                "tissues.regenerate_regions",
                "[]",
                "no region of the mesh is regenerate".into(),
            ));
        }
        let fixed = mesh.elements().map(|e| role[e.region].clone()).collect();
        let rezoned = s
            .numerics
            .rezone_regions
            .iter()
            .filter_map(|name| mesh.region_id(name))
            .collect();
        Ok(Model {
            mesh,
            fixed,
            catalogue,
            rezoned,
        })
    }
}
