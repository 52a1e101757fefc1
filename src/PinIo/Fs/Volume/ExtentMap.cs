// Follows fs/xfs/libxfs/xfs_bmap.c (the in-core extent list: lookup, insert a delalloc-free mapping, convert, remove).
namespace PinIo.Fs;

/// <summary>
/// One file's extents, sorted by file block, never overlapping, neighbours merged where they
/// continue each other. Not thread-safe: the volume's metadata lock guards it — except
/// <see cref="TryFindRemembered"/>, which reads the last written extent a Direct I/O mapped
/// without that lock (as ext4's extent status cache spares a lookup of the extent tree).
/// </summary>
internal sealed class ExtentMap
{
    private readonly List<Extent> _extents = [];

    // A seqlock over one remembered written extent: odd while it changes. Every change of the
    // map forgets it, so a reader that sees the same even sequence before and after reading the
    // three fields read an extent the map still holds.
    private long _rememberedSeq;
    private long _rememberedFileBlock;
    private long _rememberedDeviceBlock;
    private long _rememberedCount;

    public int Count => _extents.Count;

    public IReadOnlyList<Extent> Extents => _extents;

    /// <summary>The first block past the last extent (0 when empty).</summary>
    public long EndBlock => _extents.Count == 0 ? 0 : _extents[^1].FileEnd;

