#!/usr/bin/env python3
"""PDEKit's fuzz harness: hostile files for every reader and bad values for every numeric flag.

Files mode mutates seed files of every reader (HDF5 written by `pdekit generate`, NPY, NPZ with a
pickled object array, ZIP64 NPZ, MAT v5 and v7.3, safetensors checkpoints from tiny
`pdekit train fno` and `train mgno` runs, Matrix Market, torch.save archives from PyTorch, problem files
for `pinn`, `gp` and `generate`, PDEBench-layout HDF5 and The Well's split files, the last two also
trained on with `train fno --task next-step`) and runs the commands that read them. Flags mode runs every
numeric flag of every command (read from `--help`) with bad values. Every run is classified:

    clean     exit != 0, no signal, exactly one line starting with `error:` on stderr
    accepted  exit 0
    outcome   exit 2 with exactly one `warning:` line and no `error:` line: a stated outcome of valid
              input (`solve` that did not converge, as its --help documents)
    unclear   exit != 0 without exactly one `error:` line otherwise (reported, not a failure)
    crash     a signal, or a Swift fatal error / trap / libhdf5 abort on stderr
    long-run  the timeout expired, but the process printed a progress line `k/N` and its CPU time
              still grew over one more second (a legitimate, absurdly long request such as
              `--iterations 3037000500`; listed with its reproducer, not counted as a failure)
    hang      the timeout expired otherwise

Output: one JSON line per failing run (with the reproducer), one JSON line per group (reader and
command, or command and flag) with counts, then `N passed, M failed` (failed = crashes + hangs).
Exit status 1 if anything failed. Deterministic from --seed: run k of a group always applies the
same mutation. Python 3 standard library only.

    scripts/fuzz.py --pdekit .build/release/pdekit --runs 300 --seed 1
    scripts/fuzz.py --mode flags
    scripts/fuzz.py --readers problem,mgno,well,collection --runs 600   # only these readers' groups
"""
import argparse
import concurrent.futures
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "datasets", "fixtures")

CRASH_TEXT = re.compile(r"Fatal error|fatal error|Illegal instruction|Segmentation fault|Trace/breakpoint|"
                        r"Current stack trace|Precondition failed|Assertion failed|HDF5-DIAG|\*\*\* Error in|"
                        r"double free|stack overflow|Aborted|core dumped|Stack dump")

INTERESTING_BYTES = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE]
INTERESTING_WORDS = [
    struct.pack("<I", 0xFFFFFFFF), struct.pack("<I", 0x7FFFFFFF), struct.pack("<I", 0x80000000),
    struct.pack("<Q", 0x7FFFFFFFFFFFFFFF), struct.pack("<Q", 0xFFFFFFFFFFFFFFFF), struct.pack("<Q", 1 << 40),
    struct.pack("<I", 0), struct.pack("<H", 0xFFFF), struct.pack(">I", 0x7FFFFFFF), struct.pack("<d", float("nan")),
    struct.pack("<d", float("inf")), struct.pack("<d", 1e300), struct.pack("<I", 3037000500 & 0xFFFFFFFF),
]
INTERESTING_NUMBERS = ["0", "-1", "1e300", "-1e300", "nan", "inf", "9223372036854775807", "-9223372036854775808",
                       "18446744073709551616", "3037000500", "1e12", "2147483648", "4294967295", "1.5", ""]
BAD_FLAG_VALUES = ["-1", "0", "nan", "inf", "1e300", "1e12", "9223372036854775807", "3037000500", ""]


def log(message):
    print(message, file=sys.stderr, flush=True)


# MARK: Seeds

def npy_bytes(shape, values, descr="<f8"):
    shape_text = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    code = descr[-2:]
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"".join(
        struct.pack("<" + {"f8": "d", "f4": "f", "i8": "q"}[code], v) for v in values)


def burgers_reference(path, zip64=False):
    """A small Burgers-like reference (x (n,1), t (m,1), usol (n,m)) as DeepXDE's Burgers.npz."""
    nx, nt = 16, 10
    x = [-1 + 2 * i / (nx - 1) for i in range(nx)]
    t = [j / (nt - 1) for j in range(nt)]
    u = [-math.sin(math.pi * xi) * math.exp(-tj) for xi in x for tj in t]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED if zip64 else zipfile.ZIP_STORED) as archive:
        for name, data in [("t.npy", npy_bytes((nt, 1), t)), ("x.npy", npy_bytes((nx, 1), x)), ("usol.npy", npy_bytes((nx, nt), u))]:
            with archive.open(name, "w", force_zip64=zip64) as member:
                member.write(data)


