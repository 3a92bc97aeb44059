#!/usr/bin/env python3
"""Reads callus's HDF5 results with third-party readers: h5py for the layout, VTK's XDMF reader for
the time series ParaView opens.

    scripts/check_hdf5_readers.py path/to/callus

Runs the small scenario (validation/small_run.toml) and a two-case sweep of it into a temporary
folder, then checks:
- results.h5 with h5py: the root attributes; /history and /forces hold the columns of history.csv
  and forces.csv in their order, with the same values (to the CSV's precision) and a `units`
  attribute on every numeric one (the CSV and HDF5 tables are written from the same columns); one /fields/day_NNN group per dataset of fields.pvd, deflated,
  with points, connectivity in range and the cell and point fields;
- results.xdmf with vtkXdmfReader: one time step per field day, at that day; at each, the same
  points, cells (type and node order) and fields as the day's .vtu, whose node order
  check_vtk_readers.py checks against the known area;
- sweep.h5 with h5py: /summary matches sweep.csv, and /cases/<case>/history each case's history.
Exits non-zero on the first failure.
"""
import csv
import math
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import h5py
import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy

from check_vtk_readers import fail, read as read_vtu

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SMALL_SCENARIO = os.path.join(ROOT, "validation", "small_run.toml")
CELL_FIELDS = ["region", "granulation_fraction", "fibrous_fraction", "cartilage_fraction",
               "immature_bone_fraction", "mature_bone_fraction", "phenotype", "stimulus",
               "youngs_modulus_mpa", "permeability_mm4_per_ns", "cell_concentration", "vascularity"]
POINT_FIELDS = {"displacement_mm": 3, "pore_pressure_mpa": 1, "cell_concentration": 1, "vascularity": 1}


def callus(binary, *args):
    out = subprocess.run([binary, *args], capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"callus {' '.join(args)}: {out.stderr}")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def csv_value(cell):
    """A CSV cell as a number: an empty cell is a missing value (NaN)."""
    return math.nan if cell == "" else float(cell)


def check_table(group, csv_path, where):
    """The group's datasets are the CSV's columns, in order, with the CSV's values and units."""
    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    order = text(group.attrs["columns"]).split(",")
    if order != header:
        fail(f"{where}: columns {order}, CSV has {header}")
    for j, name in enumerate(header):
        ds = group[name]
        if ds.shape != (len(body),):
            fail(f"{where}/{name}: shape {ds.shape}, CSV has {len(body)} rows")
        column = [r[j] for r in body]
        if ds.dtype.kind in "fiu":
            if "units" not in ds.attrs:
                fail(f"{where}/{name}: no units attribute")
            for i, (cell, value) in enumerate(zip(column, ds[...])):
                expected, value = csv_value(cell), float(value)
                # The CSV keeps 7 significant digits: half a unit in the last is 5e-7 relative.
                if math.isnan(expected) != math.isnan(value) or (
                        not math.isnan(expected) and abs(value - expected) > 5e-7 * abs(expected)):
                    fail(f"{where}/{name}[{i}] = {value}, CSV has {cell!r}")
        else:
            values = [text(v) for v in ds[...]]
            if values != column:
                fail(f"{where}/{name}: {values[:3]}..., CSV has {column[:3]}...")


def check_results_h5(run_dir, field_days):
    path = os.path.join(run_dir, "results.h5")
    with h5py.File(path, "r") as f:
        for attr in ["layout", "callus_version", "scenario_toml", "idealisation"]:
            if attr not in f.attrs:
                fail(f"{path}: no root attribute {attr}")
        if text(f.attrs["layout"]) != "callus-results-1":
            fail(f"{path}: layout {f.attrs['layout']}")
        check_table(f["history"], os.path.join(run_dir, "history.csv"), f"{path}:/history")
        check_table(f["forces"], os.path.join(run_dir, "forces.csv"), f"{path}:/forces")
        days = sorted(int(name.split("_")[1]) for name in f["fields"])
        if days != field_days:
            fail(f"{path}: field days {days}, fields.pvd has {field_days}")
        for day in days:
            g = f[f"fields/day_{day:03d}"]
            points, conn = g["points_mm"], g["connectivity"]
            if points.compression != "gzip" or text(points.attrs["units"]) != "mm":
                fail(f"{path}: day {day} points not deflated or without units mm")
            if conn.ndim != 2 or conn[...].min() < 0 or conn[...].max() >= points.shape[0]:
                fail(f"{path}: day {day} connectivity not (cells x nodes) in range of {points.shape[0]} points")
            for name in CELL_FIELDS:
                if g["cell"][name].shape[0] != conn.shape[0] or "units" not in g["cell"][name].attrs:
                    fail(f"{path}: day {day} cell field {name} of the wrong length or without units")
            for name, components in POINT_FIELDS.items():
                ds = g["point"][name]
                if ds.shape[0] != points.shape[0] or (components > 1 and ds.shape[1] != components):
                    fail(f"{path}: day {day} point field {name} of shape {ds.shape}")
    return len(days)


