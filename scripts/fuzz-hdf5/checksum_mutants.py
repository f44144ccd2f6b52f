"""Checksum-correct mutations of new-style HDF5 group structures (object headers, fractal heap,
v2 B-tree; direct blocks, which carry no checksum here, as raw bytes): each mutant overwrites one
field with a hostile value and recomputes the structure's Jenkins lookup3 checksum, so libhdf5's
checksum test passes and it follows the value. Runs `pdekit inspect` on each and counts clean (one
`error:` line), accepted, unclear, signal and hang outcomes; keeps failing mutants in ./mutants.

    h5cc -o new_style_groups scripts/fuzz-hdf5/new_style_groups.c
    ./new_style_groups v2.h5 && ./new_style_groups v2order.h5 order
    ./new_style_groups v2wide.h5 order 200   # a group of 200 links: two-level indexes (BTIN over BTLF)
    ./new_style_groups v2attrs.h5 plain 0 40 # 40 attributes on /x: dense attribute storage
    python3 scripts/fuzz-hdf5/checksum_mutants.py .build/release/pdekit v2.h5 500 4
    python3 scripts/fuzz-hdf5/checksum_mutants.py .build/release/pdekit v2order.h5 500 3
    python3 scripts/fuzz-hdf5/checksum_mutants.py .build/release/pdekit v2wide.h5 500 5
    python3 scripts/fuzz-hdf5/checksum_mutants.py .build/release/pdekit v2attrs.h5 300 51
    ./new_style_groups deep.h5 plain 3000               # a three-level link name index (BTIN over BTIN)
    ./new_style_groups deepattrs.h5 plain 0 2000        # a three-level attribute name index
    ./new_style_groups deepheap.h5 plain 3000 0 long    # indirect heap blocks below the root
    ./new_style_groups filtered.h5 plain 200 0 deflate  # deflate-filtered link heaps
    chunk indexes of new-format datasets (FAHD/FADB and its pages, EAHD/EAIB/EASB/EADB, chunk BTHD):
    seed files from scripts/fuzz-hdf5/chunk_indexes.c (its comment lists them)

With LAYOUT=1 in the environment, half the runs change a field of a data layout message (a dataset's chunk
dimensions, chunk index type and parameters, index or single-chunk address and filtered size).

Python 3 standard library only; arguments: pdekit binary, seed file, runs, seed. Exits 1 when any mutant
crashed, hung or ended unclearly (scripts/fuzz-hdf5/ci-slice.sh gates CI on it).
"""
import os, random, struct, subprocess, sys

M = 0xFFFFFFFF
def rot(x, k): return ((x << k) | (x >> (32 - k))) & M
def lookup3(data, initval=0):
    length = len(data); a = b = c = (0xdeadbeef + length + initval) & M
    i = 0
    while length > 12:
        a = (a + data[i] + (data[i+1] << 8) + (data[i+2] << 16) + (data[i+3] << 24)) & M
        b = (b + data[i+4] + (data[i+5] << 8) + (data[i+6] << 16) + (data[i+7] << 24)) & M
        c = (c + data[i+8] + (data[i+9] << 8) + (data[i+10] << 16) + (data[i+11] << 24)) & M
        a = (a - c) & M; a ^= rot(c, 4); c = (c + b) & M
        b = (b - a) & M; b ^= rot(a, 6); a = (a + c) & M
        c = (c - b) & M; c ^= rot(b, 8); b = (b + a) & M
        a = (a - c) & M; a ^= rot(c, 16); c = (c + b) & M
        b = (b - a) & M; b ^= rot(a, 19); a = (a + c) & M
        c = (c - b) & M; c ^= rot(b, 4); b = (b + a) & M
        length -= 12; i += 12
    if length == 0: return c
    tail = list(data[i:i+length]) + [0] * (12 - length)
    a = (a + tail[0] + (tail[1] << 8) + (tail[2] << 16) + (tail[3] << 24)) & M
    b = (b + tail[4] + (tail[5] << 8) + (tail[6] << 16) + (tail[7] << 24)) & M
    c = (c + tail[8] + (tail[9] << 8) + (tail[10] << 16) + (tail[11] << 24)) & M
    c ^= b; c = (c - rot(b, 14)) & M
    a ^= c; a = (a - rot(c, 11)) & M
    b ^= a; b = (b - rot(a, 25)) & M
    c ^= b; c = (c - rot(b, 16)) & M
    a ^= c; a = (a - rot(c, 4)) & M
    b ^= a; b = (b - rot(a, 14)) & M
    c ^= b; c = (c - rot(b, 24)) & M
    return c

