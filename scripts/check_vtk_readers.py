#!/usr/bin/env python3
"""Opens callus's .vtu output with VTK's own reader (vtkXMLUnstructuredGridReader) and checks it.

    scripts/check_vtk_readers.py path/to/callus

It writes meshes with the given callus binary into a temporary folder and checks, for each one, what
a ParaView user relies on: VTK reads it without error; the point and cell counts are those callus
reported; every connectivity index is in range (VTK does not check); the cell types are the expected
ones; the `region` cell array and the `region_names` field data are there; and VTK's own cell sizes
add up to the known area or volume (so quadratic cells are in VTK's node order, or their sizes
would be wrong). Exits non-zero on the first failure.
"""
import math
import os
import re
import subprocess
import sys
import tempfile

import vtk

# The built-in geometry (crates/callus-mesh/src/generate.rs defaults): total area of the (r, z)
# section and volume of the solid of revolution, mm² and mm³.
RO, RI, GAP, SEG, CTH, CL, ST = 10.0, 7.0, 1.0, 15.0, 3.0, 12.0, 2.0
AREA_2D = RO * (2 * SEG + GAP) + (CTH + ST) * CL
VOLUME_3D = math.pi * RO**2 * (2 * SEG + GAP) + math.pi * ((RO + CTH + ST) ** 2 - RO**2) * CL

VTK_NAMES = {5: "triangle", 9: "quad", 10: "tetra", 12: "hexahedron", 13: "wedge", 22: "quadratic triangle",
             23: "quadratic quad", 24: "quadratic tetra", 28: "biquadratic quad"}


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(callus, *args):
    out = subprocess.run([callus, *args], capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"callus {' '.join(args)}: {out.stderr}")
    m = re.search(r"(\d+) nodes, (.*)\)", out.stdout)
    nodes = int(m.group(1))
    cells = sum(int(part.split()[0]) for part in m.group(2).split(" + "))
    return nodes, cells


def read(path):
    errors = vtk.vtkStringOutputWindow()
    vtk.vtkOutputWindow.SetInstance(errors)
    reader = vtk.vtkXMLUnstructuredGridReader()
    reader.SetFileName(path)
    reader.Update()
    if reader.GetErrorCode() != 0 or "ERROR" in errors.GetOutput():
        fail(f"{path}: VTK reported: {errors.GetOutput()}")
    return reader.GetOutput()


def total_size(grid, dim):
    sizes = vtk.vtkCellSizeFilter()
    sizes.SetInputData(grid)
    sizes.Update()
    name = "Area" if dim == 2 else "Volume"
    arr = sizes.GetOutput().GetCellData().GetArray(name)
    values = [arr.GetValue(i) for i in range(arr.GetNumberOfTuples())]
    if min(values) <= 0:
        fail(f"a cell has non-positive {name.lower()} {min(values)} in VTK's eyes: wrong node order")
    return sum(values)


def check(path, nodes, cells, types, dim, expected_size, size_tol):
    g = read(path)
    if g.GetNumberOfPoints() != nodes or g.GetNumberOfCells() != cells:
        fail(f"{path}: VTK sees {g.GetNumberOfPoints()} points / {g.GetNumberOfCells()} cells, callus wrote {nodes} / {cells}")
    conn = g.GetCells().GetConnectivityArray()
    top = max(conn.GetValue(i) for i in range(conn.GetNumberOfTuples()))
    if top >= nodes or min(conn.GetValue(i) for i in range(conn.GetNumberOfTuples())) < 0:
        fail(f"{path}: connectivity index {top} out of range for {nodes} points")
    seen = {g.GetCellType(i) for i in range(cells)}
    if seen != set(types):
        fail(f"{path}: cell types {sorted(seen)}, expected {sorted(types)}")
    if g.GetCellData().GetArray("region") is None:
        fail(f"{path}: no 'region' cell array")
    names = g.GetFieldData().GetAbstractArray("region_names")
    if names is None or names.GetNumberOfValues() < 4:
        fail(f"{path}: region_names field data missing or short")
    size = total_size(g, dim)
    if abs(size - expected_size) > size_tol * expected_size:
        fail(f"{path}: VTK's total {'area' if dim == 2 else 'volume'} {size} differs from {expected_size}")
    region_names = [names.GetValue(i) for i in range(names.GetNumberOfValues())]
    print(f"ok  {os.path.basename(path)}: {nodes} points, {cells} cells "
          f"({', '.join(VTK_NAMES[t] for t in sorted(seen))}), size {size:.4f}, regions {region_names}")


