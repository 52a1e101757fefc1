using System.Buffers;
using PinIo.Iov;
using PinIo.Mm;
using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>The memory an integrity run moves data through, and the DirectFile overload it takes.</summary>
public enum FileMemoryKind
{
    /// <summary>DirectFile.AllocateBuffer (registered pool memory: fixed-buffer I/O on io_uring).</summary>
    Pool,

    /// <summary>An aligned slice of a pinned (POH) managed array.</summary>
    PinnedManaged,

    /// <summary>An ordinary heap array, bounced when the file's memory alignment is above what the GC guarantees.</summary>
    NormalHeap,

    /// <summary>Several slices of a pinned array with gaps, through the IReadOnlyList overloads.</summary>
    BufferList,

    /// <summary>Native memory as kvecs, through ReadAsync/WriteAsync(offset, IovIter).</summary>
    Kvec,

    /// <summary>Pages of the device's pool as bvecs, through ReadAsync/WriteAsync(offset, IovIter).</summary>
    Bvec,
}

/// <summary>
/// Thousands of random reads and writes through a <see cref="DirectFile"/>, several in flight
/// at once (each batch over non-overlapping ranges under Task.WhenAll), every read compared
/// with a <see cref="FileModel"/> and the whole file compared at the end. Some requests are
/// large enough, or have enough segments, to span several bios.
/// </summary>
internal sealed class FileIntegrityRunner(DirectFile file, FileModel model, FileMemoryKind kind, int seed)
{
    private const byte Poison = 0xA5;

    public int Operations { get; init; } = 2000;

    public int MaxLength { get; init; } = 256 * 1024;

    public int MaxInFlight { get; init; } = 8;

    /// <summary>About one request in this many spans several bios.</summary>
    public int MultiBioEvery { get; init; } = 100;

    public int Reads { get; private set; }

    public int Writes { get; private set; }

    /// <summary>Requests built to exceed one bio (in bytes or in segments).</summary>
    public int MultiBioRequests { get; private set; }

    public long BytesMoved { get; private set; }

    private int Unit => Math.Max(file.Alignment, file.MemoryAlignment);

    public async Task RunAsync()
    {
        var rng = new Random(seed);
        int done = 0;
        while (done < Operations)
        {
            List<FileOp> batch = FileWorkload.Batch(rng, model.Size, file.Alignment, MaxLength, rng.Next(1, MaxInFlight + 1));
            if (rng.Next(Math.Max(1, MultiBioEvery / batch.Count)) == 0)
            {
                FileOp big = MultiBioOp(rng);
                batch.RemoveAll(op => !(big.Offset + big.Length <= op.Offset || op.Offset + op.Length <= big.Offset));
                batch.Insert(0, big);
                MultiBioRequests++;
            }
            (FileOp Op, byte[] Data, long Done)[] results = await Task.WhenAll(batch.Select(RunOpAsync));
            foreach ((FileOp op, byte[] data, long n) in results)
            {
                Assert.True(n == op.Length, $"{(op.Write ? "write" : "read")} of {op.Length} at {op.Offset} ({kind}) transferred {n} bytes");
                if (!op.Write)
                {
                    model.AssertRead(op.Offset, data, $"{kind} read of {op.Length} at {op.Offset}, after {done} requests");
                    Reads++;
                }
                BytesMoved += n;
            }
            foreach ((FileOp op, byte[] data, _) in results.Where(r => r.Op.Write))
            {
                model.Write(op.Offset, data);
                Writes++;
            }
            done += batch.Count;
        }
        await AssertWholeFileAsync();
    }

    /// <summary>Reads the whole file back in 1 MiB pieces (pool memory) and compares it with the model.</summary>
    public async Task AssertWholeFileAsync()
    {
        const int Chunk = 1 << 20;
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(Chunk);
        for (long offset = 0; offset < model.Size; offset += Chunk)
        {
            int length = (int)Math.Min(Chunk, model.Size - offset);
            int n = await file.ReadAsync(offset, buffer.Memory[..length]);
            Assert.Equal(length, n);
            model.AssertRead(offset, buffer.Memory.Span[..length], $"final check after {kind} run");
        }
    }

    /// <summary>A request over more than one bio: larger than a bio for single buffers, more segments than a bio takes for lists.</summary>
    private FileOp MultiBioOp(Random rng)
    {
        int length = kind is FileMemoryKind.Pool or FileMemoryKind.PinnedManaged or FileMemoryKind.NormalHeap
            ? file.Device.Limits.MaxSectorsBytes + (Unit * rng.Next(1, 2048))
            : Unit * (file.Device.Limits.MaxSegments + rng.Next(1, 100));
        length = (int)Math.Min(length, model.Size / file.Alignment * file.Alignment);
        long offset = file.Alignment * rng.NextInt64(0, ((model.Size - length) / file.Alignment) + 1);
        return new FileOp(offset, length, rng.Next(2) == 0, rng.Next());
    }

    private async Task<(FileOp Op, byte[] Data, long Done)> RunOpAsync(FileOp op)
    {
        byte[] data = op.Write ? FileWorkload.Data(op.Length, op.Seed) : new byte[op.Length];
        long n = kind switch
        {
            FileMemoryKind.Pool => await PoolAsync(op, data),
            FileMemoryKind.PinnedManaged => await SingleAsync(op, data, FileBuffers.PinnedAligned(op.Length, SkewFor(op))),
            FileMemoryKind.NormalHeap => await SingleAsync(op, data, new byte[op.Length]),
            FileMemoryKind.BufferList => await BufferListAsync(op, data),
            FileMemoryKind.Kvec => await KvecAsync(op, data),
            _ => await BvecAsync(op, data),
        };
        return (op, data, n);
    }