def matrix_market(path):
    """The 1-D Laplacian tridiag(-1, 2, -1) of order 8, symmetric coordinate format."""
    n = 8
    lines = ["%%MatrixMarket matrix coordinate real symmetric", "% fuzz seed", f"{n} {n} {2 * n - 1}"]
    for i in range(1, n + 1):
        lines.append(f"{i} {i} 2.0")
        if i < n:
            lines.append(f"{i + 1} {i} -1.0")
    open(path, "w").write("\n".join(lines) + "\n")


def vector_market(path):
    open(path, "w").write("%%MatrixMarket matrix array real general\n8 1\n" + "".join(f"{k + 1}.0\n" for k in range(8)))


def mat_version5(path):
    """An uncompressed MAT v5 file: a double 3×4 array and an int32 array stored as doubles (MATLAB's
    narrowing, which the reader converts back to the class)."""
    def element(kind, payload):
        padding = (8 - len(payload) % 8) % 8
        return struct.pack("<II", kind, len(payload)) + payload + b"\0" * padding

    def matrix(name, matlab_class, shape, values):
        body = element(6, struct.pack("<II", matlab_class, 0))                  # array flags (miUINT32)
        body += element(5, b"".join(struct.pack("<i", d) for d in shape))       # dimensions (miINT32)
        body += element(1, name.encode())                                        # name (miINT8)
        body += element(9, b"".join(struct.pack("<d", v) for v in values))      # real part (miDOUBLE)
        return element(14, body)

    text = b"MATLAB 5.0 MAT-file, written by PDEKit's fuzz harness".ljust(116, b" ")
    header = text + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"
    data = matrix("a", 6, (3, 4), [0.5 * k for k in range(12)]) + matrix("counts", 12, (2, 3), [float(k - 2) for k in range(6)])
    open(path, "wb").write(header + data)


def run_quiet(command, cwd):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"fuzz: seed command failed: {' '.join(command)}\n{result.stderr}")