def check_xdmf(run_dir, vtu_files):
    """VTK's XDMF 2 reader opens results.xdmf; every time step equals the day's .vtu."""
    path = os.path.join(run_dir, "results.xdmf")
    reader = vtk.vtkXdmfReader()
    reader.SetFileName(path)
    reader.UpdateInformation()
    info = reader.GetOutputInformation(0)
    key = vtk.vtkStreamingDemandDrivenPipeline.TIME_STEPS()
    steps = [info.Get(key, i) for i in range(info.Length(key))]
    if steps != [float(d) for d, _ in vtu_files]:
        fail(f"{path}: time steps {steps}, fields.pvd has days {[d for d, _ in vtu_files]}")
    for day, vtu in vtu_files:
        errors = vtk.vtkStringOutputWindow()  # read_vtu installs its own: ours again per step
        vtk.vtkOutputWindow.SetInstance(errors)
        reader.UpdateTimeStep(float(day))
        x = reader.GetOutputDataObject(0)
        if "ERROR" in errors.GetOutput():
            fail(f"{path}: VTK reported: {errors.GetOutput()}")
        v = read_vtu(vtu)
        n = x.GetNumberOfPoints()
        if n != v.GetNumberOfPoints() or x.GetNumberOfCells() != v.GetNumberOfCells():
            fail(f"{path} day {day}: {n} points / {x.GetNumberOfCells()} cells, the .vtu has "
                 f"{v.GetNumberOfPoints()} / {v.GetNumberOfCells()}")
        conn = vtk_to_numpy(x.GetCells().GetConnectivityArray())
        if conn.min() < 0 or conn.max() >= n:
            fail(f"{path} day {day}: connectivity out of range for {n} points")
        if not np.array_equal(conn, vtk_to_numpy(v.GetCells().GetConnectivityArray())):
            fail(f"{path} day {day}: connectivity (node order) differs from the .vtu")
        types = {x.GetCellType(i) for i in range(x.GetNumberOfCells())}
        if types != {v.GetCellType(i) for i in range(v.GetNumberOfCells())}:
            fail(f"{path} day {day}: cell types {types} differ from the .vtu")
        if not np.array_equal(vtk_to_numpy(x.GetPoints().GetData()), vtk_to_numpy(v.GetPoints().GetData())):
            fail(f"{path} day {day}: points differ from the .vtu")
        for data, vdata, names in [(x.GetCellData(), v.GetCellData(), CELL_FIELDS),
                                   (x.GetPointData(), v.GetPointData(), POINT_FIELDS)]:
            for name in names:
                a, b = data.GetArray(name), vdata.GetArray(name)
                if a is None:
                    fail(f"{path} day {day}: no array {name}")
                if not np.array_equal(vtk_to_numpy(a).astype(float), vtk_to_numpy(b).astype(float), equal_nan=True):
                    fail(f"{path} day {day}: array {name} differs from the .vtu")
    return len(steps)


def check_sweep(sweep_dir):
    path = os.path.join(sweep_dir, "sweep.h5")
    with h5py.File(path, "r") as f:
        check_table(f["summary"], os.path.join(sweep_dir, "sweep.csv"), f"{path}:/summary")
        cases = [text(c) for c in f["summary"]["case"][...]]
        for case in cases:
            check_table(f["cases"][case]["history"], os.path.join(sweep_dir, case, "history.csv"),
                        f"{path}:/cases/{case}/history")
    return len(cases)


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        run_dir = os.path.join(d, "run")
        callus(binary, "run", SMALL_SCENARIO, "--out", run_dir, "--quiet")
        datasets = ET.parse(os.path.join(run_dir, "fields.pvd")).getroot().findall("./Collection/DataSet")
        vtu_files = [(int(ds.get("timestep")), os.path.join(run_dir, ds.get("file"))) for ds in datasets]
        days = check_results_h5(run_dir, [day for day, _ in vtu_files])
        steps = check_xdmf(run_dir, vtu_files)
        sweep_dir = os.path.join(d, "sweep")
        callus(binary, "sweep", SMALL_SCENARIO, "--rates", "1", "--rhythms", "1,continuous",
               "--out", sweep_dir, "--quiet", "--no-fields")
        cases = check_sweep(sweep_dir)
    print(f"HDF5 reader checks: results.h5 ({days} field days) by h5py, results.xdmf ({steps} time steps) "
          f"by VTK's XDMF reader, sweep.h5 ({cases} cases) by h5py: passed")


if __name__ == "__main__":
    main()
