using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests;

public sealed class DirectFileTests(ITestOutputHelper output) : PinBalancedTest
{
    private const long FileSize = 32L << 20;

    private readonly TempDirectory _dir = new();

    public static TheoryData<IoEngine, FileMemoryKind> EnginesAndMemory()
    {
        var data = new TheoryData<IoEngine, FileMemoryKind>();
        foreach (IoEngine engine in new[] { IoEngine.IoUring, IoEngine.Sync, IoEngine.Libaio })
        {
            foreach (FileMemoryKind kind in Enum.GetValues<FileMemoryKind>())
            {
                data.Add(engine, kind);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EnginesAndMemory))]
    public async Task RandomConcurrentReadsAndWrites_MatchTheModelByteForByte(IoEngine engine, FileMemoryKind kind)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("data"), new DirectFileOptions
        {
            Engine = engine,
            Create = true,
            InitialSize = FileSize,
            BufferPoolBytes = 64L << 20,
            // An ordinary array is only 8-byte aligned: where the file wants more it is bounced.
            BounceMisalignedMemory = kind == FileMemoryKind.NormalHeap,
        });
        Assert.Equal(engine, file.Engine);
        var runner = new FileIntegrityRunner(file, new FileModel(FileSize), kind, seed: 1000 + (int)kind);

        using (FilePinRecording.Suspend())
        {
            await runner.RunAsync();
        }

        output.WriteLine($"{engine}/{kind}: {runner.Reads} reads, {runner.Writes} writes, {runner.MultiBioRequests} multi-bio, " +
            $"{runner.BytesMoved >> 20} MiB; Alignment {file.Alignment}, MemoryAlignment {file.MemoryAlignment}" +
            (kind == FileMemoryKind.NormalHeap ? (file.MemoryAlignment > 8 ? " (heap arrays bounced)" : " (heap arrays mapped)") : string.Empty));
        Assert.True(runner.Reads + runner.Writes >= 2000);
        Assert.True(runner.MultiBioRequests > 0, "no request spanned several bios");
        if (file.Device.EngineCore is PinIo.Devices.IoUringEngine ring)
        {
            Assert.Equal(0, ring.StaleCompletions);
        }
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ReadAcrossTheEndOfAFileWhoseSizeIsNotAligned_ReturnsExactlyTheBytesBeforeTheEnd(IoEngine engine)
    {
        const int Size = 10000;
        await using DirectFile file = OpenFile(engine);
        byte[] content = FileWorkload.Data(16384, seed: 7);
        using (var buffer = file.AllocateBuffer(content.Length))
        {
            content.CopyTo(buffer.Memory);
            Assert.Equal(content.Length, await file.WriteAsync(0, buffer.Memory));
        }
        file.SetLength(Size);
        Assert.Equal(Size, file.Length);
        int block = file.Alignment;
        long lastBlock = Size / block * block;

        foreach ((long offset, int length) in new[] { (lastBlock, block), (lastBlock, 4 * block), (lastBlock - (2 * block), 8 * block), (0L, 16384) })
        {
            Memory<byte> memory = FileBuffers.PinnedAligned(length);
            memory.Span.Fill(0xA5);

            int n = await file.ReadAsync(offset, memory);

            Assert.Equal(Size - offset, n);
            FileModel.AssertSame(content.AsSpan((int)offset, n), memory.Span[..n], offset, $"read of {length} at {offset}");
            // The rest of the block that holds the end is the file's tail on disk, which is zero;
            // nothing of the file's old content past its end comes back.
            int blockEnd = (int)(((Size + block - 1) / block * block) - offset);
            Assert.True(memory.Span[n..blockEnd].IndexOfAnyExcept((byte)0) < 0, $"bytes {n}..{blockEnd} of the read at {offset} are not zero");
            Assert.True(memory.Span[blockEnd..].IndexOfAnyExcept((byte)0, (byte)0xA5) < 0, $"a read at {offset} wrote file data past the end of the file");
        }
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ReadAtOrPastTheEnd_ReturnsZeroAndLeavesTheBufferAlone(IoEngine engine)
    {
        await using DirectFile file = OpenFile(engine);
        file.SetLength(10000);
        int block = file.Alignment;
        using var buffer = file.AllocateBuffer(4096);
        Memory<byte> managed = FileBuffers.PinnedAligned(4096);

        foreach (long offset in new[] { (10000L + block - 1) / block * block, 1L << 20 })
        {
            buffer.Memory.Span.Fill(0xA5);
            managed.Span.Fill(0xA5);
            Assert.Equal(0, await file.ReadAsync(offset, buffer.Memory));
            Assert.Equal(0, await file.ReadAsync(offset, managed));
            Assert.Equal(0, await file.ReadAsync(offset, [managed]));
            Assert.True(buffer.Memory.Span.IndexOfAnyExcept((byte)0xA5) < 0);
            Assert.True(managed.Span.IndexOfAnyExcept((byte)0xA5) < 0);
        }
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task WritesPastTheEnd_ExtendTheFile(IoEngine engine)
    {
        await using DirectFile file = OpenFile(engine);
        file.SetLength(10000);
        byte[] data = FileWorkload.Data(8192, seed: 3);
        Memory<byte> memory = FileBuffers.PinnedAligned(data.Length);
        data.CopyTo(memory);

        Assert.Equal(data.Length, await file.WriteAsync(12288, memory));
        Assert.Equal(12288 + data.Length, file.Length);
        Assert.Equal(data.Length, await file.WriteAsync(1 << 20, memory));
        Assert.Equal((1 << 20) + data.Length, file.Length);

        Memory<byte> back = FileBuffers.PinnedAligned(20480);
        Assert.Equal(20480, await file.ReadAsync(0, back));
        Assert.True(back.Span[10000..12288].IndexOfAnyExcept((byte)0) < 0, "the gap between the old end and the write is not zero");
        FileModel.AssertSame(data, back.Span[12288..], 12288, "extending write");
        Assert.Equal((1 << 20) + data.Length, new FileInfo(file.Path).Length);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task MultiBioBouncedAndListReadsAcrossTheEnd_ReturnExactlyTheBytesBeforeIt(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("f"), new DirectFileOptions { Engine = engine, Create = true, BounceMisalignedMemory = true });
        using FilePinRecording quiet = FilePinRecording.Suspend();
        int size = file.Device.Limits.MaxSectorsBytes + (1 << 20) + 1000;
        byte[] content = FileWorkload.Data(size, seed: 17);
        Memory<byte> staging = FileBuffers.PinnedAligned((size + file.Alignment - 1) / file.Alignment * file.Alignment);
        content.CopyTo(staging);
        Assert.Equal(staging.Length, await file.WriteAsync(0, staging));
        file.SetLength(size);

        // Several bios, the last one crossing the end.
        Memory<byte> big = FileBuffers.PinnedAligned(2 * file.Device.Limits.MaxSectorsBytes);
        Assert.Equal(size, await file.ReadAsync(0, big));
        FileModel.AssertSame(content, big.Span[..size], 0, "multi-bio read across the end");

        // Bounced (misaligned memory), in rounds, the last one crossing the end.
        long offset = (size - 300_000) / file.Alignment * file.Alignment;
        Memory<byte> odd = new byte[(1 << 20) + 1].AsMemory(1);
        Assert.Equal(size - offset, await file.ReadAsync(offset, odd));
        FileModel.AssertSame(content.AsSpan((int)offset), odd.Span[..(int)(size - offset)], offset, "bounced read across the end");

        // A list whose second buffer holds the end.
        Memory<byte> first = FileBuffers.PinnedAligned(4096), second = FileBuffers.PinnedAligned(8192);
        long listOffset = (size - 6000) / file.Alignment * file.Alignment;
        Assert.Equal(size - listOffset, await file.ReadAsync(listOffset, [first, second]));
        FileModel.AssertSame(content.AsSpan((int)listOffset), [.. first.ToArray(), .. second.Span[..(int)(size - listOffset - 4096)].ToArray()], listOffset, "list read across the end");
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task AWriteOverTheBlockThatHoldsAnUnalignedEnd_ExtendsTheFileToTheBlockEnd(IoEngine engine)
    {
        await using DirectFile file = OpenFile(engine);
        byte[] content = FileWorkload.Data(10000, seed: 19);
        File.WriteAllBytes(file.Path, content);
        file.Device.RefreshCapacity();
        Assert.Equal(10000, file.Length);
        long last = 10000 / file.Alignment * file.Alignment;
        Memory<byte> block = FileBuffers.PinnedAligned(file.Alignment);
        block.Span.Fill(0x77);

        Assert.Equal(file.Alignment, await file.WriteAsync(last, block));

        Assert.Equal(last + file.Alignment, file.Length);
        Memory<byte> back = FileBuffers.PinnedAligned((int)file.Length);
        Assert.Equal(file.Length, await file.ReadAsync(0, back));
        FileModel.AssertSame(content.AsSpan(0, (int)last), back.Span[..(int)last], 0, "bytes before the rewritten block");
        Assert.True(back.Span[(int)last..].IndexOfAnyExcept((byte)0x77) < 0);
    }

    [Fact]
    public async Task SubmissionPolling_RoundTripsThroughAnSqpollRing()
    {
        await using DirectFile file = DirectFile.Open(_dir.File("sqpoll"), new DirectFileOptions
        {
            Create = true,
            InitialSize = 1 << 20,
            SubmissionPolling = true,
            SubmissionPollIdleMs = 10,
        });
        var engine = (PinIo.Devices.IoUringEngine)file.Device.EngineCore;
        Assert.NotEqual(0u, engine.SetupFlags & PinIo.Linux.Interop.IORING_SETUP_SQPOLL);
        using var buffer = file.AllocateBuffer(64 * 1024);
        Random.Shared.NextBytes(buffer.Memory.Span);
        byte[] expected = buffer.Memory.ToArray();

        Assert.Equal(65536, await file.WriteAsync(8192, buffer.Memory));
        buffer.Memory.Span.Clear();
        // Past the 10 ms idle the kernel thread sleeps: the read must wake it.
        await Task.Delay(50);
        Assert.Equal(65536, await file.ReadAsync(8192, buffer.Memory));

        Assert.True(buffer.Memory.Span.SequenceEqual(expected));
    }

    [Fact]
    public void Alignment_IsWhatStatxReports()
    {
        using DirectFile file = OpenFile(IoEngine.Sync);
        PinIo.Linux.StatxInfo info = PinIo.Linux.StatxInfo.Get(file.Path);

        Assert.True(info.HasDioAlign, "ext4 reports STATX_DIOALIGN since Linux 6.1");
        Assert.Equal(info.DioOffsetAlign, file.Alignment);
        Assert.Equal(info.DioMemAlign, file.MemoryAlignment);
        Assert.Equal(info.DioOffsetAlign, file.Device.Limits.LogicalBlockSize);
        Assert.Equal(info.DioMemAlign, file.Device.Limits.DmaAlignment);
        Assert.False(file.Device.IsBlockDevice);
    }

    [Fact]
    public void OnTmpfs_WithoutStatxDioAlign_TheAlignmentFallsBackTo512()
    {
        using var shm = new TempDirectory("/dev/shm");
        using DirectFile file = DirectFile.Open(shm.File("f"), new DirectFileOptions { Engine = IoEngine.Sync, Create = true, InitialSize = 1 << 16 });
        PinIo.Linux.StatxInfo info = PinIo.Linux.StatxInfo.Get(file.Path);

        int expected = info.HasDioAlign && info.DioOffsetAlign > 0 ? Math.Max(512, info.DioOffsetAlign) : 512;
        Assert.Equal(expected, file.Alignment);
        output.WriteLine($"tmpfs: STATX_DIOALIGN {(info.HasDioAlign ? "reported" : "not reported")}, Alignment {file.Alignment}, MemoryAlignment {file.MemoryAlignment}");
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task MisalignedOffset_FailsWithEinvalNamingTheAlignment(IoEngine engine)
    {
        await using DirectFile file = OpenFile(engine);
        using var buffer = file.AllocateBuffer(8192);
        Memory<byte> memory = buffer.Memory[..file.Alignment];
        long offset = file.Alignment + (file.Alignment / 2);

        foreach (Func<Task> call in new Func<Task>[]
        {
            async () => await file.ReadAsync(offset, memory),
            async () => await file.WriteAsync(offset, memory),
            async () => await file.ReadAsync(offset, [memory]),
            async () => await file.WriteAsync(offset, [(ReadOnlyMemory<byte>)memory]),
            () => Task.FromResult(file.Read(offset, memory)),
        })
        {
            DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(call);
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.Contains($"offset {offset}", e.Message, StringComparison.Ordinal);
            Assert.Contains(file.Alignment.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, file.Length);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task MisalignedLength_FailsWithEinval(IoEngine engine)
    {
        await using DirectFile file = OpenFile(engine);
        using var buffer = file.AllocateBuffer(8192);
        Memory<byte> memory = buffer.Memory[..(file.Alignment + 100)];

        DirectIoException read = await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadAsync(0, memory));
        DirectIoException write = await Assert.ThrowsAsync<DirectIoException>(async () => await file.WriteAsync(0, memory));

        foreach (DirectIoException e in new[] { read, write })
        {
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.Contains($"length {file.Alignment + 100}", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, file.Length);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task MisalignedMemory_WithoutBouncing_FailsWithEinvalNamingTheMemoryAlignment(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("f"), new DirectFileOptions { Engine = engine, Create = true, InitialSize = 65536 });
        Assert.True(file.MemoryAlignment > 1, "this file system takes any memory address: nothing is misaligned");
        Memory<byte> misaligned = FileBuffers.PinnedAligned(8192 + 4096)[(file.MemoryAlignment / 2)..][..8192];

        DirectIoException read = await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadAsync(0, misaligned));
        DirectIoException write = await Assert.ThrowsAsync<DirectIoException>(async () => await file.WriteAsync(0, misaligned));
        DirectIoException list = await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadAsync(0, [FileBuffers.PinnedAligned(4096), misaligned[..4096]]));

        foreach (DirectIoException e in new[] { read, write, list })
        {
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.Contains($"DmaAlignment of {file.MemoryAlignment} bytes", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(65536, file.Length);
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public async Task MemoryThatMovesOutOfAlignmentBeforeItIsPinned_WithBouncing_IsBouncedNotRefused(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("moving"), new DirectFileOptions { Engine = engine, Create = true, BounceMisalignedMemory = true });
        Requires.That(file.MemoryAlignment > 1, $"the file system takes memory at any address (DmaAlignment {file.MemoryAlignment}): nothing can move out of alignment");
        // Whole file-system blocks of written data: ext4 checks the memory of a read of a hole less strictly.
        int length = 4 * global::PinIo.Mm.PageSize.Bytes;
        byte[] data = FileWorkload.Data(length, seed: 23);
        Memory<byte> staging = FileBuffers.PinnedAligned(length);
        data.CopyTo(staging);
        Assert.Equal(length, await file.WriteAsync(0, staging));

        // Page-aligned when the request is checked, one byte further on once pinned: the GC
        // moving an array between the two. The request must bounce, not reach the kernel misaligned.
        using var read = new MovingBuffer(length, movedBy: 1);
        Assert.Equal(length, await file.ReadAsync(0, read.Memory));
        Assert.True(read.Moved);
        FileModel.AssertSame(data, read.Memory.Span, 0, "read into memory that moved");

        using var write = new MovingBuffer(length, movedBy: 1);
        data.AsSpan().Reverse();
        data.CopyTo(write.MovedSpan);
        Assert.Equal(length, await file.WriteAsync(0, write.Memory));
        Assert.Equal(length, await file.ReadAsync(0, staging));
        FileModel.AssertSame(data, staging.Span, 0, "write from memory that moved");
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task MisalignedMemory_WithBouncing_MovesTheRightBytesBothWays(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("bounce"), new DirectFileOptions
        {
            Engine = engine,
            Create = true,
            BounceMisalignedMemory = true,
        });
        // More than one bounce round (256 KiB each), from and into memory at odd addresses.
        int length = (1 << 20) + (3 * file.Alignment);
        byte[] data = FileWorkload.Data(length, seed: 11);
        Memory<byte> source = FileBuffers.PinnedAligned(length + 4096)[1..][..length];
        data.CopyTo(source);
        long before = global::PinIo.Mm.PinStats.Acquired;

        Assert.Equal(length, await file.WriteAsync(file.Alignment, source));

        Memory<byte> destination = new byte[length + 3].AsMemory(3, length);
        Assert.Equal(length, await file.ReadAsync(file.Alignment, destination));
        FileModel.AssertSame(data, destination.Span, file.Alignment, "bounced read of a bounced write");
        Assert.Equal(before, global::PinIo.Mm.PinStats.Acquired);

        // Scattered misaligned pieces of a list, and the bytes on disk through aligned memory.
        Memory<byte> whole = FileBuffers.PinnedAligned(length);
        Assert.Equal(length, await file.ReadAsync(file.Alignment, whole));
        FileModel.AssertSame(data, whole.Span, file.Alignment, "aligned read of a bounced write");
        Memory<byte> a = new byte[1001], b = new byte[length - 1001];
        Assert.Equal(length, await file.ReadAsync(file.Alignment, [a, b]));
        FileModel.AssertSame(data, [.. a.ToArray(), .. b.ToArray()], file.Alignment, "bounced list read");
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task OpenedReadOnly_WritesFailWithEbadfSayingSo_AndReadsWork(IoEngine engine)
    {
        string path = _dir.File("ro");
        byte[] data = FileWorkload.Data(8192, seed: 5);
        File.WriteAllBytes(path, data);
        await using DirectFile file = DirectFile.Open(path, new DirectFileOptions { Engine = engine, ReadOnly = true });
        using var buffer = file.AllocateBuffer(8192);

        foreach (Func<Task> write in new Func<Task>[]
        {
            async () => await file.WriteAsync(0, buffer.Memory),
            async () => await file.WriteAsync(0, [(ReadOnlyMemory<byte>)buffer.Memory]),
            async () => await file.WriteAsync(0, global::PinIo.Iov.IovIter.User(global::PinIo.Iov.IterDirection.Source, buffer.Memory)),
            () => Task.FromResult(file.Write(0, buffer.Memory)),
        })
        {
            DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(write);
            Assert.Equal(Errno.EBADF, e.Errno);
            Assert.Contains("opened read-only", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(8192, await file.ReadAsync(0, buffer.Memory));
        FileModel.AssertSame(data, buffer.Memory.Span, 0, "read-only file");
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task SynchronousReadAndWrite_RoundTrip_AndFlushCompletes(IoEngine engine)
    {
        await using DirectFile file = OpenFile(engine);
        byte[] data = FileWorkload.Data(65536, seed: 9);
        Memory<byte> memory = FileBuffers.PinnedAligned(data.Length);
        data.CopyTo(memory);

        Assert.Equal(data.Length, file.Write(4096, memory));
        await file.FlushAsync();
        Memory<byte> back = FileBuffers.PinnedAligned(data.Length);
        Assert.Equal(data.Length, file.Read(4096, back));

        FileModel.AssertSame(data, back.Span, 4096, "synchronous round trip");
        Assert.Equal(4096 + data.Length, file.Length);
    }

    [Fact]
    public void AllocateBuffer_WithoutAPool_OrBeyondIt_FailsWithEnomemSayingWhatToChange()
    {
        using (DirectFile file = DirectFile.Open(_dir.File("nopool"), new DirectFileOptions { Create = true, BufferPoolBytes = 0 }))
        {
            DirectIoException e = Assert.Throws<DirectIoException>(() => file.AllocateBuffer(4096));
            Assert.Equal(Errno.ENOMEM, e.Errno);
            Assert.Contains("BufferPoolBytes", e.Message, StringComparison.Ordinal);
            Assert.False(file.Device.UsesFixedBuffers);
        }
        using (DirectFile file = DirectFile.Open(_dir.File("small"), new DirectFileOptions { Create = true, BufferPoolBytes = 1 << 20 }))
        {
            DirectIoException e = Assert.Throws<DirectIoException>(() => file.AllocateBuffer(2 << 20));
            Assert.Equal(Errno.ENOMEM, e.Errno);
            using var fits = file.AllocateBuffer(1 << 20);
            Assert.Equal(1 << 20, fits.Memory.Length);
        }
    }

    private DirectFile OpenFile(IoEngine engine, string name = "f") =>
        DirectFile.Open(_dir.File(name), new DirectFileOptions { Engine = engine, Create = true });

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
