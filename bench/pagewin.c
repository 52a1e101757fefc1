/* bench/pages.sh's filter. Reads valgrind lackey's --trace-mem=yes lines on stdin; every W instructions
 * prints the number of distinct 4 KiB pages that window touched: code pages (instruction fetches)
 * and data pages (loads, stores, modifies). Usage: pagewin W [FIRST COUNT]
 * With FIRST and COUNT, windows FIRST..FIRST+COUNT-1 also list their pages on stderr, one
 * "window kind page accesses" line each (kind I or D, page as a hex address): which pages a loop
 * turn touches, for bench/pagemap.py to name against the process's /proc/PID/maps. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define SLOTS (1u << 16)
static uint64_t keys[2][SLOTS];
static uint32_t stamp[2][SLOTS];

static uint32_t hits[2][SLOTS];

static int add(int set, uint64_t page, uint32_t gen)
{
    uint32_t h = (uint32_t)((page * 0x9E3779B97F4A7C15ull) >> 48);
    for (;;) {
        if (stamp[set][h] != gen) { stamp[set][h] = gen; keys[set][h] = page; hits[set][h] = 1; return 1; }
        if (keys[set][h] == page) { hits[set][h]++; return 0; }
        h = (h + 1) & (SLOTS - 1);
    }
}

static void dump(long index, uint32_t gen)
{
    for (int set = 0; set < 2; set++)
        for (uint32_t h = 0; h < SLOTS; h++)
            if (stamp[set][h] == gen)
                fprintf(stderr, "%ld %c %llx %u\n", index, set ? 'D' : 'I', (unsigned long long)keys[set][h] << 12, hits[set][h]);
}

int main(int argc, char **argv)
{
    long window = argc > 1 ? atol(argv[1]) : 5000;
    long first = argc > 3 ? atol(argv[2]) : -1, count = argc > 3 ? atol(argv[3]) : 0, index = 0;
    int who = argc > 4 && strcmp(argv[4], "who") == 0;
    uint64_t last_instr = 0;
    char line[256];
    uint32_t gen = 1;
    long instrs = 0, code = 0, data = 0;
    while (fgets(line, sizeof line, stdin)) {
        char *p = line;
        while (*p == ' ') p++;
        char kind = *p;
        if (kind != 'I' && kind != 'L' && kind != 'S' && kind != 'M') continue;
        p++;
        while (*p == ' ') p++;
        uint64_t addr = strtoull(p, NULL, 16);
        if (kind == 'I') {
            last_instr = addr;
            code += add(0, addr >> 12, gen);
            if (++instrs == window) {
                printf("%ld %ld\n", code, data);
                if (!who && index >= first && index < first + count) dump(index, gen);
                index++;
                instrs = code = data = 0;
                gen++;
            }
        } else {
            data += add(1, addr >> 12, gen);
            if (who && index >= first && index < first + count)
                fprintf(stderr, "%ld A %llx %llx\n", index, (unsigned long long)(addr >> 12) << 12, (unsigned long long)last_instr);
        }
    }
    return 0;
}
