#!/usr/bin/env python3
"""Issue 11's new-user run of fio's examples/, the parts bench/fio-examples.sh calls:

  fio-examples.py rewrite IN OUT --device DEV --dir DIR --runtime S --cap BYTES
      writes IN with its device and directory names pointed at DEV and DIR, runtime capped
      (a [global] runtime=S first, every runtime= set to S, startdelay/ramp_time 0) and every
      size above BYTES capped; prints the rewrites made, one per line
  fio-examples.py report OUTDIR RUNTIME
      reads OUTDIR/<example>.{fio,pinio}.{json,err,rc} and prints the table, the counts, the
      ranking of what pinio refused and (from OUTDIR/examples and OUTDIR/pinio-help.txt) every
      option and engine the examples use that pinio does not list
"""
import json
import os
import re
import sys
from collections import Counter

KEEP_DEVICES = ("/dev/null", "/dev/zero", "/dev/shm/")
SIZE_KEYS = {"size", "io_size", "io_limit", "filesize", "file_size"}
UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
LINE = re.compile(r"^(\s*)([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$")


def strip_comment(value):
    """fio cuts a value at ';' or '#' (what a new user's file relies on)."""
    return re.split(r"\s*[;#]", value, maxsplit=1)[0].strip()


def parse_bytes(value):
    m = re.fullmatch(r"(\d+)\s*([kmgtp]?)(i?b)?", value.strip(), re.IGNORECASE)
    return int(m.group(1)) * UNITS[m.group(2).lower()] if m else None


def rewrite_filename(value, device, directory):
    parts = []
    for name in re.split(r"(?<!\\):", value):
        if "$" in name or not name.startswith("/") or name.startswith(KEEP_DEVICES):
            parts.append(name)          # relative names land in DIR: both tools run there
        elif name.startswith("/dev/"):
            parts.append(device)
        else:
            parts.append(os.path.join(directory, os.path.basename(name)))
    return ":".join(parts)


