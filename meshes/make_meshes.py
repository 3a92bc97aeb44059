#!/usr/bin/env python3
"""Regenerates the .msh files of this folder from the .geo sources with the `gmsh` PyPI wheel.

    python3 -m venv /tmp/gmsh-env && /tmp/gmsh-env/bin/pip install gmsh
    /tmp/gmsh-env/bin/python meshes/make_meshes.py

It also writes the real-Gmsh test fixtures of crates/callus-mesh/tests/fixtures/gmsh/.
"""
import os
import gmsh

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "crates", "callus-mesh", "tests", "fixtures", "gmsh")


def mesh(geo, out, *, dim, version=4.1, binary=False, order=1, recombine=False, size=None):
    gmsh.initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.open(os.path.join(HERE, geo))
    if size is not None:
        gmsh.onelab.setNumber("element size", [size])
        gmsh.open(os.path.join(HERE, geo))  # re-evaluate with the new size
    if recombine:
        gmsh.option.setNumber("Mesh.RecombineAll", 1)
        gmsh.option.setNumber("Mesh.Algorithm", 8)  # frontal-Delaunay for quads
    gmsh.model.mesh.generate(dim)
    if order > 1:
        gmsh.model.mesh.setOrder(order)
    gmsh.option.setNumber("Mesh.MshFileVersion", version)
    gmsh.option.setNumber("Mesh.Binary", 1 if binary else 0)
    gmsh.write(out)
    gmsh.finalize()
    print("wrote", os.path.relpath(out), os.path.getsize(out), "bytes")


if __name__ == "__main__":
    os.makedirs(FIXTURES, exist_ok=True)
    # The meshes users start from.
    mesh("ovine_axisymmetric.geo", os.path.join(HERE, "ovine_axisymmetric.msh"), dim=2)
    mesh("ovine_3d.geo", os.path.join(HERE, "ovine_3d.msh"), dim=3, binary=True)
    # Reader fixtures: each format and element order on the same geometry.
    mesh("ovine_axisymmetric.geo", os.path.join(FIXTURES, "axisym_v41_ascii_tri6.msh"), dim=2, order=2, size=2.0)
    mesh("ovine_axisymmetric.geo", os.path.join(FIXTURES, "axisym_v41_binary_quad.msh"), dim=2, binary=True, recombine=True, size=2.0)
    mesh("ovine_axisymmetric.geo", os.path.join(FIXTURES, "axisym_v22_ascii_tri3.msh"), dim=2, version=2.2, size=2.0)
    mesh("ovine_axisymmetric.geo", os.path.join(FIXTURES, "axisym_v22_ascii_quad9.msh"), dim=2, version=2.2, recombine=True, order=2, size=3.0)
    mesh("ovine_3d.geo", os.path.join(FIXTURES, "ovine3d_v41_binary_tet4.msh"), dim=3, binary=True, size=4.0)
    mesh("ovine_3d.geo", os.path.join(FIXTURES, "ovine3d_v41_ascii_tet10.msh"), dim=3, order=2, size=5.0)
