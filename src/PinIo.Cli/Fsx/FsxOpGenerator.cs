using PinIo.Cli.Jobs;
using PinIo.Cli.Runner;

namespace PinIo.Cli.Fsx;

/// <summary>
/// The random operation stream, a function of the seed alone: reads and writes aligned to the
/// device's logical block, a third of them within one file-system block (where sub-block
/// zeroing happens); writes that overwrite, append (at the length rounded down or up) or land
/// in a hole past the end; truncates to any byte, up or down; fallocate and punch hole; flush;
/// now and then a remount (and with power cuts, a cut). With cache operations, a second
/// stream of its own turns a third of the reads and writes into buffered ones at any byte
/// and a third into mapped ranges (page-aligned maps over the file), leaving the first
/// stream, and so the run of a seed without them, as it was.
/// </summary>
internal sealed class FsxOpGenerator
{
    // Out of 1000.
    private const int ReadWeight = 300;
    private const int WriteWeight = 300;
    private const int TruncateWeight = 90;
    private const int AllocateWeight = 90;
    private const int PunchWeight = 90;
    private const int FlushWeight = 100;
    private const int RemountWeight = 5;

    private readonly FsxOptions _options;
    private Taus88 _random;
    private Taus88 _cacheRandom;
    private long _index;

    public FsxOpGenerator(FsxOptions options)
    {
        _options = options;
        _random = new Taus88(options.Seed);
        _cacheRandom = new Taus88(Taus88.DeriveSeed(options.Seed, 0, 7));
    }

    public FsxOp Next(long size)
    {
        long index = ++_index;
        int pick = (int)_random.NextBelow(1000);
        if ((pick -= ReadWeight) < 0)
        {
            return ThroughCache(Read(index, size), size);
        }
        if ((pick -= WriteWeight) < 0)
        {
            return ThroughCache(Write(index, size), size);
        }
        if ((pick -= TruncateWeight) < 0)
        {
            return new FsxOp(index, FsxOpKind.Truncate, TruncateLength(), 0, size);
        }
        if ((pick -= AllocateWeight) < 0)
        {
            return Range(index, FsxOpKind.Allocate, size);
        }
        if ((pick -= PunchWeight) < 0)
        {
            return Range(index, FsxOpKind.PunchHole, size);
        }
        if ((pick -= FlushWeight) < 0)
        {
            return new FsxOp(index, FsxOpKind.Flush, 0, 0, size);
        }
        if ((pick -= RemountWeight) < 0)
        {
            return new FsxOp(index, FsxOpKind.Remount, 0, 0, size);
        }
        if (_options.PowerCut && pick < RemountWeight)
        {
            return new FsxOp(index, FsxOpKind.PowerCut, 0, 0, size);
        }
        return Read(index, size);
    }

    /// <summary>
    /// With cache operations, a Direct read or write as drawn, or the same kind of operation
    /// through the page cache: buffered at any byte offset and length near the drawn one, or a
    /// mapped range inside the file (a map needs the range inside the size: a read or write
    /// that cannot be mapped stays buffered).
    /// </summary>
    private FsxOp ThroughCache(FsxOp op, long size)
    {
        if (!_options.CacheOps)
        {
            return op;
        }
        bool write = op.Kind == FsxOpKind.Write;
        switch (_cacheRandom.NextBelow(3))
        {
            case 0:
                return op;
            case 1 when size > 1:
                long mapOffset = (long)_cacheRandom.NextBelow((ulong)size - 1);
                long mapLength = (long)_cacheRandom.NextBelow((ulong)Math.Min(size - mapOffset, _options.MaxIoBytes)) + 1;
                return op with { Kind = write ? FsxOpKind.MapWrite : FsxOpKind.MapRead, Offset = mapOffset, Length = mapLength };
            default:
                long offset = Math.Min(op.Offset + (long)_cacheRandom.NextBelow((ulong)_options.LogicalBlock), _options.MaxFileBytes - 1);
                long length = Math.Min((long)_cacheRandom.NextBelow((ulong)op.Length) + 1, _options.MaxFileBytes - offset);
                return op with { Kind = write ? FsxOpKind.BufWrite : FsxOpKind.BufRead, Offset = offset, Length = length };
        }
    }

    /// <summary>Mostly inside the file, sometimes across or past its end (a short or empty read).</summary>
    private FsxOp Read(long index, long size)
    {
        long limit = _random.NextBelow(8) == 0 || size == 0 ? _options.MaxFileBytes : size;
        long offset = AlignedBelow(limit);
        return new FsxOp(index, FsxOpKind.Read, offset, IoLength(offset), size);
    }

    private FsxOp Write(long index, long size)
    {
        int lb = _options.LogicalBlock;
        long tail = (size + lb - 1) / lb * lb;
        long offset = _random.NextBelow(4) switch
        {
            0 => size / lb * lb,                                        // append over the tail
            1 => tail,                                                  // append after the tail
            2 => tail + AlignedBelow(_options.MaxFileBytes - tail),     // in a hole past the end
            _ => AlignedBelow(Math.Max(size, lb)),                      // overwrite
        };
        offset = Math.Min(offset, _options.MaxFileBytes - lb);
        return new FsxOp(index, FsxOpKind.Write, offset, IoLength(offset), size);
    }

    private FsxOp Range(long index, FsxOpKind kind, long size)
    {
        long offset = AlignedBelow(_random.NextBelow(4) == 0 ? _options.MaxFileBytes : Math.Max(size, _options.LogicalBlock));
        return new FsxOp(index, kind, offset, IoLength(offset), size);
    }

    /// <summary>Any byte half the time (the tail of a block then holds bytes past the end), else a logical or file-system block boundary.</summary>
    private long TruncateLength()
    {
        long length = (long)_random.NextBelow((ulong)_options.MaxFileBytes + 1);
        return _random.NextBelow(4) switch
        {
            0 => length / _options.LogicalBlock * _options.LogicalBlock,
            1 => length / _options.FsBlock * _options.FsBlock,
            _ => length,
        };
    }

    /// <summary>A multiple of the logical block: within one file-system block a third of the time, else up to the largest I/O; never past the largest file.</summary>
    private long IoLength(long offset)
    {
        int lb = _options.LogicalBlock;
        long max = _random.NextBelow(3) == 0 ? Math.Max(lb, _options.FsBlock) : _options.MaxIoBytes;
        max = Math.Min(max, _options.MaxFileBytes - offset);
        return ((long)_random.NextBelow((ulong)(max / lb)) + 1) * lb;
    }

    /// <summary>A multiple of the logical block below <paramref name="limit"/> (0 when the limit is under one block).</summary>
    private long AlignedBelow(long limit)
    {
        long blocks = limit / _options.LogicalBlock;
        return blocks <= 0 ? 0 : (long)_random.NextBelow((ulong)blocks) * _options.LogicalBlock;
    }

    /// <summary>Fills a write's data: each op's bytes differ from every other op's, so a misplaced byte shows which write it came from.</summary>
    public static void Fill(Span<byte> data, long opIndex, long offset)
    {
        ulong state = ((ulong)opIndex * 0x9E3779B97F4A7C15UL) ^ (ulong)offset;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(data[i..], Taus88.SplitMix64(ref state) | 0x0101010101010101UL);
        }
        for (; i < data.Length; i++)
        {
            data[i] = (byte)(Taus88.SplitMix64(ref state) | 1);
        }
    }
}
