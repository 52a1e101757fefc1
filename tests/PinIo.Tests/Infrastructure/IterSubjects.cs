using PinIo.Iov;
using PinIo.Mm;
using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// An iterator of one kind together with its <see cref="IterModel"/> and the memory behind
/// it, so that one operation runner can drive every kind and check it against the model.
/// Memory kinds fill all their memory, margins included, with a pattern first, so that a
/// copy to the wrong place or past a segment shows up as a changed byte.
/// </summary>
internal abstract class IterSubject : IDisposable
{
    public IovIter Iter { get; protected set; } = null!;

    public IterModel Model { get; protected set; } = null!;

    /// <summary>Checks what can be checked after every operation (the pipe's readable length).</summary>
    public virtual void AssertState()
    {
    }

    /// <summary>Asserts that the memory holds what the model says, and that nothing outside the segments changed.</summary>
    public abstract void AssertMemory();

    /// <summary>The last check, which may use the memory up (a pipe is read out).</summary>
    public virtual void AssertFinal() => AssertMemory();

    /// <summary>
    /// The alignment the iterator must report, from the segment addresses and the model, and the
    /// mask of the bits that are compared; null when addresses can move under the test.
    /// </summary>
    public abstract (long Value, long Mask)? ExpectedAlignment();

    public void Dispose()
    {
        ReleaseMemory();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the memory behind the iterator and drops the references it holds.</summary>
    protected virtual void ReleaseMemory()
    {
    }
}

/// <summary>Iovec over managed arrays, one per segment, at odd offsets inside them.</summary>
internal sealed class UserSubject : IterSubject
{
    private readonly byte[][] _arrays;
    private readonly byte[][] _initial;
    private readonly (int Offset, int Length)[] _segments;
    private readonly bool _pinnedHeap;

    public UserSubject(IterDirection direction, (int Offset, int Length)[] segments, bool pinnedHeap, int seed)
    {
        _segments = segments;
        _pinnedHeap = pinnedHeap;
        _arrays = new byte[segments.Length][];
        _initial = new byte[segments.Length][];
        var memories = new Memory<byte>[segments.Length];
        for (int i = 0; i < segments.Length; i++)
        {
            (int offset, int length) = segments[i];
            int size = offset + length + 7;
            _arrays[i] = pinnedHeap ? GC.AllocateArray<byte>(size, pinned: true) : new byte[size];
            TestPattern.Fill(_arrays[i], start: i * 100_000, seed);
            _initial[i] = (byte[])_arrays[i].Clone();
            memories[i] = _arrays[i].AsMemory(offset, length);
        }
        Iter = IovIter.User(direction, memories);
        Model = new IterModel([.. memories.SelectMany(m => m.ToArray())], memories.Sum(m => (long)m.Length));
    }

    public override void AssertMemory()
    {
        long flat = 0;
        for (int i = 0; i < _arrays.Length; i++)
        {
            (int offset, int length) = _segments[i];
            byte[] expected = (byte[])_initial[i].Clone();
            Model.Memory.AsSpan((int)flat, length).CopyTo(expected.AsSpan(offset));
            TestPattern.AssertBytes(expected, _arrays[i], $"iovec array {i}");
            flat += length;
        }
    }

    public override (long Value, long Mask)? ExpectedAlignment()
    {
        if (!_pinnedHeap)
        {
            return null;
        }
        var segments = new (nint, long)[_arrays.Length];
        for (int i = 0; i < _arrays.Length; i++)
        {
            segments[i] = (ManagedBuffers.AddressOf(_arrays[i]) + _segments[i].Offset, _segments[i].Length);
        }
        return (Model.Alignment(segments), -1);
    }
}

/// <summary>Kvec over one native allocation, segments placed in reverse order with gaps (not contiguous, not ascending).</summary>
internal sealed class KernelSubject : IterSubject
{
    private readonly NativeBuffer _buffer;
    private readonly byte[] _initial;
    private readonly KernelVec[] _vecs;