    /// <summary>A skew past the page start that keeps the memory alignment, so buffers cross page edges at odd places.</summary>
    private int SkewFor(FileOp op) => file.MemoryAlignment >= 4096 ? 0 : file.MemoryAlignment * (op.Seed & ((4096 / file.MemoryAlignment) - 1));

    private async Task<long> PoolAsync(FileOp op, byte[] data)
    {
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(op.Length);
        return await SingleAsync(op, data, buffer.Memory);
    }

    private async Task<long> SingleAsync(FileOp op, byte[] data, Memory<byte> memory)
    {
        if (op.Write)
        {
            data.CopyTo(memory);
            return await file.WriteAsync(op.Offset, memory);
        }
        memory.Span.Fill(Poison);
        int n = await file.ReadAsync(op.Offset, memory);
        memory.Span.CopyTo(data);
        return n;
    }

    /// <summary>Splits a request into piece lengths, each a multiple of the alignment unit: many for a multi-bio request, else 1 to 8.</summary>
    private List<int> Pieces(FileOp op)
    {
        int units = op.Length / Unit;
        var rng = new Random(op.Seed);
        int count = units > file.Device.Limits.MaxSegments ? units : Math.Min(units, rng.Next(1, 9));
        var cuts = new SortedSet<int> { 0, units };
        while (cuts.Count < count + 1)
        {
            cuts.Add(rng.Next(1, units));
        }
        int[] c = [.. cuts];
        return [.. c.Zip(c.Skip(1), (a, b) => (b - a) * Unit)];
    }

    private async Task<long> BufferListAsync(FileOp op, byte[] data)
    {
        List<int> pieces = Pieces(op);
        int gap = file.MemoryAlignment;
        byte[] backing = GC.AllocateArray<byte>(pieces.Sum() + (gap * pieces.Count) + 8192, pinned: true);
        int position = FileBuffers.AlignedStart(backing, 4096) + SkewFor(op);
        var buffers = new List<Memory<byte>>(pieces.Count);
        foreach (int length in pieces)
        {
            buffers.Add(backing.AsMemory(position, length));
            position += length + gap;
        }
        if (op.Write)
        {
            Scatter(data, buffers);
            return await file.WriteAsync(op.Offset, buffers.ConvertAll(b => (ReadOnlyMemory<byte>)b));
        }
        backing.AsSpan().Fill(Poison);
        long n = await file.ReadAsync(op.Offset, buffers);
        Gather(buffers, data);
        return n;
    }

    private async Task<long> KvecAsync(FileOp op, byte[] data)
    {
        List<int> pieces = Pieces(op);
        int gap = file.MemoryAlignment;
        int size = pieces.Sum() + (gap * pieces.Count) + 4096;
        nint native = FileBuffers.AllocNative(size);
        try
        {
            nint position = native + SkewFor(op);
            var vecs = new List<KernelVec>(pieces.Count);
            var views = new List<Memory<byte>>(pieces.Count);
            foreach (int length in pieces)
            {
                vecs.Add(new KernelVec(position, length));
                views.Add(new NativeView(position, length).Memory);
                position += length + gap;
            }
            if (op.Write)
            {
                Scatter(data, views);
                return await file.WriteAsync(op.Offset, IovIter.Kernel(IterDirection.Source, vecs));
            }
            FileBuffers.Native(native, size).Fill(Poison);
            long n = await file.ReadAsync(op.Offset, IovIter.Kernel(IterDirection.Dest, vecs));
            Gather(views, data);
            return n;
        }
        finally
        {
            FileBuffers.FreeNative(native);
        }
    }

    /// <summary>Pieces of up to a page each, on pool pages taken one by one (adjacent or not), two pieces to a page where they fit.</summary>
    private async Task<long> BvecAsync(FileOp op, byte[] data)
    {
        PagePool pool = file.Device.BufferPool!;
        var rng = new Random(op.Seed);
        var vecs = new List<BioVec>();
        var pages = new List<Page>();
        try
        {
            int left = op.Length;
            while (left > 0)
            {
                Page page = pool.Alloc();
                pages.Add(page);
                int offset = Unit * rng.Next(0, 2);
                while (left > 0 && offset < PageSize.Bytes)
                {
                    bool many = op.Length / Unit > file.Device.Limits.MaxSegments;
                    int length = many ? Unit : Math.Min(left, Unit * rng.Next(1, ((PageSize.Bytes - offset) / Unit) + 1));
                    vecs.Add(new BioVec(page, offset, length));
                    left -= length;
                    offset += length + Unit;
                }
            }
            var views = vecs.ConvertAll(v => new NativeView(v.Address, v.Length).Memory);
            if (op.Write)
            {
                Scatter(data, views);
                return await file.WriteAsync(op.Offset, IovIter.Pages(IterDirection.Source, vecs));
            }
            foreach (Memory<byte> view in views)
            {
                view.Span.Fill(Poison);
            }
            long n = await file.ReadAsync(op.Offset, IovIter.Pages(IterDirection.Dest, vecs));
            Gather(views, data);
            return n;
        }
        finally
        {
            foreach (Page page in pages)
            {
                page.Put();
            }
        }
    }

    private static void Scatter(ReadOnlySpan<byte> data, List<Memory<byte>> buffers)
    {
        foreach (Memory<byte> buffer in buffers)
        {
            data[..buffer.Length].CopyTo(buffer.Span);
            data = data[buffer.Length..];
        }
    }

    private static void Gather(List<Memory<byte>> buffers, Span<byte> data)
    {
        foreach (Memory<byte> buffer in buffers)
        {
            buffer.Span.CopyTo(data);
            data = data[buffer.Length..];
        }
    }

    /// <summary>A Memory view of native memory for copying only (never handed to PinIo).</summary>
    private sealed unsafe class NativeView(nint address, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new((void*)address, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)address + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
