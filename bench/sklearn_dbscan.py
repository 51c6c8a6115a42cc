"""Reference DBSCAN for the FaceCluster clustering benchmark (bench only, never tests/build).

usage: python3 sklearn_dbscan.py <vectors.f32> <n> <eps> <min_samples> <out.txt> [dim]
Reads n x dim (default 128) little-endian float32 rows, runs sklearn.cluster.DBSCAN(eps, min_samples, n_jobs=-1),
writes one line per row "<label> <is_core>" and prints the fit time in seconds as JSON.
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import DBSCAN

path, n, eps, min_samples, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
dim = int(sys.argv[6]) if len(sys.argv) > 6 else 128
x = np.fromfile(path, dtype="<f4").reshape(n, dim)
start = time.perf_counter()
model = DBSCAN(eps=eps, min_samples=min_samples, metric="euclidean", n_jobs=-1).fit(x)
seconds = time.perf_counter() - start
core = np.zeros(n, dtype=np.int8)
core[model.core_sample_indices_] = 1
with open(out, "w") as f:
    for label, c in zip(model.labels_, core):
        f.write(f"{label} {c}\n")
import sklearn
print(json.dumps({"seconds": seconds, "sklearn": sklearn.__version__, "clusters": int(model.labels_.max() + 1)}))