def heap_tables(data):
    """Fractal heap headers by address: (starting block size, width, heap offset bytes, checksummed
    direct blocks), for locating direct blocks' checksums (8-byte addresses and lengths)."""
    tables = {}
    start = data.find(b"FRHP")
    while start >= 0:
        try:
            flags = data[start + 9]
            table = start + 14 + 10 * 8 + 2 * 8   # table width, after the fixed fields
            width, = struct.unpack_from("<H", data, table)
            first, = struct.unpack_from("<Q", data, table + 2)
            bits, = struct.unpack_from("<H", data, table + 18)
            tables[start] = (first, width, (bits + 7) // 8, bool(flags & 2))
        except struct.error:
            pass
        start = data.find(b"FRHP", start + 1)
    return tables

def direct_block(data, start, tables):
    """(start, end, checksum position) of a checksummed direct block: its size from its heap's doubling
    table and its block offset; the checksum covers the whole block with the checksum field zeroed."""
    heap, = struct.unpack_from("<Q", data, start + 5)
    if heap not in tables: return None
    first, width, offset_size, checksummed = tables[heap]
    if not checksummed or width == 0 or first == 0: return None
    offset = int.from_bytes(data[start + 13:start + 13 + offset_size], "little")
    row, row_start, size = 0, 0, first
    while True:   # rows 0 and 1 hold blocks of the starting size, row r >= 2 of first * 2^(r-1)
        size = first if row < 2 else first << (row - 1)
        if offset < row_start + width * size or row > 64: break
        row_start += width * size; row += 1
    at = start + 13 + offset_size
    if start + size > len(data): return None
    block = bytearray(data[start:start + size]); block[at - start:at - start + 4] = b"\0\0\0\0"
    if lookup3(bytes(block)) != struct.unpack_from("<I", data, at)[0]: return None
    return (start, start + size, at)

def fixed_array_pages(data):
    """The pages of paged fixed-array data blocks (a chunk index of more than 2^page bits chunks): no signature,
    each page's elements followed by its checksum, after the data block's prefix and page bitmap (FAHD: element
    size at +6, page bits at +7, elements at +8, data block address at +16; 8-byte addresses and lengths)."""
    pages = []
    start = data.find(b"FAHD")
    while start >= 0:
        try:
            size, bits = data[start + 6], data[start + 7]
            elements, block = struct.unpack_from("<QQ", data, start + 8)
            per_page = 1 << bits
            if elements > per_page and data[block:block + 4] == b"FADB":
                count = (elements + per_page - 1) // per_page
                page = block + 14 + (count + 7) // 8 + 4
                for k in range(count):
                    end = page + min(per_page, elements - k * per_page) * size
                    if end + 4 > len(data): break
                    pages.append(("FAPG", page, end, end))
                    page = end + 4
        except struct.error:
            pass
        start = data.find(b"FAHD", start + 1)
    return pages

def structures(data):
    """(signature, start, end, checksum position) of every checksummed structure found: the checksum
    follows the bytes it covers, except in direct blocks, where it covers the whole block."""
    found = []
    tables = heap_tables(data)
    start = data.find(b"FHDB")
    while start >= 0:
        block = direct_block(data, start, tables)
        if block: found.append(("FHDB",) + block)
        start = data.find(b"FHDB", start + 1)
    blocks = {a for _, a, _, _ in found}
    for sig in [b"OHDR", b"OCHK", b"FRHP", b"FHIB", b"BTHD", b"BTLF", b"BTIN",
                b"FAHD", b"FADB", b"EAHD", b"EAIB", b"EASB", b"EADB"]:
        start = data.find(sig)
        while start >= 0:
            for end in range(start + 8, min(len(data) - 3, start + 8192)):
                if lookup3(data[start:end]) == struct.unpack_from("<I", data, end)[0]:
                    found.append((sig.decode(), start, end, end)); break
            start = data.find(sig, start + 1)
    found += fixed_array_pages(data)
    start = data.find(b"FHDB")
    while start >= 0:   # direct blocks without a checksum (the heap's flags say so): raw bytes
        if start not in blocks: found.append(("FHDB-raw", start, min(len(data), start + 512), None))
        start = data.find(b"FHDB", start + 1)
    return found

def layout_messages(data, found):
    """(start, end) of the body of each data layout message (type 8) in the version-2 object headers found: the
    chunk dimensions, index type and parameters, and index address of a chunked dataset."""
    bodies = []
    for sig, start, end, _ in found:
        if sig != "OHDR": continue
        flags = data[start + 5]
        at = start + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0) + (1 << (flags & 3))
        while at + 4 <= end:
            kind, size = data[at], struct.unpack_from("<H", data, at + 1)[0]
            at += 4 + (2 if flags & 0x04 else 0)
            if kind == 8 and at + size <= end: bodies.append((start, end, at, at + size))
            at += size
    return bodies