    public KernelSubject(IterDirection direction, (int Offset, int Length)[] segments, int seed)
    {
        _buffer = new NativeBuffer(Math.Max(1, segments.Sum(s => s.Offset + s.Length + 5)));
        TestPattern.Fill(_buffer.GetSpan(), 0, seed);
        _initial = _buffer.GetSpan().ToArray();
        _vecs = new KernelVec[segments.Length];
        int at = 0;
        for (int i = segments.Length - 1; i >= 0; i--)
        {
            (int offset, int length) = segments[i];
            _vecs[i] = new KernelVec(_buffer.Address + at + offset, length);
            at += offset + length + 5;
        }
        Iter = IovIter.Kernel(direction, _vecs);
        Model = new IterModel([.. _vecs.SelectMany(v => _buffer.GetSpan().Slice(OffsetOf(v), v.Length).ToArray())], _vecs.Sum(v => (long)v.Length));
    }

    public override void AssertMemory()
    {
        byte[] expected = (byte[])_initial.Clone();
        int flat = 0;
        foreach (KernelVec v in _vecs)
        {
            Model.Memory.AsSpan(flat, v.Length).CopyTo(expected.AsSpan(OffsetOf(v)));
            flat += v.Length;
        }
        TestPattern.AssertBytes(expected, _buffer.GetSpan(), "kvec memory");
    }

    public override (long Value, long Mask)? ExpectedAlignment() =>
        (Model.Alignment([.. _vecs.Select(v => (v.Address, (long)v.Length))]), -1);

    protected override void ReleaseMemory() => ((IDisposable)_buffer).Dispose();

    private int OffsetOf(KernelVec v) => (int)(v.Address - _buffer.Address);
}

/// <summary>
/// Bvec over pool pages: single pages, or two adjacent pages that one vec runs across,
/// at odd offsets and lengths; some vecs are empty.
/// </summary>
internal sealed class PagesSubject : IterSubject
{
    private readonly PagePool _pool;
    private readonly byte[] _initial;
    private readonly BioVec[] _vecs;
    private readonly List<Page> _held = [];

    public PagesSubject(IterDirection direction, (int Offset, int Length, bool TwoPages)[] specs, int seed)
    {
        _pool = new PagePool(Math.Max(1, 2 * specs.Length));
        for (int i = 0; i < _pool.Capacity; i++)
        {
            TestPattern.Fill(_pool[i].AsSpan(), (long)i * PageSize.Bytes, seed);
        }
        _initial = new byte[_pool.SizeBytes];
        for (int i = 0; i < _pool.Capacity; i++)
        {
            _pool[i].AsSpan().CopyTo(_initial.AsSpan(i * PageSize.Bytes));
        }
        _vecs = new BioVec[specs.Length];
        for (int i = 0; i < specs.Length; i++)
        {
            (int offset, int length, bool twoPages) = specs[i];
            int room = twoPages ? 2 * PageSize.Bytes : PageSize.Bytes;
            Page first = twoPages ? _pool.TryAllocContiguous(2)! : _pool.Alloc();
            _held.Add(first);
            if (twoPages)
            {
                _held.Add(_pool[first.PoolIndex + 1]);
            }
            offset %= PageSize.Bytes;
            _vecs[i] = new BioVec(first, offset, Math.Min(length, room - offset));
        }
        Iter = IovIter.Pages(direction, _vecs);
        Model = new IterModel([.. _vecs.SelectMany(v => _initial.AsSpan(OffsetOf(v), v.Length).ToArray())], _vecs.Sum(v => (long)v.Length));
    }

    public override void AssertMemory()
    {
        byte[] expected = (byte[])_initial.Clone();
        int flat = 0;
        foreach (BioVec v in _vecs)
        {
            Model.Memory.AsSpan(flat, v.Length).CopyTo(expected.AsSpan(OffsetOf(v)));
            flat += v.Length;
        }
        for (int i = 0; i < _pool.Capacity; i++)
        {
            TestPattern.AssertBytes(expected.AsSpan(i * PageSize.Bytes, PageSize.Bytes), _pool[i].AsSpan(), $"pool page {i}");
        }
    }

    public override (long Value, long Mask)? ExpectedAlignment() =>
        (Model.Alignment([.. _vecs.Select(v => (v.Page.Address + v.Offset, (long)v.Length))]), -1);

    protected override void ReleaseMemory()
    {
        foreach (Page page in _held)
        {
            page.Put();
        }
        _pool.Dispose();
    }