def make_seeds(pdekit, work):
    """Writes every seed into `work`; returns {reader: [seed path, …]}."""
    seeds = os.path.join(work, "seeds")
    os.makedirs(seeds, exist_ok=True)
    join = lambda name: os.path.join(seeds, name)
    run_quiet([pdekit, "generate", "pde", "darcy", "--samples", "12", "--resolution", "9", "--output", join("darcy.h5"), "--quiet"], work)
    run_quiet([pdekit, "generate", "antiderivative", "--samples", "10", "--test-samples", "5", "--sensors", "12",
               "--output", join("antiderivative.npz")], work)
    run_quiet([pdekit, "train", "fno", "--data", join("darcy.h5"), "--train", "8", "--test", "4", "--epochs", "1",
               "--width", "4", "--modes", "2", "--layers", "1", "--batch-size", "4", "--output", join("run"), "--quiet"], work)
    run_quiet([pdekit, "train", "mgno", "--data", join("darcy.h5"), "--train", "8", "--test", "4", "--epochs", "1",
               "--channels", "4", "--layers", "1", "--batch-size", "4", "--output", join("mgno"), "--quiet"], work)
    burgers_reference(join("burgers.npz"))
    burgers_reference(join("burgers_zip64.npz"), zip64=True)
    mat_version5(join("plain_v5.mat"))
    matrix_market(join("laplacian.mtx"))
    vector_market(join("rhs.mtx"))
    for name in ["ramp_f4.npy", "fortran_be_i4.npy", "objects.npy", "deeponet.npz", "darcy_v5.mat", "burgers_v73.mat"]:
        shutil.copy(os.path.join(FIXTURES, name), join(name))
    # torch.save archives written by PyTorch (bench/peers/neuralop_fixtures.py), a problem file, and
    # PDEBench-layout files (datasets/fixtures/collections/make_collection_fixtures.py).
    for name in ["fno1d.pt", "fno2d_state_dict.pt", "fno2d_metadata.pkl", "fno2d_v03_joint_padded_state_dict.pt",
                 "fno2d_v03_joint_padded_metadata.pkl"]:
        shutil.copy(os.path.join(ROOT, "Tests", "Fixtures", "neuraloperator", name), join(name))
    shutil.copy(os.path.join(ROOT, "datasets", "problems", "poisson1d.json"), join("poisson1d.json"))
    # Problem files of `gp --problem` and `generate --problem` (renamed so that no name contains another).
    # The gp seed must be solved by the runs' small budget (41 points, 2 + 2 steps: relative error 0.2): a
    # run no better than u = 0 (gp-poisson1d's sin(100x) there) exits 2 and the seed check would fail.
    shutil.copy(os.path.join(ROOT, "datasets", "problems", "gp-poisson1d-multiscale.json"), join("gp_problem.json"))
    shutil.copy(os.path.join(ROOT, "datasets", "problems", "darcy-generate.json"), join("generate_problem.json"))
    for name in ["pdebench_2d_seeds.hdf5", "pdebench_1d_tensor.hdf5", "pdebench_2d_cfd.hdf5"]:
        shutil.copy(os.path.join(FIXTURES, "collections", name), join(name))
    # The Well: a dataset directory of split files; a run mutates one file of a copy of the tree.
    shutil.copytree(os.path.join(FIXTURES, "collections", "the_well", "fixture_flow"), join("fixture_flow"))
    well_file = lambda split: join(os.path.join("fixture_flow", "data", split, f"fixture_flow_{split}.hdf5"))
    return {
        "hdf5": [join("darcy.h5")],
        "npy": [join("ramp_f4.npy"), join("fortran_be_i4.npy"), join("objects.npy")],
        "npz": [join("deeponet.npz"), join("antiderivative.npz"), join("burgers.npz"), join("burgers_zip64.npz")],
        "mat5": [join("darcy_v5.mat"), join("plain_v5.mat")],
        "mat73": [join("burgers_v73.mat")],
        "safetensors": [join("run/checkpoint.safetensors")],
        "mgno": [join("mgno/checkpoint.safetensors")],
        "matrixmarket": [join("laplacian.mtx"), join("rhs.mtx")],
        "torch": [join("fno1d.pt"), join("fno2d_state_dict.pt"), join("fno2d_metadata.pkl"),
                  join("fno2d_v03_joint_padded_state_dict.pt"), join("fno2d_v03_joint_padded_metadata.pkl")],
        "problem": [join("poisson1d.json"), join("gp_problem.json"), join("generate_problem.json")],
        "collection": [join("pdebench_2d_seeds.hdf5"), join("pdebench_1d_tensor.hdf5"), join("pdebench_2d_cfd.hdf5")],
        "well": [well_file("train"), well_file("valid")],
    }


# MARK: Commands per reader

