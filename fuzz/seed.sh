#!/usr/bin/env bash
# Fills the working corpora fuzz/corpus/<target>/ with the seeds: the meshes, scenarios and tissue
# tables the repository already has (copied, not committed twice), the small hand-written seeds of
# fuzz/seeds/<target>/ and the inputs of past findings (the regression tests' fixtures). The
# corpora grow as the fuzzers run; they are not committed (see .gitignore).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"

copy() { # target, files...
    local target="$1"
    shift
    mkdir -p "$here/corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] || continue
        # Flattened path as the name, so files of the same name in different folders both stay.
        cp "$f" "$here/corpus/$target/$(echo "$f" | tr '/' '_')"
    done
}

shopt -s nullglob globstar
copy gmsh meshes/*.msh crates/callus-mesh/tests/fixtures/**/*.msh fuzz/seeds/gmsh/*
copy scenario crates/callus-sim/data/default_scenario.toml validation/**/*.toml \
    crates/callus-sim/tests/fixtures/fuzz/* fuzz/seeds/scenario/*
copy tissues crates/callus-bio/data/tissues.toml crates/callus-bio/tests/fixtures/fuzz/* \
    fuzz/seeds/tissues/*
for t in gmsh scenario tissues; do
    echo "corpus/$t: $(ls "$here/corpus/$t" | wc -l) files, $(du -sh "$here/corpus/$t" | cut -f1)"
done
