using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// The memory side of one test I/O, of any iterator kind, cut into segments at random:
/// 512-aligned pieces of random lengths, sometimes adjacent (so they merge), sometimes not.
/// Make one per request; dispose it after the request ended.
/// </summary>
internal abstract class DioMemory : IDisposable
{
    public const int Granule = 512;

    protected DioMemory(int length) => Length = length;

    public int Length { get; }

    public static DioMemory Create(IterKind kind, int length, Random random, PagePool pool) => kind switch
    {
        IterKind.Iovec => new UserMemory(length, random),
        IterKind.Kvec => new KernelMemory(length, random),
        IterKind.Bvec => new PoolPageMemory(length, random, pool),
        IterKind.Pipe => new PipeMemory(length, pool),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no memory behind this kind"),
    };

    /// <summary>A source iterator over memory that holds <paramref name="data"/> (for a write).</summary>
    public abstract IovIter Source(ReadOnlySpan<byte> data);

    /// <summary>A destination iterator (for a read).</summary>
    public abstract IovIter Dest();

    /// <summary>Copies what a read brought in (its first <c>destination.Length</c> bytes) out.</summary>
    public abstract void ReadBack(Span<byte> destination);

    public abstract void Dispose();

    /// <summary>Splits <paramref name="length"/> into random multiples of <see cref="Granule"/>.</summary>
    protected static List<int> Pieces(int length, Random random, int maxPiece)
    {
        var pieces = new List<int>();
        int left = length;
        while (left > 0)
        {
            int n = Math.Min(left, Granule * random.Next(1, (maxPiece / Granule) + 1));
            pieces.Add(n);
            left -= n;
        }
        return pieces;
    }

    /// <summary>Places pieces one after another, with a gap of 0 to 2 granules before each.</summary>
    protected static (int[] Offsets, int Span) Layout(List<int> pieces, Random random)
    {
        var offsets = new int[pieces.Count];
        int at = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            at += Granule * random.Next(0, 3);
            offsets[i] = at;
            at += pieces[i];
        }
        return (offsets, at);
    }

    private sealed class UserMemory : DioMemory
    {
        private readonly Memory<byte>[] _segments;

        public UserMemory(int length, Random random)
            : base(length)
        {
            List<int> pieces = Pieces(length, random, 3 * PageSize.Bytes);
            (int[] offsets, int span) = Layout(pieces, random);
            Memory<byte> all = BlockMemory.Aligned(span);
            _segments = new Memory<byte>[pieces.Count];
            for (int i = 0; i < pieces.Count; i++)
            {
                _segments[i] = all.Slice(offsets[i], pieces[i]);
            }
        }

        public override IovIter Source(ReadOnlySpan<byte> data)
        {
            int at = 0;
            foreach (Memory<byte> segment in _segments)
            {
                data.Slice(at, segment.Length).CopyTo(segment.Span);
                at += segment.Length;
            }
            return IovIter.User(IterDirection.Source, _segments);
        }

        public override IovIter Dest() => IovIter.User(IterDirection.Dest, _segments);

        public override void ReadBack(Span<byte> destination)
        {
            int at = 0;
            foreach (Memory<byte> segment in _segments)
            {
                int n = Math.Min(segment.Length, destination.Length - at);
                segment.Span[..n].CopyTo(destination[at..]);
                at += n;
            }
        }

        public override void Dispose()
        {
        }
    }

    private sealed class KernelMemory : DioMemory
    {
        private readonly BlockNativeBuffer _buffer;
        private readonly KernelVec[] _vecs;

        public KernelMemory(int length, Random random)
            : base(length)
        {
            List<int> pieces = Pieces(length, random, 3 * PageSize.Bytes);
            (int[] offsets, int span) = Layout(pieces, random);
            _buffer = new BlockNativeBuffer(span);
            _vecs = new KernelVec[pieces.Count];
            for (int i = 0; i < pieces.Count; i++)
            {
                _vecs[i] = new KernelVec(_buffer.Address + offsets[i], pieces[i]);
            }
        }

        public override IovIter Source(ReadOnlySpan<byte> data)
        {
            int at = 0;
            foreach (KernelVec vec in _vecs)
            {
                data.Slice(at, vec.Length).CopyTo(Slice(vec));
                at += vec.Length;
            }
            return IovIter.Kernel(IterDirection.Source, _vecs);
        }

        public override IovIter Dest() => IovIter.Kernel(IterDirection.Dest, _vecs);

        public override void ReadBack(Span<byte> destination)
        {
            int at = 0;
            foreach (KernelVec vec in _vecs)
            {
                int n = Math.Min(vec.Length, destination.Length - at);
                Slice(vec)[..n].CopyTo(destination[at..]);
                at += n;
            }
        }

        public override void Dispose() => _buffer.Dispose();

        private Span<byte> Slice(KernelVec vec) => _buffer.Span.Slice((int)(vec.Address - _buffer.Address), vec.Length);
    }

    /// <summary>A bvec: each piece on its own pool page, at a random 512-aligned offset in it.</summary>
    private sealed class PoolPageMemory : DioMemory
    {
        private readonly BioVec[] _vecs;

        public PoolPageMemory(int length, Random random, PagePool pool)
            : base(length)
        {
            var vecs = new List<BioVec>();
            int left = length;
            try
            {
                while (left > 0)
                {
                    int offset = Granule * random.Next(0, PageSize.Bytes / Granule);
                    int n = Math.Min(left, Granule * random.Next(1, ((PageSize.Bytes - offset) / Granule) + 1));
                    vecs.Add(new BioVec(pool.Alloc(), offset, n));
                    left -= n;
                }
            }
            catch
            {
                PutAll(vecs);
                throw;
            }
            _vecs = [.. vecs];
        }

        public override IovIter Source(ReadOnlySpan<byte> data)
        {
            int at = 0;
            foreach (BioVec vec in _vecs)
            {
                data.Slice(at, vec.Length).CopyTo(vec.Page.AsSpan().Slice(vec.Offset, vec.Length));
                at += vec.Length;
            }
            return IovIter.Pages(IterDirection.Source, _vecs);
        }

        public override IovIter Dest() => IovIter.Pages(IterDirection.Dest, _vecs);

        public override void ReadBack(Span<byte> destination)
        {
            int at = 0;
            foreach (BioVec vec in _vecs)
            {
                int n = Math.Min(vec.Length, destination.Length - at);
                vec.Page.AsSpan().Slice(vec.Offset, n).CopyTo(destination[at..]);
                at += n;
            }
        }

        public override void Dispose() => PutAll(_vecs);

        private static void PutAll(IEnumerable<BioVec> vecs)
        {
            foreach (BioVec vec in vecs)
            {
                vec.Page.Put();
            }
        }
    }

    private sealed class PipeMemory(int length, PagePool pool) : DioMemory(length)
    {
        private readonly PipeBuffer _pipe = new(pool, PageSize.PagesSpanned(0, length) + 1);

        public override IovIter Source(ReadOnlySpan<byte> data)
        {
            if (_pipe.Write(data) != data.Length)
            {
                throw new InvalidOperationException("the pipe took fewer bytes than it has room for");
            }
            return IovIter.Pipe(IterDirection.Source, _pipe, data.Length);
        }

        public override IovIter Dest() => IovIter.Pipe(IterDirection.Dest, _pipe, Length);

        public override void ReadBack(Span<byte> destination)
        {
            if (_pipe.Read(destination) != destination.Length)
            {
                throw new InvalidOperationException($"the pipe holds {_pipe.Length} bytes, fewer than the {destination.Length} read");
            }
        }

        public override void Dispose() => _pipe.Dispose();
    }
}