def file_commands(seeds_dir):
    """(reader, command name, seed basename filter, argv template); {f} is the mutated file, {w} a scratch dir."""
    s = lambda name: os.path.join(seeds_dir, name)
    tiny_fno = ["--train", "8", "--test", "4", "--epochs", "1", "--width", "4", "--modes", "2", "--layers", "1",
                "--batch-size", "4", "--quiet"]
    return [
        ("hdf5", "inspect", None, ["inspect", "{f}"]),
        ("hdf5", "train fno", None, ["train", "fno", "--data", "{f}", "--output", "{w}/run"] + tiny_fno),
        ("hdf5", "evaluate", None, ["evaluate", s("run"), "--data", "{f}", "--samples", "4", "--plots", "{w}"]),
        ("npy", "inspect", None, ["inspect", "{f}"]),
        ("npz", "inspect", None, ["inspect", "{f}"]),
        ("npz", "train deeponet", "antiderivative.npz", ["train", "deeponet", "--data", "{f}", "--iterations", "2",
                                                         "--branch", "12,4", "--trunk", "1,4", "--output", "{w}/don"]),
        ("npz", "train deeponet", "deeponet.npz", ["train", "deeponet", "--data", "{f}", "--iterations", "2", "--output", "{w}/don"]),
        ("npz", "pinn burgers --reference", "burgers", ["pinn", "burgers", "--iterations", "2", "--lbfgs-iterations", "0",
                                                       "--width", "4", "--no-plots", "--reference", "{f}", "--output", "{w}/pinn"]),
        ("mat5", "inspect", None, ["inspect", "{f}"]),
        ("mat73", "inspect", None, ["inspect", "{f}"]),
        ("safetensors", "evaluate", None, ["evaluate", "{f}", "--data", s("darcy.h5"), "--samples", "4", "--plots", "{w}"]),
        ("safetensors", "train fno --resume", None, ["train", "fno", "--data", s("darcy.h5"), "--output", "{w}/run", "--resume"]
         + tiny_fno[:5] + ["2"] + tiny_fno[6:]),
        ("matrixmarket", "solve", "laplacian.mtx", ["solve", "{f}", "--method", "cg"]),
        ("matrixmarket", "solve direct", "laplacian.mtx", ["solve", "{f}", "--method", "direct"]),
        ("matrixmarket", "solve --rhs", "rhs.mtx", ["solve", s("laplacian.mtx"), "--rhs", "{f}", "--method", "gmres"]),
        ("torch", "import neuraloperator", "fno1d.pt", ["import", "neuraloperator", "{f}", "--output", "{w}/imported"]),
        ("torch", "import neuraloperator", "fno2d_state_dict.pt", ["import", "neuraloperator", "{f}", "--metadata",
                                                                   s("fno2d_metadata.pkl"), "--output", "{w}/imported"]),
        ("torch", "import neuraloperator 0.3", "fno2d_v03_joint_padded_state_dict.pt",
         ["import", "neuraloperator", "{f}", "--metadata", s("fno2d_v03_joint_padded_metadata.pkl"), "--output", "{w}/imported"]),
        ("torch", "import --metadata 0.3", "fno2d_v03_joint_padded_metadata.pkl",
         ["import", "neuraloperator", s("fno2d_v03_joint_padded_state_dict.pt"), "--metadata", "{f}", "--output", "{w}/imported"]),
        ("torch", "import --metadata", "fno2d_metadata.pkl", ["import", "neuraloperator", s("fno2d_state_dict.pt"),
                                                              "--metadata", "{f}", "--output", "{w}/imported"]),
        ("problem", "pinn --problem", "poisson1d.json", ["pinn", "--problem", "{f}", "--iterations", "2", "--lbfgs-iterations", "0",
                                                         "--no-plots", "--output", "{w}/pinn"]),
        ("problem", "gp --problem", "gp_problem.json", ["gp", "--problem", "{f}", "--iterations", "2", "--lbfgs-iterations", "2",
                                                        "--collocation", "41", "--components", "4", "--test-points", "50",
                                                        "--output", "{w}/gp"]),
        ("problem", "generate pde --problem", "generate_problem.json", ["generate", "pde", "--problem", "{f}", "--samples", "2",
                                                                    "--resolution", "9", "--output", "{w}/g.h5", "--quiet"]),
        ("mgno", "evaluate", None, ["evaluate", "{f}", "--data", s("darcy.h5"), "--samples", "4", "--plots", "{w}"]),
        ("mgno", "train mgno --resume", None, ["train", "mgno", "--data", s("darcy.h5"), "--output", "{w}/mgno", "--resume",
                                               "--train", "8", "--test", "4", "--epochs", "2", "--channels", "4", "--layers", "1",
                                               "--batch-size", "4", "--quiet"]),
        ("collection", "inspect", None, ["inspect", "{f}"]),
        ("collection", "train fno --task next-step", "pdebench_2d_cfd", ["train", "fno", "--task", "next-step", "--history", "2",
                                                                        "--data", "{f}", "--train", "2", "--test", "1", "--modes", "1",
                                                                        "--width", "4", "--layers", "1", "--epochs", "1",
                                                                        "--output", "{w}/ns", "--quiet"]),
        ("well", "inspect", None, ["inspect", "{w}/fixture_flow"]),
        ("well", "train fno --task next-step", None, ["train", "fno", "--task", "next-step", "--history", "2", "--data",
                                                      "{w}/fixture_flow", "--train", "3", "--validation", "1", "--test", "2",
                                                      "--modes", "1", "--width", "4", "--layers", "1", "--epochs", "1",
                                                      "--output", "{w}/ns", "--quiet"]),
    ]


