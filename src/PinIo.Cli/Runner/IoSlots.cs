// Follows fio's backend.c init_io_u / io_u.c io_u_queue in meaning.
using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;
using System.Runtime.Intrinsics;
using PinIo.Mm;

namespace PinIo.Cli.Runner;

/// <summary>
/// A job's <c>iodepth</c> request slots and their buffers, made up front so that steady state
/// allocates nothing: pool pages for fixedbufs (on a file device, the pool its ring
/// registered), native pages the kernel pins per I/O as user memory, or, for the .NET
/// baseline, one GC-pinned array. The free slots are a stack; the job thread alone takes and
/// returns them.
/// </summary>
internal sealed class IoSlots : IDisposable
{
    private readonly IoSlot[] _slots;
    private readonly IoSlot[] _free;
    private int _freeCount;

    // What each slot has in flight, by slot index, as three columns for Overlaps to compare a
    // vector at a time: where the range starts, where it ends, and where it ends if it changes
    // the bytes (a write or trim). A slot at rest, and a read in the changes column, hold an
    // empty range (start long.MaxValue, end long.MinValue) that overlaps nothing, so they need
    // no check of their own.
    private readonly long[] _starts;
    private readonly long[] _ends;
    private readonly long[] _changeEnds;
    private readonly PagePool? _pool;
    private readonly PagePool? _nativePool;
    private readonly PagePool? _sharedPool;

    /// <summary>
    /// The slots of <paramref name="plan"/> on <paramref name="device"/> (null for the .NET
    /// baseline); <paramref name="buffered"/>: the I/O copies through a page cache.
    /// Each buffer starts with <paramref name="data"/>'s fill and counts its pins in <paramref name="pins"/>.
    /// </summary>
    public IoSlots(JobPlan plan, IBlockDevice? device, bool buffered, WriteData data, PinCounter pins)
    {
        int depth = plan.Get(Opt.IoDepth);
        int slotPages = checked(PageSize.PagesSpanned(0, plan.BlockSize) * depth);
        if (plan.FixedBufs && !buffered)
        {
            // A file device registers its pool with the ring: buffers from it are fixed buffers.
            _sharedPool = (device as Devices.FileDevice)?.BufferPool;
            _pool = _sharedPool ?? new PagePool(slotPages);
        }
        else if (device is not null)
        {
            // Buffered I/O copies through the page cache from plain memory, fixedbufs or not.
            // fio's buffers without fixedbufs are plain memory the kernel pins per I/O: native
            // pages the ring has not registered, which PinIo pins per I/O as user memory.
            _nativePool = new PagePool(slotPages);
        }
        _slots = Create(plan.BlockSize, depth, data, pins);
        _free = [.. _slots.Reverse()];
        _freeCount = _free.Length;
        _starts = new long[_slots.Length];
        _ends = new long[_slots.Length];
        _changeEnds = new long[_slots.Length];
        _starts.AsSpan().Fill(long.MaxValue);
        _ends.AsSpan().Fill(long.MinValue);
        _changeEnds.AsSpan().Fill(long.MinValue);
    }

    public int Count => _slots.Length;

    public IReadOnlyList<IoSlot> All => _slots;

    /// <exception cref="InvalidOperationException">Every slot is taken.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IoSlot Take() => _freeCount > 0 ? _free[--_freeCount] : throw new InvalidOperationException("every slot is in use");

    /// <exception cref="InvalidOperationException">Every slot is already free: one was returned twice.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Return(IoSlot slot)
    {
        if (_freeCount == _free.Length)
        {
            throw new InvalidOperationException("a slot returned twice");
        }
        _free[_freeCount++] = slot;
    }

    /// <summary>The slot's I/O was submitted and is in flight until <see cref="Landed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Launched(IoSlot slot)
    {
        slot.InFlight = true;
        long end = slot.RegionOffset + slot.Length;
        _starts[slot.Index] = slot.RegionOffset;
        _ends[slot.Index] = end;
        _changeEnds[slot.Index] = slot.Dir != IoDir.Read ? end : long.MinValue;
    }

    /// <summary>The slot's I/O was reaped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Landed(IoSlot slot)
    {
        slot.InFlight = false;
        _starts[slot.Index] = long.MaxValue;
        _ends[slot.Index] = long.MinValue;
        _changeEnds[slot.Index] = long.MinValue;
    }

    /// <summary>Whether an I/O in flight overlaps [<paramref name="offset"/>, +<paramref name="length"/>) of the region where it matters: any I/O for a write or trim, a write or trim for a read.</summary>
    public bool Overlaps(long offset, int length, bool write)
    {
        long end = offset + length;
        ReadOnlySpan<long> starts = _starts;
        // A write waits for any I/O on its bytes; a read only for those that change them.
        ReadOnlySpan<long> ends = write ? _ends : _changeEnds;
        // Every range compared, without a branch per range: random offsets make each
        // comparison's outcome a coin toss, and a loop that branched on each mispredicted.
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<long> hits = Vector256<long>.Zero;
            for (; i <= starts.Length - Vector256<long>.Count; i += Vector256<long>.Count)
            {
                hits |= Vector256.LessThan(Vector256.Create(starts.Slice(i, Vector256<long>.Count)), Vector256.Create(end))
                    & Vector256.LessThan(Vector256.Create(offset), Vector256.Create(ends.Slice(i, Vector256<long>.Count)));
            }
            if (hits != Vector256<long>.Zero)
            {
                return true;
            }
        }
        // Without AVX2 (the portable x64 binary) a compare of 64-bit lanes is built of 32-bit
        // ones, slower than this loop, which compares without branching too.
        bool hit = false;
        for (; i < starts.Length; i++)
        {
            hit |= (starts[i] < end) & (offset < ends[i]);
        }
        return hit;
    }

    public void Dispose()
    {
        foreach (IoSlot slot in _slots)
        {
            slot.Buffer.Release();
        }
        if (_sharedPool is null)
        {
            _pool?.Dispose();
        }
        _nativePool?.Dispose();
    }

    private static unsafe int AlignmentSkip(byte[] pinnedArray)
    {
        fixed (byte* p = pinnedArray)
        {
            return (int)((PageSize.Bytes - ((nint)p & (PageSize.Bytes - 1))) & (PageSize.Bytes - 1));
        }
    }

    private IoSlot[] Create(int bs, int depth, WriteData data, PinCounter pins)
    {
        int stride = (bs + PageSize.Bytes - 1) / PageSize.Bytes * PageSize.Bytes;
        byte[]? arena = _pool is null && _nativePool is null ? GC.AllocateArray<byte>(checked((stride * depth) + PageSize.Bytes), pinned: true) : null;
        int skip = arena is null ? 0 : AlignmentSkip(arena);
        var slots = new IoSlot[depth];
        for (int i = 0; i < slots.Length; i++)
        {
            BlockBuffer buffer = _pool is not null ? BlockBuffer.FromPool(_pool, bs) ?? throw new InvalidOperationException("a fresh page pool has no run of pages for a block")
                : _nativePool is not null ? BlockBuffer.FromNative(_nativePool, bs) ?? throw new InvalidOperationException("a fresh page pool has no run of pages for a block")
                : BlockBuffer.FromManaged(arena.AsMemory(skip + (i * stride), bs));
            data.Fill(buffer.Span);
            buffer.ReadIter.PinCounter = pins;
            buffer.WriteIter.PinCounter = pins;
            slots[i] = new IoSlot(i, buffer);
        }
        return slots;
    }
}
