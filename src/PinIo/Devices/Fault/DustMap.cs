// Follows drivers/md/dm-dust.c (dust_map_read, dust_map_write: bad blocks fail reads until a write clears them).
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>
/// dm-dust's list of bad blocks. While enabled, a read that touches one fails with EIO; a
/// write over one fails while the block has write failures left, and otherwise succeeds and
/// clears it. Disabled, every bio passes and the list is kept (dm-dust's bypass).
/// </summary>
internal sealed class DustMap
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, int> _bad = [];
    private readonly int _blockSize;
    private volatile bool _enabled;

    public DustMap(DustOptions options)
    {
        if (options.BlockSize < QueueLimits.SectorSize || options.BlockSize % QueueLimits.SectorSize != 0)
        {
            throw new ArgumentException($"dust: block size {options.BlockSize} must be a positive multiple of 512");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(options.WriteFailures);
        _blockSize = options.BlockSize;
        _enabled = options.Enabled;
        foreach (long block in options.BadBlocks)
        {
            Add(block, options.WriteFailures);
        }
    }

    public int BlockSize => _blockSize;

    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    public void Add(long block, int writeFailures)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfNegative(writeFailures);
        lock (_lock)
        {
            _bad[block] = writeFailures;
        }
    }

    public bool Remove(long block)
    {
        lock (_lock)
        {
            return _bad.Remove(block);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _bad.Clear();
        }
    }

    public bool Contains(long block)
    {
        lock (_lock)
        {
            return _bad.ContainsKey(block);
        }
    }

    public IReadOnlyList<long> Blocks()
    {
        lock (_lock)
        {
            return [.. _bad.Keys];
        }
    }

    /// <summary>The verdict for a bio over <paramref name="sector"/>..+<paramref name="bytes"/>; a passing write clears the blocks it covers.</summary>
    public FaultVerdict Judge(BioOp op, long sector, int bytes, out bool cleared)
    {
        cleared = false;
        if (!_enabled || op == BioOp.Flush || bytes == 0)
        {
            return FaultVerdict.Pass;
        }
        long first = sector * QueueLimits.SectorSize / _blockSize;
        long last = ((sector * QueueLimits.SectorSize) + bytes - 1) / _blockSize;
        lock (_lock)
        {
            if (_bad.Count == 0)
            {
                return FaultVerdict.Pass;
            }
            return op == BioOp.Read ? JudgeRead(first, last) : JudgeWrite(first, last, out cleared);
        }
    }

    private FaultVerdict JudgeRead(long first, long last)
    {
        foreach (long block in _bad.Keys)
        {
            if (block > last)
            {
                break;
            }
            if (block >= first)
            {
                return FaultVerdict.BadBlockRead;
            }
        }
        return FaultVerdict.Pass;
    }

    private FaultVerdict JudgeWrite(long first, long last, out bool cleared)
    {
        List<long> hit = [.. _bad.Keys.Where(b => b >= first && b <= last)];
        cleared = false;
        if (hit.Count == 0)
        {
            return FaultVerdict.Pass;
        }
        bool fails = false;
        foreach (long block in hit)
        {
            if (_bad[block] > 0)
            {
                _bad[block]--;
                fails = true;
            }
        }
        if (fails)
        {
            return FaultVerdict.BadBlockWrite;
        }
        foreach (long block in hit)
        {
            _bad.Remove(block);
        }
        cleared = true;
        return FaultVerdict.Pass;
    }
}
