"""Reads bench/instructions.sh's callgrind runs: instructions per I/O of each tool on each job,
(Ir of the 2N run - Ir of the N run) / (I/Os of the one - I/Os of the other), and with TOP > 0
pinio's costliest functions the same way (self instructions per I/O). Warns when a managed
function that costs an I/O 10 or more instructions is missing from the Native AOT hot-method
order (src/PinIo.Cli/aot-hot-order.txt): the linker then puts it anywhere in the text, and the
code pages an I/O touches grow (28 against 20 the first time, bench/README.md "lead (session 11)")."""
import glob
import json
import os
import re
import subprocess
import sys


def ios(path):
    with open(path) as f:
        text = f.read()
    job = json.loads(text[text.index("{"):])["jobs"][0]
    return sum(job[d]["total_ios"] for d in ("read", "write"))


def total_ir(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise ValueError(f"no total in {path}")


def per_function(path):
    """{function: self Ir} from callgrind_annotate (every function, no threshold)."""
    text = subprocess.run(["callgrind_annotate", "--threshold=100", path], capture_output=True, text=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(?:\S+:)?(\S+)", line)
        if m and "PROGRAM" not in line:
            costs[m.group(2)] = costs.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
    return costs


def per_io(folder, name, tool, n):
    short, long = (os.path.join(folder, f"{name}.{tool}.{k}") for k in (n, 2 * n))
    done = ios(long + ".json") - ios(short + ".json")
    if done <= 0:
        raise ValueError(f"{name}: {tool} did as many I/Os in both runs (size too small for 2N?)")
    return (total_ir(long + ".cg") - total_ir(short + ".cg")) / done, short, long, done


def shorten(symbol):
    return re.sub(r"^(PinIo_Cli_)?PinIo_(Cli_)?", "", symbol)[:100]


ORDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "PinIo.Cli", "aot-hot-order.txt")
UNORDERED_MIN = 10  # instructions per I/O


def unordered(profile):
    """Managed functions of one I/O's path, by cost, that the hot-method order does not name."""
    with open(ORDER) as f:
        ordered = {line.strip() for line in f if line.strip()}
    return [(cost, f) for cost, f in profile if cost >= UNORDERED_MIN and f.startswith("PinIo_") and f not in ordered]


def main(folder, n, top):
    names = sorted({os.path.basename(p).split(".")[0] for p in glob.glob(os.path.join(folder, "*.cg"))})
    print("\n| job | fio instructions/IO | pinio instructions/IO | pinio/fio |")
    print("|---|---:|---:|---:|")
    profiles = []
    for name in names:
        try:
            fio, _, _, _ = per_io(folder, name, "fio", n)
            pinio, short, long, done = per_io(folder, name, "pinio", n)
        except (ValueError, OSError, KeyError) as e:
            print(f"| {name} | - | - | ({e}) |")
            continue
        print(f"| {name} | {fio:,.0f} | {pinio:,.0f} | {pinio / fio:.2f}x |")
        profiles.append((name, short, long, done))
    for name, short, long, done in profiles:
        a, b = per_function(short + ".cg"), per_function(long + ".cg")
        profile = sorted(((b.get(f, 0) - a.get(f, 0)) / done, f) for f in b)[::-1]
        missing = unordered(profile)
        if missing:
            print(f"\n{name}: {len(missing)} of pinio's functions costing >= {UNORDERED_MIN} instructions per I/O are not in "
                  f"aot-hot-order.txt (run bench/aot-order.sh before timing this build): "
                  + ", ".join(f"{shorten(f)} ({cost:.0f})" for cost, f in missing))
        if top:
            print(f"\n{name}: pinio's {top} costliest functions, self instructions per I/O")
            for cost, f in profile[:top]:
                print(f"  {cost:7.1f}  {shorten(f)}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
