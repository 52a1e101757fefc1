#!/usr/bin/env python3
"""Names the pages a loop turn touches: bench/pagewin.c's page list (its stderr with FIRST COUNT)
against the traced process's /proc/PID/maps, over windows [FROM, TO). Prints, per region of the
address space, how many distinct pages an average window touched there, and the pages touched in
at least half the windows. With --symbols BINARY, a page inside BINARY's image is named by the
nearest symbol at or below it (nm), for statics and read-only data.

  python3 bench/pagemap.py dump.txt maps.txt FROM TO [--symbols pinio] [--kind D|I]

A dump made with pagewin's "who" (every data access with the instruction that made it) is told
apart by its lines; for it, each data page is listed with the functions that touched it
(--symbols needed), which names the heap objects on a page by the code that uses them.
"""
import bisect, collections, subprocess, sys


def load_maps(path):
    regions = []
    for line in open(path):
        parts = line.split(None, 5)
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        name = parts[5].strip() if len(parts) > 5 else "[anon]"
        regions.append((lo, hi, parts[1], name, int(parts[2], 16)))
    regions.sort()
    return regions


def region_of(regions, starts, page):
    i = bisect.bisect_right(starts, page) - 1
    if i >= 0 and regions[i][0] <= page < regions[i][1]:
        return regions[i]
    return None


def load_symbols(binary, regions):
    out = subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3:
            syms.append((int(parts[0], 16), parts[2]))
    # The image's load bias: its first mapping at file offset 0.
    base = next((lo for lo, _, _, name, off in regions if name.endswith("/" + binary.split("/")[-1]) and off == 0), None)
    return syms, base


def text_symbols(binary, regions):
    syms, base = load_symbols(binary, regions)
    return [a + base for a, _ in syms], [n for _, n in syms]


def who(dump, regions, starts, binary, first, last):
    addrs, names = text_symbols(binary, regions)
    pages = collections.defaultdict(collections.Counter)
    windows = set()
    for line in open(dump):
        w, _, page, instr = line.split()
        if not first <= int(w) < last:
            continue
        windows.add(w)
        i = bisect.bisect_right(addrs, int(instr, 16)) - 1
        pages[int(page, 16)][names[i] if i >= 0 else "?"] += 1
    nw = len(windows) or 1
    def where(page):
        r = region_of(regions, starts, page)
        return "[unmapped]" if r is None else r[3] if r[3] != "[anon]" else f"[anon {(r[1] - r[0]) >> 10} KiB @{r[0]:x}]"
    for page in sorted(pages, key=lambda p: (where(p), p)):
        print(f"{page:x}  {where(page)}  {sum(pages[page].values()) / nw:.1f} accesses per window")
        for name, n in pages[page].most_common(6):
            print(f"    {n / nw:7.1f}  {name[:140]}")


def main():
    args = sys.argv[1:]
    binary = kind = None
    if "--symbols" in args:
        i = args.index("--symbols"); binary = args[i + 1]; del args[i:i + 2]
    kind = "D"
    if "--kind" in args:
        i = args.index("--kind"); kind = args[i + 1]; del args[i:i + 2]
    dump, maps, first, last = args[0], args[1], int(args[2]), int(args[3])
    regions = load_maps(maps)
    starts = [r[0] for r in regions]
    with open(dump) as f:
        is_who = f.readline().split()[1:2] == ["A"]
    if is_who:
        if not binary:
            sys.exit("a who dump needs --symbols BINARY")
        who(dump, regions, starts, binary, first, last)
        return
    touched = collections.Counter()
    accesses = collections.Counter()
    windows = set()
    for line in open(dump):
        w, k, page, n = line.split()
        w = int(w)
        if k != kind or not first <= w < last:
            continue
        windows.add(w)
        page = int(page, 16)
        touched[page] += 1
        accesses[page] += int(n)
    nw = len(windows)
    if nw == 0:
        sys.exit("no windows in range")
    syms, base = load_symbols(binary, regions) if binary else ([], None)
    sym_addrs = [a for a, _ in syms]

    def label(page):
        r = region_of(regions, starts, page)
        if r is None:
            return "[unmapped]", ""
        lo, hi, perms, name, off = r
        detail = ""
        if syms and base is not None and name.endswith("/" + binary.split("/")[-1]):
            j = bisect.bisect_right(sym_addrs, page - base + 4095) - 1
            if j >= 0:
                detail = syms[j][1][:90]
        short = name if name != "[anon]" else f"[anon {perms} {(hi - lo) >> 10} KiB @{lo:x}]"
        return short, detail

    by_region = collections.Counter()
    for page, n in touched.items():
        by_region[label(page)[0]] += n
    print(f"{nw} windows [{first}, {last}), {sum(touched.values()) / nw:.1f} distinct {kind} pages per window")
    print("\npages per window, by mapping:")
    for name, n in by_region.most_common():
        print(f"  {n / nw:6.2f}  {name}")
    print("\npages touched in >= half the windows (share, accesses per window, mapping, symbol):")
    for page, n in sorted(touched.items(), key=lambda kv: (-kv[1], kv[0])):
        if n * 2 < nw:
            break
        name, detail = label(page)
        print(f"  {page:x}  {n / nw:4.2f}  {accesses[page] / n:7.1f}  {name}  {detail}")


if __name__ == "__main__":
    main()
