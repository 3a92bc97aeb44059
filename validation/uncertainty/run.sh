#!/usr/bin/env bash
# The uncertainty study of validation/uncertainty/README.md: the default scenario, 64 Latin-hypercube
# draws (seed 1) of the tissue table's Young's moduli and permeabilities, each uniform within ±50 % of
# the built-in value (crates/callus-bio/data/tissues.toml, Lacroix & Prendergast 2002), no fields.
# Usage: validation/uncertainty/run.sh [OUT] [extra callus sweep options, e.g. --slurm --submit]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-uncertainty-study}"
shift || true
# tissue, Young's modulus (MPa), permeability (m⁴/(N·s)), from the built-in table
table=(
    "granulation 0.2 1e-14"
    "fibrous 2 1e-14"
    "cartilage 10 5e-15"
    "marrow 2 1e-14"
    "immature_bone 1000 1e-13"
    "mature_bone 6000 3.7e-13"
    "cortical_bone 20000 1e-17"
)
samples=()
for row in "${table[@]}"; do
    read -r tissue modulus permeability <<<"$row"
    half() { python3 -c "print(repr($1 * $2))"; }
    samples+=(--sample "tissues.$tissue.youngs_modulus_mpa=uniform($(half "$modulus" 0.5),$(half "$modulus" 1.5))")
    samples+=(--sample "tissues.$tissue.permeability_m4_per_ns=uniform($(half "$permeability" 0.5),$(half "$permeability" 1.5))")
done
exec cargo run --quiet --release -p callus-cli -- sweep "${samples[@]}" --samples 64 --seed 1 --no-fields --out "$out" "$@"
