//! Criterion benchmarks of callus live in `benches/`.
