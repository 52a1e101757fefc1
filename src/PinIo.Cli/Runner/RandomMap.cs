// Follows fio's axmap (lib/axmap.c) in purpose: every block once per pass.
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace PinIo.Cli.Runner;

/// <summary>
/// The blocks a random job has visited in the current pass. fio's default
/// (<c>norandommap=0</c>) visits every block exactly once per pass: a random pick that hits a
/// visited block takes the next free block after it. A flat bitmap (one bit per block, 32 KiB
/// for 1 GiB of 4 KiB blocks) instead of fio's multi-level axmap: the search skips 64 blocks
/// a step, which keeps a whole pass at about n·ln(n)/64 word reads.
/// </summary>
internal sealed class RandomMap
{
    private readonly ulong[] _used;
    private readonly long _blocks;
    private long _free;

    public RandomMap(long blocks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        _blocks = blocks;
        _used = new ulong[(blocks + 63) / 64];
        _free = blocks;
    }

    public long FreeBlocks => _free;

    /// <summary>Marks <paramref name="block"/> visited, or the first free block after it (wrapping), and returns it. The map must not be full.</summary>
    public long Claim(long block)
    {
        if (_free == 0)
        {
            throw new InvalidOperationException("the random map is full: start a new pass with Reset");
        }
        long found = FindFree(block);
        _used[found >> 6] |= 1UL << (int)(found & 63);
        _free--;
        return found;
    }

    /// <summary>
    /// Marks <paramref name="count"/> blocks from <paramref name="first"/> visited (those not
    /// already), as fio marks every block an I/O covers; returns how many were newly marked.
    /// </summary>
    public long MarkRange(long first, long count)
    {
        long marked = 0;
        long end = Math.Min(first + count, _blocks);
        for (long block = first; block < end; block++)
        {
            ulong bit = 1UL << (int)(block & 63);
            if ((_used[block >> 6] & bit) == 0)
            {
                _used[block >> 6] |= bit;
                marked++;
            }
        }
        _free -= marked;
        return marked;
    }

    /// <summary>
    /// Marks the free blocks that follow one another from <paramref name="first"/>, at most
    /// <paramref name="max"/>, stopping at the first visited block or the map's end; returns how
    /// many it marked (fio's axmap_set_nr, by which mark_random_map cuts an I/O down).
    /// </summary>
    public long MarkFreeRun(long first, long max)
    {
        long end = Math.Min(first + Math.Max(max, 0), _blocks);
        long block = first;
        for (; block < end; block++)
        {
            ulong bit = 1UL << (int)(block & 63);
            if ((_used[block >> 6] & bit) != 0)
            {
                break;
            }
            _used[block >> 6] |= bit;
        }
        long marked = block - first;
        _free -= marked;
        return marked;
    }

    /// <summary>
    /// Asks the CPU for the word of <paramref name="block"/> ahead of its claim: a prefetch,
    /// which neither waits for the word nor holds up the instructions after it. (A read whose
    /// value is dropped was compiled away by Native AOT, and a kept one would stall on the
    /// miss here instead of in the claim.) Elsewhere than x86, a no-op.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(long block)
    {
        if (Sse.IsSupported)
        {
            Prefetch(ref _used[block >> 6]);
        }
    }

    /// <summary>Starts a new pass: every block is free again.</summary>
    public void Reset()
    {
        Array.Clear(_used);
        _free = _blocks;
    }

    private static unsafe void Prefetch(ref ulong word)
    {
        fixed (ulong* at = &word)
        {
            Sse.Prefetch0(at);
        }
    }

    private long FindFree(long block)
    {
        int word = (int)(block >> 6);
        ulong free = ~_used[word] & (ulong.MaxValue << (int)(block & 63));
        int words = _used.Length;
        for (int n = 0; n <= words; n++)
        {
            if (free != 0)
            {
                long candidate = ((long)word << 6) + BitOperations.TrailingZeroCount(free);
                if (candidate < _blocks)
                {
                    return candidate;
                }
            }
            word = word + 1 == words ? 0 : word + 1;
            free = ~_used[word];
        }
        throw new InvalidOperationException("no free block although the map counts some: the map is corrupt");
    }
}
