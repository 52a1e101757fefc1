#!/usr/bin/env bash
# What a kernel entry costs a user loop on this host, apart from the kernel's own work: a bare
# syscall (getppid), then the same followed by touching N distinct pages (a dependent chain, as a
# loop's pointer chasing is) — the extra time is the TLB and cache refill after the entry, which
# PTI without PCID makes a full user TLB flush. Run it on a new host before blaming page walks for
# user CPU per I/O (session 8 found ~2–5 ns per page here: instructions and cache lines, not page
# walks, are what pinio's extra user time is made of; see bench/README.md).
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/entry.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
int main(void) {
    size_t size = 64 << 20;
    char *m = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(m, size, MADV_NOHUGEPAGE);
    int counts[] = {0, 8, 32, 64, 128};
    for (int enter = 1; enter >= 0; enter--) {
        for (int k = 0; k < 5; k++) {
            int n = counts[k], turns = 200000;
            for (int j = 0; j < n; j++)   /* node j, 7 pages apart, points at node j+1 */
                *(void **)(m + (size_t)j * 4096 * 7 % size) = j + 1 < n ? (void *)(m + (size_t)(j + 1) * 4096 * 7 % size) : 0;
            long hops = 0;
            double t0 = now();
            for (int t = 0; t < turns; t++) {
                if (enter) syscall(SYS_getppid);
                for (void *p = n ? m : 0; p; p = *(void **)p) hops++;
            }
            printf("%-16s %3d pages: %6.0f ns per turn (%ld hops)\n", enter ? "syscall, then" : "no syscall,", n, (now() - t0) / turns, hops);
        }
    }
    return 0;
}
C
cc -O2 -o "$dir/entry" "$dir/entry.c"
"$dir/entry"