    private int OffsetOf(BioVec v) => (int)(v.Page.Address + v.Offset - _pool.BaseAddress);
}

/// <summary>
/// A pipe iterator over a pipe that was written and partly read first, so the iterator starts
/// at an odd offset in a page. Dest: the bytes advanced over become readable; the pool may hand
/// the pipe pages with old data, so only copied bytes are known. Source: covers readable bytes.
/// </summary>
internal sealed class PipeSubject : IterSubject
{
    public const int MaxPages = 8;

    private readonly PagePool _pool;
    private readonly PipeBuffer _pipe;
    private readonly byte[] _readable;
    private readonly int _firstOffset;
    private readonly IterDirection _direction;

    /// <param name="consumed">Bytes written and read before the iterator is made.</param>
    /// <param name="readable">Bytes written and left readable before it.</param>
    /// <param name="countSeed">Picks the iterator's count within what the pipe allows.</param>
    public PipeSubject(IterDirection direction, int consumed, int readable, int countSeed, int seed)
    {
        _direction = direction;
        _pool = new PagePool(MaxPages + 4);
        _pipe = new PipeBuffer(_pool, MaxPages);
        byte[] prefix = TestPattern.Make(consumed + readable, 0, seed);
        Assert.Equal(prefix.Length, _pipe.Write(prefix));
        Assert.Equal(consumed, _pipe.Read(new byte[consumed]));
        _readable = prefix[consumed..];
        int headOffset = readable == 0 ? 0 : consumed % PageSize.Bytes;
        if (direction == IterDirection.Dest)
        {
            long count = countSeed % (_pipe.FreeSpace + 1);
            Iter = IovIter.Pipe(direction, _pipe, count);
            Model = new IterModel(new byte[count], count, contentsKnown: false);
            _firstOffset = (headOffset + readable) % PageSize.Bytes;
        }
        else
        {
            long count = countSeed % (readable + 1);
            Iter = IovIter.Pipe(direction, _pipe, count);
            Model = new IterModel(_readable[..(int)count], count);
            _firstOffset = headOffset;
        }
    }

    public override void AssertState()
    {
        long published = _direction == IterDirection.Dest ? Model.Position : 0;
        Assert.Equal(_readable.Length + published, _pipe.Length);
    }

    /// <summary>The pipe's pages are read only through the pipe, which consumes them: see <see cref="AssertFinal"/>.</summary>
    public override void AssertMemory()
    {
    }

    /// <summary>Reads the pipe out: what was readable before, then every byte the iterator published (Dest).</summary>
    public override void AssertFinal()
    {
        byte[] all = new byte[_pipe.Length];
        Assert.Equal(all.Length, _pipe.Read(all));
        TestPattern.AssertBytes(_readable, all.AsSpan(0, _readable.Length), "pipe bytes readable before the iterator");
        for (int i = _readable.Length; i < all.Length; i++)
        {
            int k = i - _readable.Length;
            if (Model.IsKnown(k) && all[i] != Model.Memory![k])
            {
                Assert.Fail($"published pipe byte at i=0x{k:x}: 0x{all[i]:x2}, expected 0x{Model.Memory[k]:x2}");
            }
        }
    }

    /// <summary>
    /// Pipe pages are separate pages, so only the low bits are defined, as the kernel's
    /// "size | iov_offset": the visible length and the first byte's offset in its page.
    /// </summary>
    public override (long Value, long Mask)? ExpectedAlignment()
    {
        if (Model.Count == 0)
        {
            return (0, -1);
        }
        long offset = (_firstOffset + Model.Position) % PageSize.Bytes;
        return ((offset | Model.Count) & PageSize.OffsetMask, PageSize.OffsetMask);
    }

    protected override void ReleaseMemory()
    {
        _pipe.Dispose();
        _pool.Dispose();
    }
}

/// <summary>A discard iterator: counts only.</summary>
internal sealed class DiscardSubject : IterSubject
{
    public DiscardSubject(long count)
    {
        Iter = IovIter.Discard(count);
        Model = new IterModel(null, count);
    }

    public override void AssertMemory()
    {
    }

    public override (long Value, long Mask)? ExpectedAlignment() => (0, -1);
}