def rewrite(src, dst, device, directory, runtime, cap):
    out = [f"; rewritten by bench/fio-examples.sh from {os.path.basename(src)}\n",
           "[global]\n", f"runtime={runtime}\n"]
    notes = []
    with open(src, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m or line.lstrip().startswith((";", "#")):
                out.append(line)
                continue
            indent, key, raw = m.groups()
            value = strip_comment(raw)
            new = None
            if key == "filename":
                new = rewrite_filename(value, device, directory)
            elif key == "directory":
                new = directory
            elif key in ("runtime", "timeout"):
                new = str(runtime)
            elif key in ("startdelay", "ramp_time"):
                new = "0"
            elif key in SIZE_KEYS:
                n = parse_bytes(value)
                if n is not None and n > cap:
                    new = str(cap)
            if new is not None and new != value:
                notes.append(f"{key}={value} -> {new}")
                line = f"{indent}{key}={new}\n"
            out.append(line)
    with open(dst, "w", encoding="utf-8") as f:
        f.writelines(out)
    print("; ".join(dict.fromkeys(notes)))


def load_json(path):
    """fio's JSON output file may carry lines of notes before the object."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    start = text.find("{")
    if start < 0:
        return None
    try:
        return json.JSONDecoder().raw_decode(text[start:])[0]
    except ValueError:
        return None


def read(path, default=""):
    try:
        return open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return default


def outcome(outdir, example, tool):
    rc = read(f"{outdir}/{example}.{tool}.rc", "?").strip()
    data = load_json(f"{outdir}/{example}.{tool}.json")
    ran = rc == "0" and data is not None and len(data.get("jobs", [])) > 0
    return ran, rc, data


REFUSAL_PATTERNS = [
    # a value that kept fio's inline comment: "failed parsing numjobs=4 ; four jobs"
    (re.compile(r"failed parsing [A-Za-z0-9_]+=[^:]*?\s*[;#]"), lambda m: "(inline comment in a value)"),
    (re.compile(r"failed parsing (rw|readwrite)=(\S+?): '"), lambda m: f"{m.group(1)}={m.group(2)}"),
    # pinio: f.fio line 5: failed parsing ioengine=null: 'null' is not a valid value
    (re.compile(r"failed parsing (ioengine)=([^:\s;#]+)"), lambda m: f"ioengine={m.group(2)}"),
    (re.compile(r"failed parsing (verify|random_distribution|file_service_type|"
                r"zonemode|io_submit_mode|rate_process|fallocate|exit_what|cpus_allowed_policy)=([A-Za-z0-9_-]+)"),
     lambda m: f"{m.group(1)}={m.group(2)}"),
    (re.compile(r"failed parsing ([A-Za-z0-9_]+)="), lambda m: m.group(1)),
    (re.compile(r"(?:unknown|unrecognized) option '?-*([A-Za-z0-9_]+)"), lambda m: m.group(1)),
    (re.compile(r"(?:option|options?) '?([A-Za-z0-9_]+)'? (?:is|are) not (?:implemented|supported)"), lambda m: m.group(1)),
    (re.compile(r"\b([a-z][a-z0-9_]+)=[^:]*: [^\n]*not (?:implemented|supported)"), lambda m: m.group(1)),
]


def refusal(err):
    """The option (or ioengine=X) pinio refused, from its message; None when it names none."""
    for line in err.splitlines():
        for pattern, name in REFUSAL_PATTERNS:
            m = pattern.search(line)
            if m:
                return name(m), first_line(line)
    return None, first_line(err)


def first_line(err):
    for line in err.splitlines():
        if line.strip():
            return re.sub(r"/tmp/pinio-fio-examples\.\w+/(jobs/)?", "", line.strip())
    return ""


def job_bound(job, runtime):
    """A job that ran to the runtime cap is time-bound: its bytes depend on speed."""
    return "time" if job.get("job_runtime", 0) >= 900 * runtime else "size"


def compare_jobs(fio, pinio, runtime):
    """(agree, why) for one example both ran. Compared: the number of jobs; per job (in
    order) its error; for a job both ended before the runtime (size-bound), io_bytes and
    total_ios of read, write and trim exactly, since size/io_size/number_ios/loops fix
    them; for a time-bound job only which directions moved bytes."""
    fj, pj = fio["jobs"], pinio["jobs"]
    if len(fj) != len(pj):
        return False, f"jobs {len(fj)} vs {len(pj)}"
    for i, (f, p) in enumerate(zip(fj, pj)):
        tag = f"job {i} ({f.get('jobname')})"
        if f.get("error", 0) != p.get("error", 0):
            return False, f"{tag}: error {f.get('error')} vs {p.get('error')}"
        timed = job_bound(f, runtime) == "time" or job_bound(p, runtime) == "time"
        for d in ("read", "write", "trim"):
            fb, pb = f.get(d, {}).get("io_bytes", 0), p.get(d, {}).get("io_bytes", 0)
            fn, pn = f.get(d, {}).get("total_ios", 0), p.get(d, {}).get("total_ios", 0)
            if timed:
                if (fb > 0) != (pb > 0):
                    return False, f"{tag}: {d} bytes {fb} vs {pb} (time-bound)"
            elif fb != pb or fn != pn:
                return False, f"{tag}: {d} io_bytes {fb} vs {pb}, total_ios {fn} vs {pn}"
    bound = Counter(job_bound(f, runtime) for f in fj)
    return True, f"{len(fj)} job(s), {bound['size']} size-bound, {bound['time']} time-bound"


def report(outdir, runtime):
    examples = sorted(n[: -len(".rewrites")] for n in os.listdir(outdir) if n.endswith(".rewrites"))
    rows, refused = [], Counter()
    refused_by = {}
    counts = Counter(total=len(examples))
    for ex in examples:
        fio_ran, fio_rc, fio = outcome(outdir, ex, "fio")
        pin_ran, pin_rc, pinio = outcome(outdir, ex, "pinio")
        counts["fio"] += fio_ran
        counts["pinio"] += pin_ran
        note = ""
        if fio_ran and pin_ran:
            counts["both"] += 1
            ok, note = compare_jobs(fio, pinio, runtime)
            counts["agree"] += ok
            verdict = "agree" if ok else "DIFFER"
        elif pin_ran:
            verdict = "pinio only"
            note = "fio: " + (f"timeout" if fio_rc == "124" else first_line(read(f"{outdir}/{ex}.fio.err")) or f"exit {fio_rc}")
        else:
            name, line = refusal(read(f"{outdir}/{ex}.pinio.err"))
            if pin_rc == "124":
                name, line = "(timeout)", "no result within the timeout"
            elif pinio is not None and pinio.get("jobs"):
                name = f"(ran, exit {pin_rc})"
            name = name or "(other)"
            refused[name] += 1
            refused_by.setdefault(name, []).append(ex)
            if fio_ran:
                counts["fio_only"] += 1
            verdict = "pinio refused" if fio_ran else "neither"
            note = line[:150]
        rows.append((ex, "yes" if fio_ran else f"no({fio_rc})", "yes" if pin_ran else f"no({pin_rc})", verdict, note))

    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'example':<{width}}  fio      pinio    verdict        detail")
    for ex, f, p, v, n in rows:
        print(f"{ex:<{width}}  {f:<7}  {p:<7}  {v:<13}  {n}")
    print()
    print(f"examples {counts['total']}, fio ran {counts['fio']}, pinio ran {counts['pinio']}, "
          f"both ran {counts['both']}, agree {counts['agree']}; fio ran and pinio did not: {counts['fio_only']}")
    print()
    print("pinio did not run (ranked by examples; the option or engine its message names):")
    for name, n in refused.most_common():
        print(f"  {n:3d}  {name:<32} {' '.join(refused_by[name][:6])}{' ...' if n > 6 else ''}")
    fio_ran_refused = Counter()
    for ex, f, p, v, n in rows:
        if v == "pinio refused":
            fio_ran_refused[refusal(read(f"{outdir}/{ex}.pinio.err"))[0] or "(other)"] += 1
    print()
    print("of those, in examples fio ran here (what to build first):")
    for name, n in fio_ran_refused.most_common():
        print(f"  {n:3d}  {name}")
    if os.path.isdir(os.path.join(outdir, "examples")):
        needs(os.path.join(outdir, "examples"), os.path.join(outdir, "pinio-help.txt"),
              {r[0] for r in rows if r[1] == "yes"})


def pinio_knows(help_text):
    """pinio's option names (with aliases) and ioengine values, from its --help."""
    options, engines, lines = set(), set(), help_text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^ {4}--(\w+)((?:, \w+)*)\s", line)
        if m:
            options.add(m.group(1))
            options.update(a.strip() for a in m.group(2).split(",") if a.strip())
            if m.group(1) == "ioengine" and i + 1 < len(lines):
                engines.update(v.strip() for v in lines[i + 1].split(","))
    return options, engines


def needs(examples_dir, help_path, ran_by_fio):
    """Every option name and engine the examples use that pinio's --help does not list, by the
    number of examples using it (pinio stops at the first refusal; this finds them all)."""
    options, engines = pinio_knows(read(help_path))
    if not options:
        return
    missing, used_by = Counter(), {}
    for path in sorted(os.listdir(examples_dir)):
        if not path.endswith(".fio"):
            continue
        example, wanted = path[:-4], set()
        for line in read(os.path.join(examples_dir, path)).splitlines():
            line = strip_comment(line)
            if not line or line.startswith(("[", "include")) or "$" in line.split("=")[0]:
                continue
            key, _, value = line.partition("=")
            key = key.strip()
            if key == "ioengine":
                engine = value.strip().split(":")[0]
                if engine not in engines:
                    wanted.add(f"ioengine={engine}")
            elif key not in options:
                wanted.add(key)
        for w in wanted:
            missing[w] += 1
            used_by.setdefault(w, []).append(example)
    print()
    print("every option and engine the examples use that pinio does not know (its --help), by examples;")
    print("  [n] = of those, examples fio ran here:")
    elsewhere = []
    for name, n in sorted(missing.items(), key=lambda kv: (-sum(e in ran_by_fio for e in used_by[kv[0]]), -kv[1], kv[0])):
        here = sum(e in ran_by_fio for e in used_by[name])
        if here:
            print(f"  {n:3d} [{here:2d}]  {name:<28} {' '.join(used_by[name][:5])}{' ...' if n > 5 else ''}")
        else:
            elsewhere.append(f"{name} ({n})")
    print("  only in examples fio did not run here (engines, hardware, services this machine lacks):")
    line = "   "
    for item in elsewhere:
        if len(line) + len(item) > 100:
            print(line)
            line = "   "
        line += " " + item + ","
    print(line.rstrip(","))


def main(argv):
    if len(argv) >= 3 and argv[1] == "rewrite":
        import argparse
        p = argparse.ArgumentParser()
        p.add_argument("src")
        p.add_argument("dst")
        p.add_argument("--device", required=True)
        p.add_argument("--dir", required=True)
        p.add_argument("--runtime", type=int, default=1)
        p.add_argument("--cap", type=int, default=64 << 20)
        a = p.parse_args(argv[2:])
        rewrite(a.src, a.dst, a.device, a.dir, a.runtime, a.cap)
    elif len(argv) == 4 and argv[1] == "report":
        report(argv[2], int(argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
