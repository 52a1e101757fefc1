// Follows fs/xfs/libxfs/xfs_alloc.c (free space by extent, near-block allocation) and fs/xfs/xfs_extent_busy.c.
namespace PinIo.Fs;

/// <summary>
/// The volume's free data blocks as sorted, merged ranges, and the busy ones: blocks freed by
/// metadata changes not yet durable. A busy block is not allocated again until the journal
/// commit that frees it has ended (XFS's busy extents): reused earlier, a power cut could
/// leave the old file pointing at another file's new data. Not thread-safe: the volume's
/// metadata lock guards it.
/// </summary>
internal sealed class FreeSpace
{
    private readonly SortedSet<BlockRange> _free = new(BlockRange.ByStart);
    private List<BlockRange> _busy = [];

    /// <summary>Blocks free now (busy ones not counted).</summary>
    public long FreeBlocks { get; private set; }

    /// <summary>Blocks freed by changes not yet durable.</summary>
    public long BusyBlocks { get; private set; }

    public IEnumerable<BlockRange> Ranges => _free;

    public IReadOnlyList<BlockRange> Busy => _busy;

    /// <summary>Gives blocks back. False (and nothing changed) when any of them is already free: the caller's metadata is corrupt.</summary>
    public bool Free(long start, long count)
    {
        var range = new BlockRange(start, count);
        BlockRange? before = Floor(start);
        if (before is { } b && b.End > start)
        {
            return false;
        }
        BlockRange? after = Ceiling(start);
        if (after is { } a && a.Start < range.End)
        {
            return false;
        }
        if (before is { } left && left.End == start)
        {
            _free.Remove(left);
            range = new BlockRange(left.Start, left.Count + range.Count);
        }
        if (after is { } right && right.Start == range.End)
        {
            _free.Remove(right);
            range = new BlockRange(range.Start, range.Count + right.Count);
        }
        _free.Add(range);
        FreeBlocks += count;
        return true;
    }

    /// <summary>Takes exactly these blocks (replay). False (nothing changed) unless all of them are free.</summary>
    public bool Reserve(long start, long count)
    {
        if (Floor(start) is not { } holder || holder.End < start + count)
        {
            return false;
        }
        Take(holder, start, count);
        return true;
    }

    /// <summary>
    /// Where up to <paramref name="want"/> contiguous free blocks are, preferably from
    /// <paramref name="goal"/> (next-fit: the block after the file's previous extent), else
    /// the first free range after it, else the first one. Count 0 when nothing is free. Takes
    /// nothing: the mapping record that uses them reserves them (<see cref="Reserve"/>).
    /// </summary>
    public BlockRange Find(long goal, long want)
    {
        if (FreeBlocks == 0)
        {
            return default;
        }
        BlockRange range = Floor(goal) is { } holder && holder.End > goal ? holder : Ceiling(goal) ?? _free.Min;
        long start = range.Start <= goal && goal < range.End ? goal : range.Start;
        return new BlockRange(start, Math.Min(want, range.End - start));
    }

    /// <summary>Freed blocks that wait for the commit recording their freeing.</summary>
    public void MarkBusy(long start, long count)
    {
        _busy.Add(new BlockRange(start, count));
        BusyBlocks += count;
    }

    /// <summary>The busy blocks as a commit starts: it returns them with <see cref="ReleaseBusy"/> once durable.</summary>
    public List<BlockRange> TakeBusy()
    {
        List<BlockRange> busy = _busy;
        _busy = [];
        return busy;
    }

    /// <summary>A commit is durable: the blocks it freed may be allocated again.</summary>
    public void ReleaseBusy(List<BlockRange> busy)
    {
        foreach (BlockRange r in busy)
        {
            BusyBlocks -= r.Count;
            Free(r.Start, r.Count);
        }
    }

    /// <summary>A commit failed: its busy blocks stay busy (for the next commit to free).</summary>
    public void RequeueBusy(List<BlockRange> busy) => _busy.AddRange(busy);

    private void Take(BlockRange holder, long start, long count)
    {
        _free.Remove(holder);
        if (start > holder.Start)
        {
            _free.Add(new BlockRange(holder.Start, start - holder.Start));
        }
        if (start + count < holder.End)
        {
            _free.Add(new BlockRange(start + count, holder.End - start - count));
        }
        FreeBlocks -= count;
    }

    /// <summary>The free range starting at or before <paramref name="block"/>.</summary>
    private BlockRange? Floor(long block)
    {
        // Min/Max of a view are O(log n); its Count would walk it.
        BlockRange max = _free.GetViewBetween(new BlockRange(long.MinValue, 0), new BlockRange(block, 0)).Max;
        return max.Count == 0 ? null : max;
    }

    /// <summary>The free range starting after <paramref name="block"/>.</summary>
    private BlockRange? Ceiling(long block)
    {
        if (block == long.MaxValue)
        {
            return null;
        }
        BlockRange min = _free.GetViewBetween(new BlockRange(block + 1, 0), new BlockRange(long.MaxValue, 0)).Min;
        return min.Count == 0 ? null : min;
    }
}

/// <summary>Blocks [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>).</summary>
internal readonly record struct BlockRange(long Start, long Count)
{
    public static readonly IComparer<BlockRange> ByStart = Comparer<BlockRange>.Create((a, b) => a.Start.CompareTo(b.Start));

    public long End => Start + Count;
}