# MARK: Mutations

TEXT_READERS = {"matrixmarket", "problem"}
SAFETENSORS_READERS = {"safetensors", "mgno"}   # an 8-byte header length, a JSON header, then raw tensors
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def mutate(data, reader, rng):
    """One or a few mutations of `data`; returns (bytes, description)."""
    data = bytearray(data)
    steps = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kinds = ["bitflip", "byte", "word", "truncate", "duplicate", "header"]
        if reader in TEXT_READERS or reader in SAFETENSORS_READERS:
            kinds += ["number", "number", "lines"]
        kind = rng.choice(kinds)
        if not data:
            break
        n = len(data)
        if kind == "bitflip":
            for _ in range(rng.randint(1, 8)):
                position = rng.randrange(n)
                data[position] ^= 1 << rng.randrange(8)
            steps.append("bitflip")
        elif kind == "byte":
            position = rng.randrange(n)
            data[position] = rng.choice(INTERESTING_BYTES)
            steps.append(f"byte@{position}")
        elif kind == "word" or kind == "header":
            word = rng.choice(INTERESTING_WORDS)
            # Header edits hit the structures at the start (magic numbers, lengths, shapes, offsets).
            limit = min(n, 1024) if kind == "header" else n
            position = rng.randrange(max(1, limit - len(word) + 1))
            if kind == "header" and reader in ("hdf5", "mat73", "collection", "well") and rng.random() < 0.5:
                position = rng.randrange(max(1, n - len(word) + 1)) & ~7   # HDF5 fields are 8-byte aligned
            data[position:position + len(word)] = word
            steps.append(f"{kind}@{position}")
        elif kind == "truncate":
            cut = rng.randrange(n)
            del data[cut:]
            steps.append(f"truncate@{cut}")
        elif kind == "duplicate":
            start = rng.randrange(n)
            length = rng.randint(1, min(4096, n - start))
            insert = rng.randrange(n)
            data[insert:insert] = data[start:start + length]
            steps.append(f"duplicate{length}@{insert}")
        elif kind == "number":
            # Safetensors: only the JSON header (8-byte length + text) is text.
            end = n
            if reader in SAFETENSORS_READERS and n >= 8:
                end = min(n, 8 + struct.unpack_from("<Q", data, 0)[0])
            matches = list(NUMBER.finditer(bytes(data[:end]), 8 if reader in SAFETENSORS_READERS else 0))
            if matches:
                match = rng.choice(matches)
                replacement = rng.choice(INTERESTING_NUMBERS).encode()
                data[match.start():match.end()] = replacement
                if reader in SAFETENSORS_READERS:   # keep the declared header length consistent
                    data[0:8] = struct.pack("<Q", end - 8 + len(replacement) - (match.end() - match.start()))
                steps.append(f"number@{match.start()}")
        elif kind == "lines":
            lines = bytes(data).split(b"\n")
            index = rng.randrange(len(lines))
            if rng.random() < 0.5:
                del lines[index]
            else:
                lines.insert(index, lines[rng.randrange(len(lines))])
            data = bytearray(b"\n".join(lines))
            steps.append("lines")
    return bytes(data), "+".join(steps) or "none"


# MARK: Running and classifying

def limit_child():
    os.setsid()
    gib = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (12 * gib, 12 * gib))   # a wild allocation must not take the machine
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


PROGRESS_TEXT = re.compile(r"\b\d+/\d+\b")