def main():
    pdekit, seed_file, runs, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    original = open(seed_file, "rb").read()
    found = structures(original)
    print("structures:", [(s, a, e - a) for s, a, e, _ in found], file=sys.stderr)
    rng = random.Random(seed)
    counts = {}
    os.makedirs("mutants", exist_ok=True)
    layouts = layout_messages(original, found) if os.environ.get("LAYOUT") else []
    for run in range(runs):
        groupish = [f for f in found if not (f[0] == "OHDR" and f[2] - f[1] == 280)]
        sig, start, end, checksum = rng.choice(groupish if rng.random() < 0.8 else found)
        data = bytearray(original)
        width = rng.choice([1, 2, 4, 8, 8, 8])
        offset = rng.randrange(start + 4, max(start + 5, end - width + 1))
        if layouts and rng.random() < 0.5:   # LAYOUT=1: half the runs change a field of a data layout message
            start, end, body, body_end = rng.choice(layouts)
            sig, checksum, width = "OHDR-layout", end, rng.choice([1, 1, 2, 4, 8])
            offset = rng.randrange(body, max(body + 1, body_end - width + 1))
        if sig.endswith("-raw"): end = len(original)
        size = len(original)
        value = rng.choice([0, 0xFFFFFFFFFFFFFFFF, size, size - 1, size + 8, size * 4, 1 << 40, rng.getrandbits(64),
                            rng.randrange(size), 0x7FFFFFFFFFFFFFFF, 1, 2, 255])
        data[offset:offset + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
        if checksum is not None:
            data[checksum:checksum + 4] = b"\0\0\0\0" if checksum < end else data[checksum:checksum + 4]
            struct.pack_into("<I", data, checksum, lookup3(bytes(data[start:end])))
        path = f"mutants/m{run}.h5"
        open(path, "wb").write(data)
        kind = "?"
        try:
            p = subprocess.run([pdekit, "inspect", path], capture_output=True, text=True, timeout=20)
            err = p.stderr.strip().splitlines()
            if p.returncode < 0 or p.returncode >= 128: kind = f"signal {p.returncode}"
            elif p.returncode == 0: kind = "accepted"
            elif len(err) == 1 and err[0].startswith("error:"): kind = "clean"
            else: kind = "unclear"
        except subprocess.TimeoutExpired:
            kind = "hang"
        counts[kind] = counts.get(kind, 0) + 1
        if kind not in ("accepted", "clean"):
            print(f"{kind}: run {run} {sig}@{start} offset +{offset - start} width {width} value {value:#x} -> {path}")
            if kind == "unclear": print("   ", p.stderr.strip()[:300].replace("\n", " | "))
        else:
            os.remove(path)
    print(counts)
    # Any outcome but a clean refusal or a read is a finding: a non-zero exit, so scripts can gate on it.
    sys.exit(1 if any(kind not in ("accepted", "clean") for kind in counts) else 0)

if __name__ == "__main__": main()
