"""Mutants of a deflate-filtered link heap's direct blocks: inflate a block, change one byte of its objects
(with TARGETED=1 in the environment: a link name byte set to 0 or a link message's version set to 2),
recompute the block's own checksum if it has one, deflate it again, append it to the file, point the root
indirect block's entry at it (address, stored size), recompute that block's checksum, and move the
superblock's end-of-file address (v2/3 superblock, checksum recomputed): libhdf5 then reads a well-formed
compressed block with damaged contents. Runs `pdekit inspect` on each, counted as checksum_mutants.py does.

    ./new_style_groups filtered.h5 plain 200 0 deflate
    python3 scripts/fuzz-hdf5/inflated_mutants.py .build/release/pdekit filtered.h5 150 68
    TARGETED=1 python3 scripts/fuzz-hdf5/inflated_mutants.py .build/release/pdekit filtered.h5 100 69
A seed whose compressed group fits in one direct block (no heap with an indirect root) has that root direct block
mutated instead: the heap header's root address and stored size are moved and its checksum recomputed (for
example a libver-latest file with H5Pset_deflate on a group of 20 links, as DeepHDF5StructureTests writes).

Python 3 standard library only (zlib); arguments: pdekit binary, seed file, runs, seed. Assumes 8-byte
addresses and lengths and 4-byte heap offsets (what the seed maker writes).
"""
import os, random, struct, subprocess, sys, zlib
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checksum_mutants import lookup3
pdekit, seed_file, runs, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = open(seed_file, "rb").read()
I = lambda o, w: int.from_bytes(d[o:o+w], "little")
heaps = [i for i in range(len(d) - 4) if d[i:i+4] == b"FRHP" and I(i+7, 2) > 0 and I(i+140, 2) > 0]
# A group small enough for one direct block has a compressed root direct block (0 rows): its address at +132, its
# stored size (8) and filter mask (4) after the 142-byte fixed header, then the filter pipeline, then the checksum.
small = [i for i in range(len(d) - 4) if d[i:i+4] == b"FRHP" and I(i+7, 2) > 0 and I(i+140, 2) == 0 and I(i+132, 8) != 0xFFFFFFFFFFFFFFFF]
heap = heaps[-1] if heaps else small[-1]; root = I(heap+132, 8); rows = I(heap+140, 2); width = I(heap+110, 2); start = I(heap+112, 8)
flags = d[heap+9]
assert rows == 0 or d[root:root+4] == b"FHIB"
entries = [] if rows else [(heap + 132, root, I(heap + 142, 8), start)]   # the root direct block, named by the header
for r in range(rows):
    size = start if r < 2 else start << (r - 1)
    for c in range(width):
        e = root + 17 + (r * width + c) * 20
        a, s, m = I(e, 8), I(e+8, 8), I(e+16, 4)
        if a != 0xFFFFFFFFFFFFFFFF and m == 0: entries.append((e, a, s, size))
end = root + 17 + rows * width * 20 if rows else heap + 142 + 12 + I(heap + 7, 2)
rng = random.Random(seed); counts = {}
os.makedirs("mutants", exist_ok=True)
for run in range(runs):
    e, a, s, size = rng.choice(entries)
    block = bytearray(zlib.decompress(d[a:a+s])); assert len(block) == size
    header = 5 + 8 + 4 + (4 if flags & 2 else 0)
    pos = rng.randrange(header, size)
    block[pos] = rng.choice([0, 1, 2, 0xFF, 0x80, 0x7F, rng.randrange(256)])
    names = [i for i in range(len(block)) if block[i:i+5] == b"link_"]
    if os.environ.get("TARGETED") and names:   # a link name byte set to 0, or its message's version to 2
        at = rng.choice(names); pos = at + rng.randrange(5) if rng.random() < 0.5 else at - 3
        block[pos] = 0 if pos >= at else 2
    if flags & 2:
        block[17:21] = b"\0\0\0\0"; struct.pack_into("<I", block, 17, lookup3(bytes(block)))
    packed = zlib.compress(bytes(block), 6)
    x = bytearray(d); address = len(x); x += packed
    if rows: struct.pack_into("<QQ", x, e, address, len(packed))
    else: struct.pack_into("<Q", x, heap + 132, address); struct.pack_into("<Q", x, heap + 142, len(packed))
    struct.pack_into("<I", x, end, lookup3(bytes(x[root if rows else heap:end])))
    assert x[0:8] == b"\x89HDF\r\n\x1a\n" and x[8] in (2, 3)   # superblock v2/3: end of file address at 28, checksum at 44
    struct.pack_into("<Q", x, 28, len(x)); struct.pack_into("<I", x, 44, lookup3(bytes(x[0:44])))
    path = f"mutants/m{run}.h5"; open(path, "wb").write(x)
    try:
        p = subprocess.run([pdekit, "inspect", path], capture_output=True, text=True, timeout=20)
        err = p.stderr.strip().splitlines()
        kind = f"signal {p.returncode}" if p.returncode < 0 or p.returncode >= 128 else "accepted" if p.returncode == 0 else \
            "clean" if len(err) == 1 and err[0].startswith("error:") else "unclear"
    except subprocess.TimeoutExpired:
        kind = "hang"
    counts[kind] = counts.get(kind, 0) + 1
    if kind in ("accepted", "clean"): os.remove(path)
    else: print(kind, run, pos, path, (p.stderr.strip()[:200].replace("\n", " | ") if kind == "unclear" else ""))
print(counts)