def cpu_seconds(pid):
    """User + system CPU seconds of a process (all threads), from /proc; None if it is gone."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def classify(argv, timeout, cwd):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PDEKIT_THREADS="1")
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               preexec_fn=limit_child, env=env)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # A long run is not a hang when it announced its planned work as a progress line `k/N` and
        # is still computing (its CPU time grows over one more second); it is listed as `long-run`
        # with its reproducer, not counted as a failure. Anything else at the timeout is a hang.
        before = cpu_seconds(process.pid)
        time.sleep(1)
        after = cpu_seconds(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        progress = [line for line in re.split(r"[\r\n]", stderr.decode("utf-8", "replace")) if PROGRESS_TEXT.search(line)]
        if progress and before is not None and after is not None and after > before:
            return "long-run", f"still computing after {timeout} s (+{after - before:.2f} s CPU in 1 s): {progress[-1].strip()[:160]}", \
                time.monotonic() - started
        return "hang", f"no exit after {timeout} s", time.monotonic() - started
    text = stderr.decode("utf-8", "replace")
    seconds = time.monotonic() - started
    code = process.returncode
    lines = [segment for line in text.splitlines() for segment in line.split("\r") if segment.strip()]
    error_lines = [line for line in lines if line.startswith("error:")]
    if code < 0:
        return "crash", f"signal {-code} ({signal.Signals(-code).name})" + (f": {lines[-1][:200]}" if lines else ""), seconds
    if any(CRASH_TEXT.search(line) for line in lines if not line.startswith("error:")):
        return "crash", next(line for line in lines if CRASH_TEXT.search(line) and not line.startswith("error:"))[:200], seconds
    if code == 0:
        return "accepted", "", seconds
    if len(error_lines) == 1:
        return "clean", error_lines[0][:200], seconds
    warnings = [line for line in lines if line.startswith("warning:")]
    if code == 2 and not error_lines and len(warnings) == 1:
        return "outcome", warnings[0][:200], seconds
    return "unclear", (lines[-1][:200] if lines else f"exit {code}, no output"), seconds


# MARK: Modes

def files_mode(args, work, seeds):
    seeds_dir = os.path.join(work, "seeds")
    jobs = []
    for reader, name, only, template in file_commands(seeds_dir):
        for seed in seeds[reader]:
            if only and only not in os.path.basename(seed):
                continue
            jobs.append((reader, name, seed, template))
    # A job keeps its index in the full list under --readers, so run k of a job mutates as without it.
    chosen = [(index, job) for index, job in enumerate(jobs) if not args.readers or job[0] in args.readers]
    runs = []
    per_job = max(1, args.runs // len(chosen))
    for index, (reader, name, seed, template) in chosen:
        for k in range(-1, per_job):
            runs.append((reader, name, seed, template, index, k))
    return runs


def execute_file_run(args, work, run):
    reader, name, seed, template, job_index, k = run
    rng = random.Random(f"{args.seed}:{job_index}:{k}")
    original = open(seed, "rb").read()
    # Run -1 of every group is the unmutated seed: it must be accepted, or the group tests nothing.
    mutated, description = mutate(original, reader, rng) if k >= 0 else (original, "none (seed check)")
    scratch = tempfile.mkdtemp(dir=work, prefix="run-")
    try:
        target = os.path.join(scratch, os.path.basename(seed))
        if reader in SAFETENSORS_READERS and "resume" in name:
            run_directory = "run" if reader == "safetensors" else reader
            shutil.copytree(os.path.dirname(seed), os.path.join(scratch, run_directory))
            target = os.path.join(scratch, run_directory, os.path.basename(seed))
        elif reader == "well":
            # The whole dataset directory, with the mutated split file in place of its original.
            seeds_dir = os.path.join(work, "seeds")
            shutil.copytree(os.path.join(seeds_dir, "fixture_flow"), os.path.join(scratch, "fixture_flow"))
            target = os.path.join(scratch, os.path.relpath(seed, seeds_dir))
        open(target, "wb").write(mutated)
        argv = [args.pdekit] + [part.replace("{f}", target).replace("{w}", scratch) for part in template]
        outcome, detail, seconds = classify(argv, args.timeout, scratch)
        if outcome in ("crash", "hang") and args.keep:
            os.makedirs(args.keep, exist_ok=True)
            shutil.copy(target, os.path.join(args.keep, f"{reader}-{job_index}-{k}-{os.path.basename(seed)}"))
        return {"reader": reader, "command": name, "seed_file": os.path.basename(seed), "run": k, "mutation": description,
                "outcome": outcome, "detail": detail, "seconds": round(seconds, 3),
                "argv": " ".join(argv[1:]).replace(scratch, "<scratch>")}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def numeric_flags(pdekit, command):
    """Options of `pdekit <command> --help` that take a value and are neither enums nor paths or keys."""
    text = subprocess.run([pdekit] + command + ["--help"], capture_output=True, text=True).stdout
    blocks, current = [], None
    for line in text.splitlines():
        match = re.match(r"^\s{2}(--[\w-]+)(?:/--[\w-]+)? <([^>]+)>", line)
        if match:
            current = [match.group(1), line]
            blocks.append(current)
        elif re.match(r"^\s{2}(--|-h)", line):
            current = None
        elif current is not None:
            current[1] += " " + line.strip()
    skip = re.compile(r"data|output|reference|model|checkpoint|rhs|solution|plots|key|log$|sample-order|preset|test-data"
                      r"|activation|keep|trunk-bias|run-directory|compare|constraints|method|kernel|problem|potential")
    flags = []
    for flag, block in blocks:
        if "(values:" in block or skip.search(flag):
            continue
        flags.append(flag)
    return flags


def flag_commands(work, seeds_dir):
    """Commands with a fast, valid base invocation; each numeric flag is replaced by bad values.
    Long commands keep their progress output (no `--quiet`), so that an absurdly long but legitimate
    request (`--epochs 3037000500`) can be told from a hang."""
    s = lambda name: os.path.join(seeds_dir, name)
    return [
        (["generate", "pde"], ["darcy", "--samples", "4", "--resolution", "9", "--output", "{w}/g.h5", "--quiet"]),
        (["generate", "navier-stokes"], ["--samples", "1", "--resolution", "8", "--final-time", "0.1", "--record-interval", "0.1",
                                         "--output", "{w}/ns.h5", "--quiet"]),
        (["generate", "antiderivative"], ["--samples", "10", "--test-samples", "5", "--sensors", "12", "--output", "{w}/a.npz"]),
        (["train", "fno"], ["--data", s("darcy.h5"), "--train", "8", "--test", "4", "--epochs", "1", "--width", "4", "--modes", "2",
                            "--layers", "1", "--batch-size", "4", "--output", "{w}/r"]),
        (["train", "mgno"], ["--data", s("darcy.h5"), "--train", "8", "--test", "4", "--epochs", "1", "--channels", "4",
                             "--layers", "1", "--batch-size", "4", "--output", "{w}/r"]),
        (["train", "deeponet"], ["--data", s("antiderivative.npz"), "--iterations", "2", "--branch", "12,4", "--trunk", "1,4",
                                 "--output", "{w}/d"]),
        (["evaluate"], [s("run"), "--data", s("darcy.h5"), "--samples", "4", "--plots", "{w}"]),
        (["solve"], [s("laplacian.mtx"), "--method", "gmres"]),
        (["pinn"], ["burgers", "--iterations", "2", "--lbfgs-iterations", "0", "--width", "4", "--no-plots", "--output", "{w}/p"]),
        (["pinn"], ["poisson1d", "--iterations", "2", "--lbfgs-iterations", "0", "--width", "4", "--no-plots", "--output", "{w}/p"]),
        (["gp"], ["poisson1d", "--iterations", "2", "--output", "{w}/gp"]),
        (["dcdm", "train"], ["--grid", "8", "--dimensions", "2", "--steps", "1", "--output", "{w}/dcdm.safetensors"]),
        (["dcdm", "problem"], ["--grid", "8", "--output", "{w}/A.mtx"]),
        (["train", "fno"], ["--task", "next-step", "--history", "2", "--data", s("fixture_flow"), "--train", "3", "--validation", "1",
                            "--test", "2", "--modes", "1", "--width", "4", "--layers", "1", "--epochs", "1", "--output", "{w}/ns"]),
        (["gp"], ["--problem", s("gp_problem.json"), "--iterations", "2", "--lbfgs-iterations", "2", "--collocation", "41",
                  "--components", "4", "--output", "{w}/gp"]),
        (["generate", "pde"], ["--problem", s("generate_problem.json"), "--samples", "2", "--resolution", "9", "--output", "{w}/g.h5", "--quiet"]),
    ]


def flags_mode(args, work):
    seeds_dir = os.path.join(work, "seeds")
    runs = []
    for index, (command, base) in enumerate(flag_commands(work, seeds_dir)):
        for flag in numeric_flags(args.pdekit, command):
            for value in BAD_FLAG_VALUES:
                argv = list(base)
                if flag in argv:
                    position = argv.index(flag)
                    argv[position + 1] = value
                else:
                    argv += [flag, value]
                runs.append((command, flag, value, command + argv))
    return runs


def execute_flag_run(args, work, run):
    command, flag, value, template = run
    scratch = tempfile.mkdtemp(dir=work, prefix="flag-")
    try:
        argv = [args.pdekit] + [part.replace("{w}", scratch) for part in template]
        outcome, detail, seconds = classify(argv, args.flag_timeout, scratch)
        label = " ".join(command) + (f" {template[len(command)]}" if command in (["pinn"], ["gp"], ["generate", "pde"]) else "")
        label += " --task next-step" if "next-step" in template else ""
        return {"command": label, "flag": flag, "value": value, "outcome": outcome, "detail": detail,
                "seconds": round(seconds, 3), "argv": " ".join(argv[1:]).replace(scratch, "<scratch>")}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def summarize(results, keys):
    groups = {}
    for result in results:
        key = tuple(result[k] for k in keys)
        counts = groups.setdefault(key, {"runs": 0, "clean": 0, "accepted": 0, "outcome": 0, "unclear": 0, "long-run": 0, "crash": 0, "hang": 0})
        counts["runs"] += 1
        counts[result["outcome"]] += 1
    return [dict(zip(keys, key), **counts) for key, counts in sorted(groups.items())]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdekit", default=os.path.join(ROOT, ".build", "release", "pdekit"))
    parser.add_argument("--mode", choices=["files", "flags", "all"], default="files")
    parser.add_argument("--runs", type=int, default=300, help="file runs in total (spread over readers and commands)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a file run counts as a hang")
    parser.add_argument("--flag-timeout", type=float, default=60, help="seconds before a flag run counts as a hang")
    parser.add_argument("--flag-sample", type=int, default=0, help="run only this many flag cases, chosen with --seed (0: all)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--keep", help="copy inputs that crash or hang into this directory")
    parser.add_argument("--all-runs", action="store_true", help="print a JSON line for every run, not only failures")
    parser.add_argument("--readers", help="files mode: only these readers' groups, comma-separated (e.g. problem,mgno,well)")
    args = parser.parse_args()
    args.readers = set(args.readers.split(",")) if args.readers else None
    args.pdekit = os.path.abspath(args.pdekit)
    work = tempfile.mkdtemp(prefix="pdekit-fuzz-")
    started = time.monotonic()
    try:
        seeds = make_seeds(args.pdekit, work)
        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            if args.mode in ("files", "all"):
                file_runs = files_mode(args, work, seeds)
                log(f"fuzz: {len(file_runs)} file runs, seed {args.seed}")
                file_results = list(pool.map(lambda run: execute_file_run(args, work, run), file_runs))
                checks = [r for r in file_results if r["run"] < 0]
                file_results = [r for r in file_results if r["run"] >= 0]
                for check in checks:
                    if check["outcome"] != "accepted":
                        print(json.dumps(dict(check, kind="seed-check-failed")))
                        log(f"fuzz: the unmutated seed is not accepted: {check['argv']}: {check['detail']}")
                for result in file_results:
                    if args.all_runs or result["outcome"] in ("crash", "hang"):
                        print(json.dumps(dict(result, kind="file-run")))
                for group in summarize(file_results, ["reader", "command"]):
                    print(json.dumps(dict(group, kind="files")))
                results += file_results
            if args.mode in ("flags", "all"):
                flag_runs = flags_mode(args, work)
                if args.flag_sample:
                    flag_runs = random.Random(args.seed).sample(flag_runs, min(args.flag_sample, len(flag_runs)))
                log(f"fuzz: {len(flag_runs)} flag runs")
                flag_results = list(pool.map(lambda run: execute_flag_run(args, work, run), flag_runs))
                for result in flag_results:
                    if args.all_runs or result["outcome"] in ("crash", "hang", "long-run"):
                        print(json.dumps(dict(result, kind="flag-run")))
                for group in summarize(flag_results, ["command", "flag"]):
                    print(json.dumps(dict(group, kind="flags")))
                results += flag_results
        failed = sum(1 for r in results if r["outcome"] in ("crash", "hang"))
        totals = summarize([dict(r, all="all") for r in results], ["all"])
        print(json.dumps(dict(totals[0] if totals else {}, kind="total", seconds=round(time.monotonic() - started, 1))))
        print(f"{len(results) - failed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
