"""Puts one I/O's whole managed path first in the Native AOT hot-method order.

bench/aot-order.sh orders methods by perf samples over every job: a method that runs every I/O
but costs too little to be sampled, or a job's methods interleaved with another's, lands apart
from the rest of the path, and each such page is one more code page an I/O touches (one more
TLB refill after every io_uring_enter on this host). This takes bench/instructions.sh's callgrind
runs of one job (N and 2N I/Os), lists every managed function that runs at least once per I/O
in the loop (the difference of the two runs), costliest first, and writes them at the head of
the order, the order's other methods after them in their order. With several jobs, each job's
functions not already listed follow the ones before: the first job's path stays whole.

  python3 bench/aot-order-loop.py PINIO_DBG PROFILE_DIR [PROFILE_DIR...]

PINIO_DBG: the build's PinIo.Cli.dbg (its symbols say which names the compiler made);
PROFILE_DIR: bench/instructions.sh's OUT, its jobs in name order; N (environment): the short
run's I/Os (5000)."""
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instructions  # noqa: E402  (bench/instructions.py: per-I/O costs from the two runs)

# The runtime's assembly helpers (Rhp*) and libc are linked, not laid out by the compiler.
NOT_ORDERED = ("Rhp", "syscall")


def loop_functions(folder, n):
    first = []
    for short in sorted(glob.glob(os.path.join(folder, f"*.pinio.{n}.cg"))):
        name = os.path.basename(short).split(".")[0]
        _, short_base, long_base, done = instructions.per_io(folder, name, "pinio", n)
        a, b = instructions.per_function(short_base + ".cg"), instructions.per_function(long_base + ".cg")
        runs = sorted(((b.get(f, 0) - a.get(f, 0)) / done, f) for f in b)[::-1]
        first += [f for cost, f in runs if cost >= 1 and f not in first]
    return first


def main(dbg, folders, n):
    defined = set(subprocess.run(["nm", dbg], capture_output=True, text=True).stdout.split())
    loop = []
    for folder in folders:
        loop += [f for f in loop_functions(folder, n) if f in defined and not f.startswith(NOT_ORDERED) and f not in loop]
    with open(instructions.ORDER) as f:
        rest = [line.strip() for line in f if line.strip() and line.strip() not in loop]
    with open(instructions.ORDER, "w") as f:
        f.write("\n".join(loop + rest) + "\n")
    print(f"{instructions.ORDER}: {len(loop)} methods of one I/O's path first, then {len(rest)} of the order as it was")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:], int(os.environ.get("N", "5000")))
