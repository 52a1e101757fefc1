using System.Buffers;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Cli.Runner;

/// <summary>
/// The memory one I/O slot transfers, with a read (Dest) and a write (Source) iterator over it
/// made once and rewound after every I/O, so that steady-state I/O builds no iterator.
/// Three kinds:
/// <list type="bullet">
/// <item>pages of the device's registered pool (<see cref="FromPool"/>, fixedbufs=1): a Bvec
/// iterator; PinIo takes no reference and pins nothing per I/O (the pages are the pool's, as
/// io_uring's registered buffers are);</item>
/// <item>native memory (<see cref="FromNative"/>, fixedbufs=0, fio's malloc'd buffers): an
/// Iovec iterator; PinIo pins its pages for each I/O, as the kernel pins an O_DIRECT user
/// buffer; native memory cannot move, so no GC pin is taken;</item>
/// <item>a page-aligned slice of a pinned-heap array (<see cref="FromManaged"/>): for
/// ioengine=dotnet, whose RandomAccess calls take managed memory.</item>
/// </list>
/// </summary>
internal sealed class BlockBuffer
{
    private readonly Memory<byte> _managed;
    private readonly nint _native;
    private readonly Page[] _pages;
    private readonly IMemoryOwner<byte>? _owner;

    private BlockBuffer(Memory<byte> managed, nint native, int length, Page[] pages, IovIter read, IovIter write, IMemoryOwner<byte>? owner = null)
    {
        _managed = managed;
        _native = native;
        _pages = pages;
        _owner = owner;
        Length = length;
        ReadIter = read;
        WriteIter = write;
    }

    public int Length { get; }

    public bool IsPoolMemory => _pages.Length > 0;

    public IovIter ReadIter { get; }

    public IovIter WriteIter { get; }

    /// <summary>The memory of a <see cref="FromManaged"/> buffer (for RandomAccess) or of a <see cref="FromNative"/> one; empty for registered pool pages.</summary>
    public Memory<byte> Memory => _managed;

    /// <summary>The bytes of the buffer; valid while the buffer is alive and no I/O is in flight on it.</summary>
    public unsafe Span<byte> Span => _pages.Length == 0 ? _managed.Span : new Span<byte>((void*)_native, Length);

    /// <summary>
    /// Takes physically adjacent pages from <paramref name="pool"/> (one reference each) so that
    /// the block is one span of memory. Released by <see cref="Release"/>. Null when the pool has
    /// no such run free.
    /// </summary>
    public static BlockBuffer? FromPool(PagePool pool, int length)
    {
        int count = (length + PageSize.Bytes - 1) / PageSize.Bytes;
        Page? first = pool.TryAllocContiguous(count);
        if (first is null)
        {
            return null;
        }
        int firstIndex = (int)((first.Address - pool.BaseAddress) / PageSize.Bytes);
        var pages = new Page[count];
        var vecs = new BioVec[count];
        for (int i = 0; i < count; i++)
        {
            pages[i] = pool[firstIndex + i];
            vecs[i] = new BioVec(pages[i], 0, Math.Min(PageSize.Bytes, length - (i * PageSize.Bytes)));
        }
        return new BlockBuffer(default, first.Address, length, pages,
            IovIter.Pages(IterDirection.Dest, vecs), IovIter.Pages(IterDirection.Source, vecs));
    }

    /// <summary>
    /// Takes <paramref name="length"/> bytes of native memory from <paramref name="pool"/>, a pool
    /// the ring has not registered: the I/O goes out as a plain READ/WRITE of user memory.
    /// Released by <see cref="Release"/>. Null when the pool has no such run free.
    /// </summary>
    public static BlockBuffer? FromNative(PagePool pool, int length)
    {
        IMemoryOwner<byte> owner;
        try
        {
            owner = pool.AllocateMemory(length);
        }
        catch (DirectIoException e) when (e.Errno == Errno.ENOMEM)
        {
            return null;
        }
        Memory<byte> memory = owner.Memory;
        return new BlockBuffer(memory, 0, length, [], IovIter.User(IterDirection.Dest, memory), IovIter.User(IterDirection.Source, memory), owner);
    }

    /// <summary>Wraps page-aligned memory of a pinned-heap array; nothing to release.</summary>
    public static BlockBuffer FromManaged(Memory<byte> memory) =>
        new(memory, 0, memory.Length, [], IovIter.User(IterDirection.Dest, memory), IovIter.User(IterDirection.Source, memory));

    /// <summary>Limits an iterator of this buffer to an I/O of <paramref name="length"/> bytes (the block's first bytes); <see cref="Rewind"/> undoes it.</summary>
    public static void Shorten(IovIter iter, int length)
    {
        iter.Truncate(length);
    }

    /// <summary>Rewinds an iterator of this buffer after an I/O so the next I/O may cover the whole buffer again.</summary>
    public static void Rewind(IovIter iter) => iter.Restart();

    /// <summary>Drops the pool references taken by <see cref="FromPool"/>, or the memory of <see cref="FromNative"/>.</summary>
    public void Release()
    {
        _owner?.Dispose();
        foreach (Page page in _pages)
        {
            page.Put();
        }
    }
}
