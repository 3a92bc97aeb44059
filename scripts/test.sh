#!/usr/bin/env bash
# The test command: the Rust test suite, the whole runs that need an optimised build (release,
# `--ignored`: the end-to-end runs, runs killed and resumed, the convergence study), the verification cases (callus validate), then the third-party reader checks (VTK
# opens the .vtu files, h5py the HDF5 layout, VTK's XDMF reader the time series, Pillow the PNG plots), and a sweep as a
# Slurm job array when a cluster answers (.ci/run starts one). Installs what it
# needs itself (crates by cargo, cmake for HDF5 by scripts/cmake, VTK and h5py by
# scripts/python-tools.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo test --workspace
cargo test --release -p callus-sim --test end_to_end -- --ignored
cargo test --release -p callus-cli --test restart -- --ignored
cargo test --release -p callus-sim --test convergence -- --ignored
python="$(scripts/python-tools.sh)"
cargo build --quiet --bin callus
cargo run --quiet --bin callus -- validate
target_dir="$(cargo metadata --format-version 1 --no-deps | "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
"$python" scripts/check_vtk_readers.py "$target_dir/debug/callus"
"$python" scripts/check_hdf5_readers.py "$target_dir/debug/callus"
"$python" scripts/check_png_readers.py "$target_dir/debug/callus"
scripts/check_slurm.sh "$target_dir/debug/callus"