def main():
    callus = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "axisym_quad9.vtu")
        n, c = run(callus, "mesh", "generate", "--out", p)
        check(p, n, c, [28], 2, AREA_2D, 1e-12)

        p = os.path.join(d, "axisym_quad4.vtu")
        n, c = run(callus, "mesh", "generate", "--order", "linear", "--out", p)
        check(p, n, c, [9], 2, AREA_2D, 1e-12)

        segments = 16
        polygon = segments * math.sin(2 * math.pi / segments) / (2 * math.pi)
        p = os.path.join(d, "tet10.vtu")
        n, c = run(callus, "mesh", "generate", "--dim", "3", "--segments", str(segments), "--out", p)
        check(p, n, c, [24], 3, VOLUME_3D * polygon, 1e-9)

        p = os.path.join(d, "hex_wedge.vtu")
        n, c = run(callus, "mesh", "generate", "--dim", "3", "--elements", "hex", "--order", "linear",
                   "--segments", str(segments), "--out", p)
        check(p, n, c, [12, 13], 3, VOLUME_3D * polygon, 1e-9)

        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
        p = os.path.join(d, "gmsh_tri6.vtu")
        n, c = run(callus, "mesh", "convert", os.path.join(root, "meshes", "ovine_axisymmetric.msh"),
                   "--order", "quadratic", "--out", p)
        check(p, n, c, [22], 2, AREA_2D, 1e-9)
        run_dir = os.path.join(d, "run")
        scenario = SMALL_SCENARIO_FILE
        out = subprocess.run([callus, "run", scenario, "--out", run_dir, "--quiet"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"callus run: {out.stderr}")
        days = check_run(run_dir)
    print(f"VTK reader checks: 5 meshes and a run's {days} field files passed, 0 failed")


# A small run (coarse mesh, 6 days) whose ParaView files are read back (shared with the Rust tests).
SMALL_SCENARIO_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "validation", "small_run.toml")

CELL_ARRAYS = ["granulation_fraction", "fibrous_fraction", "cartilage_fraction", "immature_bone_fraction",
               "mature_bone_fraction", "phenotype", "stimulus", "youngs_modulus_mpa",
               "permeability_mm4_per_ns", "cell_concentration", "vascularity"]
POINT_ARRAYS = {"displacement_mm": 3, "pore_pressure_mpa": 1, "cell_concentration": 1, "vascularity": 1}


def check_run(run_dir):
    """Every dataset of fields.pvd opens in VTK with its fields, connectivity in range; the CSV headers."""
    import xml.etree.ElementTree as ET
    for name, columns in [("history.csv", ["day", "phase", "gap_mm", "callus_stiffness_n_per_mm",
                                           "stiffness_pct_intact", "granulation_fraction", "fibrous_fraction",
                                           "cartilage_fraction", "immature_bone_fraction",
                                           "mature_bone_fraction", "peak_force_n", "residual_force_n"]),
                          ("forces.csv", ["time_s", "day", "step", "force_n"])]:
        with open(os.path.join(run_dir, name)) as f:
            header = f.readline().strip().split(",")
        missing = [c for c in columns if c not in header]
        if missing:
            fail(f"{name} lacks columns {missing}")
    datasets = ET.parse(os.path.join(run_dir, "fields.pvd")).getroot().findall("./Collection/DataSet")
    if not datasets:
        fail("fields.pvd lists no datasets")
    for ds in datasets:
        path = os.path.join(run_dir, ds.get("file"))
        g = read(path)
        n, cells = g.GetNumberOfPoints(), g.GetNumberOfCells()
        if n == 0 or cells == 0:
            fail(f"{path}: empty")
        for c in range(cells):
            cell = g.GetCell(c)
            if cell.GetCellType() != 28 or any(cell.GetPointId(i) >= n for i in range(cell.GetNumberOfPoints())):
                fail(f"{path}: cell {c} is not a Quad9 with connectivity in range")
        for a in CELL_ARRAYS:
            arr = g.GetCellData().GetArray(a)
            if arr is None or arr.GetNumberOfTuples() != cells:
                fail(f"{path}: cell array {a} missing or of the wrong size")
        for a, comps in POINT_ARRAYS.items():
            arr = g.GetPointData().GetArray(a)
            if arr is None or arr.GetNumberOfTuples() != n or arr.GetNumberOfComponents() != comps:
                fail(f"{path}: point array {a} missing or of the wrong shape")
        if total_size(g, 2) <= 0:
            fail(f"{path}: no area")
    return len(datasets)


if __name__ == "__main__":
    main()
