using PinIo.Block;
using PinIo.Fs;

namespace PinIo.Tests.Infrastructure;

/// <summary>One <see cref="IIomapInode.DioEndIoAsync"/> call as the inode saw it.</summary>
internal sealed record DioEndIoCall(long Offset, long BytesDone, bool Unwritten, long BiosInFlight);

/// <summary>
/// A file for the Direct I/O paths' tests: a block map over a device (each file block hole,
/// unwritten or mapped), blocks allocated from a bump allocator, end_io calls recorded. The
/// simplest file system that keeps <see cref="IIomapInode"/>'s protocol: a write's hole
/// becomes unwritten and New, and is converted only in end_io, with the size.
/// </summary>
internal sealed class MemoryInode : IIomapInode
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, (long DeviceBlock, bool Unwritten)> _blocks = [];
    private readonly List<DioEndIoCall> _endIoCalls = [];
    private long _nextFree;
    private long _size;

    /// <param name="firstFreeBlock">The first device block the allocator hands out (in file-system blocks).</param>
    public MemoryInode(IBlockDevice device, int blockSize = 4096, long firstFreeBlock = 0)
    {
        Device = device;
        BlockSize = blockSize;
        _nextFree = firstFreeBlock;
    }

    public IBlockDevice Device { get; }

    public int BlockSize { get; }

    public long Size
    {
        get
        {
            lock (_lock)
            {
                return _size;
            }
        }

        set
        {
            lock (_lock)
            {
                _size = value;
            }
        }
    }

    /// <summary>Called by end_io before it converts: a test's way to look at the device at that moment.</summary>
    public Action<DioEndIoCall>? OnEndIo { get; set; }

    /// <summary>Counted by the test's device wrapper: bios not yet ended when end_io ran.</summary>
    public Func<long>? BiosInFlight { get; set; }

    public IReadOnlyList<DioEndIoCall> EndIoCalls
    {
        get
        {
            lock (_lock)
            {
                return [.. _endIoCalls];
            }
        }
    }

    public int MapCalls { get; private set; }

    /// <summary>Device blocks handed out so far, from the first free one.</summary>
    public long NextFreeBlock => _nextFree;

    /// <summary>Maps [offset, offset+length) to freshly allocated blocks, mapped (written) or unwritten.</summary>
    public void Allocate(long offset, long length, bool unwritten)
    {
        lock (_lock)
        {
            for (long b = offset / BlockSize; b < (offset + length + BlockSize - 1) / BlockSize; b++)
            {
                _blocks[b] = (_nextFree++, unwritten);
            }
        }
    }

    /// <summary>Leaves <paramref name="blocks"/> device blocks unused before the next allocation (so extents are not contiguous).</summary>
    public void SkipDeviceBlocks(long blocks) => _nextFree += blocks;

    public bool IsUnwritten(long offset)
    {
        lock (_lock)
        {
            return _blocks.TryGetValue(offset / BlockSize, out var b) && b.Unwritten;
        }
    }

    public bool IsHole(long offset)
    {
        lock (_lock)
        {
            return !_blocks.ContainsKey(offset / BlockSize);
        }
    }

    /// <summary>The device byte behind file byte <paramref name="offset"/>, or -1 for a hole.</summary>
    public long DeviceOffsetOf(long offset)
    {
        lock (_lock)
        {
            return _blocks.TryGetValue(offset / BlockSize, out var b) ? (b.DeviceBlock * BlockSize) + (offset % BlockSize) : -1;
        }
    }

    public ValueTask<Iomap> IomapBeginAsync(long offset, long length, IomapIntent intent, CancellationToken ct)
    {
        lock (_lock)
        {
            MapCalls++;
            long first = offset / BlockSize;
            long last = (offset + Math.Max(length, 1) - 1) / BlockSize;
            if (!_blocks.TryGetValue(first, out var start))
            {
                long holeEnd = first + 1;
                while (holeEnd <= last && !_blocks.ContainsKey(holeEnd))
                {
                    holeEnd++;
                }
                if ((intent & IomapIntent.Write) == 0)
                {
                    return new(new Iomap(first * BlockSize, (holeEnd - first) * BlockSize, IomapType.Hole, -1, IomapFlags.None));
                }
                if ((intent & IomapIntent.NoWait) != 0)
                {
                    throw new DirectIoException(Errno.EAGAIN, $"offset {offset} is a hole: a NoWait write would allocate");
                }
                long device = _nextFree;
                for (long b = first; b < holeEnd; b++)
                {
                    _blocks[b] = (_nextFree++, true);
                }
                return new(new Iomap(first * BlockSize, (holeEnd - first) * BlockSize, IomapType.Unwritten, device * BlockSize, IomapFlags.New));
            }
            long end = first + 1;
            while (end <= last && _blocks.TryGetValue(end, out var next) && next.Unwritten == start.Unwritten && next.DeviceBlock == start.DeviceBlock + (end - first))
            {
                end++;
            }
            // The whole extent holding offset, as a file system answers: it may begin before it.
            long begin = first;
            while (begin > 0 && _blocks.TryGetValue(begin - 1, out var previous) && previous.Unwritten == start.Unwritten && previous.DeviceBlock == start.DeviceBlock - (first - begin + 1))
            {
                begin--;
            }
            IomapType type = start.Unwritten ? IomapType.Unwritten : IomapType.Mapped;
            long deviceBlock = start.DeviceBlock - (first - begin);
            return new(new Iomap(begin * BlockSize, (end - begin) * BlockSize, type, deviceBlock * BlockSize, IomapFlags.None));
        }
    }

    public ValueTask DioEndIoAsync(long offset, long bytesDone, bool unwritten, CancellationToken ct)
    {
        var call = new DioEndIoCall(offset, bytesDone, unwritten, BiosInFlight?.Invoke() ?? 0);
        OnEndIo?.Invoke(call);
        lock (_lock)
        {
            _endIoCalls.Add(call);
            if (bytesDone > 0)
            {
                if (unwritten)
                {
                    for (long b = offset / BlockSize; b < (offset + bytesDone + BlockSize - 1) / BlockSize; b++)
                    {
                        if (_blocks.TryGetValue(b, out var block))
                        {
                            _blocks[b] = (block.DeviceBlock, false);
                        }
                    }
                }
                _size = Math.Max(_size, offset + bytesDone);
            }
        }
        return ValueTask.CompletedTask;
    }
}
