"""Matrix Market files with SciPy's reading of them, for PDEKit's reader tests (bit-exact values).

Venv (outside the repository):  python3 -m venv /work/venvs/amg && /work/venvs/amg/bin/pip install scipy pyamg
Usage:
  python amg_mm_fixture.py make DIR            writes DIR/decimals.mtx (values in many spellings: 1 to 60
                                               digits, exact midpoints between doubles, subnormals, the
                                               extremes, duplicates, tabs and runs of spaces) and
                                               DIR/symmetric.mtx, each with NAME.csr.txt
  python amg_mm_fixture.py reference FILE...   writes FILE.csr.txt next to each existing file (e.g. the
                                               benchmark matrices of bench/run-amg.sh)
NAME.csr.txt is SciPy's reading (scipy.io.mmread, then CSR with summed duplicates and sorted columns):
a line "rows columns entries", then one line per stored entry "row column 0xBITS" (0-based, the
IEEE-754 bit pattern of the value in hexadecimal). Tests/Fixtures/matrix-market holds `make`'s output;
MatrixMarketScipyValueTests compares PDEKit's reading with it bit for bit (and, with
PDEKIT_MM_REFERENCE_DIR set, every FILE.mtx with a FILE.csr.txt in that directory).
"""
import os
import random
import struct
import sys
from decimal import Decimal, getcontext

import numpy as np
import scipy.io


def reference(path):
    a = scipy.io.mmread(path).tocsr()
    a.sum_duplicates()
    a.sort_indices()
    lines = [f"{a.shape[0]} {a.shape[1]} {a.nnz}"]
    bits = a.data.astype(np.float64).view(np.uint64)
    for i in range(a.shape[0]):
        for k in range(a.indptr[i], a.indptr[i + 1]):
            lines.append(f"{i} {a.indices[k]} 0x{int(bits[k]):016x}")
    with open(path[:-4] + ".csr.txt" if path.endswith(".mtx") else path + ".csr.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


def spellings(rng):
    """Decimal texts of doubles (and between doubles), each a different hard case for a parser."""
    getcontext().prec = 800
    out = []
    for k in range(3000):
        x = rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30)
        kind = k % 12
        if kind == 0: out.append(repr(x))                         # shortest round trip
        elif kind == 1: out.append("%.17g" % x)
        elif kind == 2: out.append("%.16E" % x)                  # SciPy's style
        elif kind == 3: out.append("%.24e" % x)                  # more than 19 digits
        elif kind == 4: out.append("%.6f" % x)
        elif kind == 5: out.append(str(rng.randint(-10 ** 18, 10 ** 18)))
        elif kind == 6:                                          # the exact midpoint to the next double
            m = (Decimal(x) + Decimal(np.nextafter(x, np.inf))) / 2
            out.append(format(m, "f") if abs(x) > 1e-5 else format(m, "e"))
        elif kind == 7:                                          # just beside the midpoint
            m = (Decimal(x) + Decimal(np.nextafter(x, np.inf))) / 2
            nudge = Decimal(10) ** (m.adjusted() - 40)
            out.append(format(m + nudge if k % 24 == 7 else m - nudge, "e"))
        elif kind == 8: out.append("%.15g" % x)
        elif kind == 9: out.append("%.19e" % x)                  # 20 significant digits
        elif kind == 10: out.append("0.000" + str(rng.randint(1, 10 ** 15)))   # leading zeros
        else: out.append("%.8g" % x)
    out += ["0", "-0", "0.0", "1", "-1", "5e-324", "4.9406564584124654e-324", "2.2250738585072011e-308",
            "2.2250738585072014e-308", "1.7976931348623157e308", "9007199254740993", "9007199254740992.5",
            "123456789012345678", "1234567890123456789", "0.1", "1E+2", "1e-22", "1e22", "1e23", "3.", ".5", "-.25e1"]
    return out


def make(directory):
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(22)
    values = spellings(rng)
    rows, columns = 97, 61
    lines = []
    # Random distinct positions (rows come unsorted), then every 50th position once more: duplicates
    # in pairs only, whose sum does not depend on the order of addition.
    positions = rng.sample([(i, j) for i in range(1, rows + 1) for j in range(1, columns + 1)], len(values))
    positions = [p for k, p in enumerate(positions) for _ in range(2 if k % 50 == 0 else 1)][: len(values)]
    for k, text in enumerate(values):
        i, j = positions[k]
        gap = ["\t", "   ", " "][k % 3]
        lines.append(f"{i}{gap}{j} {text}{'  ' if k % 7 == 0 else ''}")
    with open(os.path.join(directory, "decimals.mtx"), "w") as f:
        f.write(f"%%MatrixMarket matrix coordinate real general\n% values in many spellings\n{rows} {columns} {len(lines)}\n")
        f.write("\n".join(lines))                                 # no line end after the last entry
    n = 40
    sym = []
    for j in range(1, n + 1):                                     # lower triangle, column by column (as SciPy writes)
        for i in range(j, n + 1):
            if i == j or rng.random() < 0.3:
                sym.append(f"{i} {j} {values[(i * n + j) % len(values)]}")
    with open(os.path.join(directory, "symmetric.mtx"), "w") as f:
        f.write(f"%%MatrixMarket matrix coordinate real symmetric\n{n} {n} {len(sym)}\n" + "\n".join(sym) + "\n")
    for name in ("decimals", "symmetric"):
        reference(os.path.join(directory, name + ".mtx"))


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("make", "reference"):
        sys.exit(__doc__)
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        for path in sys.argv[2:]:
            reference(path)