    /// <summary>
    /// The extent holding <paramref name="fileBlock"/>, or false with <paramref name="next"/> the
    /// index of the first extent after it (the hole ends where that one starts).
    /// </summary>
    public bool TryFind(long fileBlock, out Extent extent, out int next)
    {
        int lo = 0, hi = _extents.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            Extent e = _extents[mid];
            if (fileBlock < e.FileBlock)
            {
                hi = mid - 1;
            }
            else if (fileBlock >= e.FileEnd)
            {
                lo = mid + 1;
            }
            else
            {
                extent = e;
                next = mid + 1;
                return true;
            }
        }
        extent = default;
        next = lo;
        return false;
    }

    /// <summary>
    /// Without the metadata lock: the remembered written extent, when it holds
    /// <paramref name="fileBlock"/>. False says only "ask under the lock".
    /// </summary>
    public bool TryFindRemembered(long fileBlock, out Extent extent)
    {
        long seq = Volatile.Read(ref _rememberedSeq);
        long first = Volatile.Read(ref _rememberedFileBlock);
        long device = Volatile.Read(ref _rememberedDeviceBlock);
        long count = Volatile.Read(ref _rememberedCount);
        if ((seq & 1) == 0 && Volatile.Read(ref _rememberedSeq) == seq && fileBlock >= first && fileBlock - first < count)
        {
            extent = new Extent(first, device, count, Unwritten: false);
            return true;
        }
        extent = default;
        return false;
    }

    /// <summary>Remembers a written extent for <see cref="TryFindRemembered"/>. Caller holds the metadata lock.</summary>
    public void Remember(Extent extent)
    {
        if (extent.Unwritten || (extent.FileBlock == _rememberedFileBlock && extent.DeviceBlock == _rememberedDeviceBlock && extent.Count == _rememberedCount))
        {
            return;
        }
        WriteRemembered(extent.FileBlock, extent.DeviceBlock, extent.Count);
    }

    private void Forget()
    {
        if (_rememberedCount != 0)
        {
            WriteRemembered(0, 0, 0);
        }
    }

    private void WriteRemembered(long fileBlock, long deviceBlock, long count)
    {
        long seq = Interlocked.Increment(ref _rememberedSeq);
        Volatile.Write(ref _rememberedFileBlock, fileBlock);
        Volatile.Write(ref _rememberedDeviceBlock, deviceBlock);
        Volatile.Write(ref _rememberedCount, count);
        Volatile.Write(ref _rememberedSeq, seq + 1);
    }

    /// <summary>Where a hole ends whose next extent is at index <paramref name="next"/>: that extent's start, or long.MaxValue.</summary>
    public long HoleEnd(int next) => next < _extents.Count ? _extents[next].FileBlock : long.MaxValue;

    /// <summary>The extent before index <paramref name="next"/> (for next-fit allocation), if any.</summary>
    public Extent? Before(int next) => next > 0 ? _extents[next - 1] : null;

    /// <summary>Maps a hole. The range must not overlap any extent (the caller checked; replay checks through <see cref="Overlaps"/>).</summary>
    public void Insert(Extent extent)
    {
        Forget();
        TryFind(extent.FileBlock, out _, out int at);
        _extents.Insert(at, extent);
        MergeAround(at);
    }

    /// <summary>Whether any extent overlaps file blocks [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public bool Overlaps(long start, long end)
    {
        if (TryFind(start, out _, out int next))
        {
            return true;
        }
        return next < _extents.Count && _extents[next].FileBlock < end;
    }

    /// <summary>
    /// Removes file blocks [<paramref name="start"/>, <paramref name="end"/>) from the map and
    /// returns the device runs they held (to be freed), splitting extents at the edges.
    /// </summary>
    public List<Extent> Remove(long start, long end)
    {
        var removed = new List<Extent>();
        Carve(start, end, removed, convert: false);
        return removed;
    }

    /// <summary>Marks the unwritten blocks in [<paramref name="start"/>, <paramref name="end"/>) written; returns how many changed.</summary>
    public long Convert(long start, long end)
    {
        var converted = new List<Extent>();
        Carve(start, end, converted, convert: true);
        long blocks = 0;
        foreach (Extent e in converted)
        {
            blocks += e.Count;
        }
        return blocks;
    }

    /// <summary>
    /// Cuts [start, end) out of every extent it touches. Removing drops the cut parts (into
    /// <paramref name="cut"/>); converting puts them back written (the unwritten ones into
    /// <paramref name="cut"/>) and merges neighbours.
    /// </summary>
    private void Carve(long start, long end, List<Extent> cut, bool convert)
    {
        TryFind(start, out _, out int i);
        if (i > 0 && _extents[i - 1].FileEnd > start)
        {
            i--;
        }
        var replacement = new List<Extent>(4);
        int first = i;
        while (i < _extents.Count && _extents[i].FileBlock < end)
        {
            Extent e = _extents[i];
            if (convert && !e.Unwritten)
            {
                replacement.Add(e);
                i++;
                continue;
            }
            if (e.FileBlock < start)
            {
                replacement.Add(e.Slice(e.FileBlock, start));
            }
            Extent inside = e.Slice(start, end);
            cut.Add(inside);
            if (convert)
            {
                replacement.Add(inside with { Unwritten = false });
            }
            if (e.FileEnd > end)
            {
                replacement.Add(e.Slice(end, e.FileEnd));
            }
            i++;
        }
        if (cut.Count == 0)
        {
            return;
        }
        Forget();
        _extents.RemoveRange(first, i - first);
        _extents.InsertRange(first, replacement);
        int last = first + replacement.Count;
        for (int k = Math.Min(last, _extents.Count - 1); k >= Math.Max(first - 1, 0); k--)
        {
            MergeAround(k);
        }
    }

    /// <summary>Joins the extent at <paramref name="at"/> with the one after it where they continue each other.</summary>
    private void MergeAround(int at)
    {
        if (at + 1 < _extents.Count && _extents[at].Continues(_extents[at + 1]))
        {
            _extents[at] = _extents[at] with { Count = _extents[at].Count + _extents[at + 1].Count };
            _extents.RemoveAt(at + 1);
        }
        if (at > 0 && at < _extents.Count && _extents[at - 1].Continues(_extents[at]))
        {
            _extents[at - 1] = _extents[at - 1] with { Count = _extents[at - 1].Count + _extents[at].Count };
            _extents.RemoveAt(at);
        }
    }
}
