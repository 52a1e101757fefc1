/* bench/pages.sh's filter. Reads valgrind lackey's --trace-mem=yes lines on stdin; every W instructions
 * prints the number of distinct 4 KiB pages that window touched: code pages (instruction fetches)
 * and data pages (loads, stores, modifies). Usage: pagewin W */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define SLOTS (1u << 16)
static uint64_t keys[2][SLOTS];
static uint32_t stamp[2][SLOTS];

static int add(int set, uint64_t page, uint32_t gen)
{
    uint32_t h = (uint32_t)((page * 0x9E3779B97F4A7C15ull) >> 48);
    for (;;) {
        if (stamp[set][h] != gen) { stamp[set][h] = gen; keys[set][h] = page; return 1; }
        if (keys[set][h] == page) return 0;
        h = (h + 1) & (SLOTS - 1);
    }
}

int main(int argc, char **argv)
{
    long window = argc > 1 ? atol(argv[1]) : 5000;
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
            code += add(0, addr >> 12, gen);
            if (++instrs == window) {
                printf("%ld %ld\n", code, data);
                instrs = code = data = 0;
                gen++;
            }
        } else {
            data += add(1, addr >> 12, gen);
        }
    }
    return 0;
}
