#!/usr/bin/env python3
"""Factorizes Matrix Market matrices with CHOLMOD (scikit-sparse) and prints time and fill, to compare
with callus's faer + METIS factorizations (benches/benches/fem.rs).

    CALLUS_EXPORT_MTX=/tmp/mtx cargo bench -p callus-benches --bench fem
    python3 -m venv /tmp/sks && /tmp/sks/bin/pip install numpy scipy scikit-sparse   # needs libsuitesparse-dev
    /tmp/sks/bin/python scripts/cholmod_compare.py /tmp/mtx/3d_tet10_elastic.mtx

CHOLMOD runs its default ordering strategy (AMD, then METIS/NESDIS when it gives less fill) and
supernodal LLᵀ; each factorization is timed 3 times after a symbolic analysis that is not timed.
"""
import sys
import time

import scipy.io
import scipy.sparse
from sksparse.cholmod import analyze

for path in sys.argv[1:]:
    a = scipy.io.mmread(path).tocsc()
    a = scipy.sparse.csc_matrix(a)
    t0 = time.perf_counter()
    factor = analyze(a, mode="supernodal")
    t_symbolic = time.perf_counter() - t0
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        f = factor.cholesky(a)
        times.append(time.perf_counter() - t0)
    fill = f.L().nnz
    print(f"{path}: n = {a.shape[0]}, nnz(A) = {a.nnz}, CHOLMOD symbolic {t_symbolic:.3f} s, "
          f"numeric min {min(times):.3f} s (runs {', '.join(f'{t:.3f}' for t in times)}), nnz(L) = {fill}")
