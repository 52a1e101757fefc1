using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Devices;

/// <summary>
/// FileDevice and DirectFile on a real block device: a loop device over a sparse file in
/// /tmp, made for each test and detached after it. Where loop devices cannot be made here
/// (no root, no loop driver) the tests report Skipped with losetup's reason.
/// </summary>
public sealed class FileDeviceBlockDeviceTests(ITestOutputHelper output) : PinBalancedTest
{
    private const long DeviceSize = 16L << 20;

    [SkippableFact]
    public void Open_OnALoopDevice_ReportsTheBlockDevice_ItsSize_ItsAlignmentFromSysfs_AndOneKernelBioAsItsRequestLimit()
    {
        using FileLoopDevice loop = FileLoopDevice.Create(DeviceSize);

        using FileDevice device = FileDevice.Open(loop.Path, new FileDeviceOptions { Engine = IoEngine.Sync });

        Assert.True(device.IsBlockDevice);
        Assert.Equal(DeviceSize, device.Capacity);
        Assert.Equal(DeviceSize, device.MaxCapacity);
        Assert.Equal(loop.QueueAttribute("logical_block_size"), device.Limits.LogicalBlockSize);
        Assert.Equal(loop.QueueAttribute("dma_alignment") + 1, device.Limits.DmaAlignment);
        // One kernel bio of user pages (BIO_MAX_VECS = 256): the kernel splits it by the queue's
        // max_sectors_kb and max_segments below; io_uring sends a larger request to a worker.
        Assert.Equal(1 << 20, device.Limits.MaxSectorsBytes);
        Assert.Equal(256, device.Limits.MaxSegments);
        Assert.Equal(1 << 20, device.Limits.MaxSegmentSize);
        Assert.Equal(loop.QueueAttribute("physical_block_size"), device.Limits.PhysicalBlockSize);
        output.WriteLine($"{loop.Path}: {device.Limits}");
    }

    /// <summary>
    /// A request bigger than the queue's max_sectors_kb goes down as one bio — the kernel splits
    /// it by the queue's limits below the descriptor, as it does for fio's — and moves every byte.
    /// </summary>
    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ARequestLargerThanTheQueuesMaxSectors_IsOneBio_AndTheKernelSplitsItBelow(IoEngine engine)
    {
        const int Length = 1 << 20;
        using FileLoopDevice loop = FileLoopDevice.Create(DeviceSize);
        loop.SetQueueAttribute("max_sectors_kb", 64);
        await using DirectFile file = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine });
        Assert.Equal(Length, file.Device.Limits.MaxSectorsBytes);
        Assert.Equal(64, loop.QueueAttribute("max_sectors_kb"));
        byte[] pattern = FileWorkload.Data(Length, seed: 77);
        Memory<byte> memory = FileBuffers.PinnedAligned(Length);
        pattern.CopyTo(memory);

        Assert.Equal(Length, await file.WriteAsync(memory, 3L << 20));
        memory.Span.Clear();
        Assert.Equal(Length, await file.ReadAsync(memory, 3L << 20));

        FileModel.AssertSame(pattern, memory.Span, 3L << 20, $"1 MiB through max_sectors_kb 64 with {engine}");
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ALoopDeviceWith4KiBBlocks_TakesOnly4KiBAlignedOffsets(IoEngine engine)
    {
        using FileLoopDevice loop = FileLoopDevice.Create(DeviceSize, logicalBlockSize: 4096);
        await using DirectFile file = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine });
        Assert.Equal(4096, file.Alignment);
        using var buffer = file.AllocateBuffer(8192);

        DirectIoException offset = await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadAsync(512, buffer.Memory));
        DirectIoException length = await Assert.ThrowsAsync<DirectIoException>(async () => await file.WriteAsync(0, buffer.Memory[..512]));

        Assert.Equal(Errno.EINVAL, offset.Errno);
        Assert.Contains("logical block size 4096", offset.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.EINVAL, length.Errno);
        Assert.Equal(8192, await file.WriteAsync(4096, buffer.Memory));
    }

    public static TheoryData<IoEngine, FileMemoryKind> EnginesAndMemory() => new()
    {
        { IoEngine.IoUring, FileMemoryKind.Pool },
        { IoEngine.IoUring, FileMemoryKind.PinnedManaged },
        { IoEngine.IoUring, FileMemoryKind.BufferList },
        { IoEngine.Sync, FileMemoryKind.Pool },
        { IoEngine.Libaio, FileMemoryKind.Pool },
        { IoEngine.Sync, FileMemoryKind.PinnedManaged },
        { IoEngine.Libaio, FileMemoryKind.PinnedManaged },
        { IoEngine.Sync, FileMemoryKind.BufferList },
        { IoEngine.Libaio, FileMemoryKind.BufferList },
    };

    [SkippableTheory]
    [MemberData(nameof(EnginesAndMemory))]
    public async Task RandomConcurrentReadsAndWrites_OnALoopDevice_MatchTheModel(IoEngine engine, FileMemoryKind kind)
    {
        using FileLoopDevice loop = FileLoopDevice.Create(DeviceSize);
        await using DirectFile file = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine, BufferPoolBytes = 32L << 20 });
        Assert.True(file.Device.IsBlockDevice);
        var runner = new FileIntegrityRunner(file, new FileModel(DeviceSize), kind, seed: 2000 + (int)kind) { Operations = 2000, MultiBioEvery = 40 };

        using (FilePinRecording.Suspend())
        {
            await runner.RunAsync();
        }

        output.WriteLine($"{engine}/{kind} on {loop.Path}: {runner.Reads} reads, {runner.Writes} writes, {runner.MultiBioRequests} multi-bio, {runner.BytesMoved >> 20} MiB");
        Assert.True(runner.MultiBioRequests > 0, "no request spanned several bios");
        if (file.Device.EngineCore is PinIo.Devices.IoUringEngine ring)
        {
            Assert.Equal(0, ring.StaleCompletions);
        }
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task IoPastTheEndOfABlockDevice_ReadsShortOrNothing_AndWritesAtTheEndFailWithEnospc(IoEngine engine)
    {
        using FileLoopDevice loop = FileLoopDevice.Create(DeviceSize);
        await using DirectFile file = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine });
        using var buffer = file.AllocateBuffer(16384);
        Memory<byte> managed = FileBuffers.PinnedAligned(16384);
        byte[] tail = FileWorkload.Data(4096, seed: 4);
        tail.CopyTo(managed);

        // A write that crosses the end is cut short at it; one at the end has no space.
        Assert.Equal(4096, await file.WriteAsync(DeviceSize - 4096, managed));
        DirectIoException atEnd = await Assert.ThrowsAsync<DirectIoException>(async () => await file.WriteAsync(DeviceSize, buffer.Memory));
        DirectIoException pastEnd = await Assert.ThrowsAsync<DirectIoException>(async () => await file.WriteAsync(DeviceSize + 4096, managed));
        Assert.Equal(Errno.ENOSPC, atEnd.Errno);
        Assert.Equal(Errno.ENOSPC, pastEnd.Errno);
        Assert.Equal(DeviceSize, file.Length);

        // A read that crosses the end is short; one at or past it reads nothing.
        Assert.Equal(4096, await file.ReadAsync(DeviceSize - 4096, buffer.Memory));
        FileModel.AssertSame(tail, buffer.Memory.Span[..4096], DeviceSize - 4096, "last block of the device");
        Assert.Equal(0, await file.ReadAsync(DeviceSize, buffer.Memory));
        Assert.Equal(0, await file.ReadAsync(DeviceSize + (1 << 20), managed));

        DirectIoException resize = Assert.Throws<DirectIoException>(() => file.SetLength(DeviceSize * 2));
        Assert.Equal(Errno.EINVAL, resize.Errno);
        Assert.Contains("block device", resize.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task AReadOnlyBlockDevice_OpenedForWriting_RefusesWrites(IoEngine engine)
    {
        using FileLoopDevice loop = FileLoopDevice.Create(DeviceSize, readOnly: true);
        DirectFile? file = null;
        try
        {
            file = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine });
            using var buffer = file.AllocateBuffer(4096);
            DirectIoException write = await Assert.ThrowsAsync<DirectIoException>(async () => await file.WriteAsync(0, buffer.Memory));
            output.WriteLine($"write: {write.Errno}: {write.Message}");
            // Linux lets a read-only block device be opened for writing and fails each write
            // with EPERM (blkdev_write_iter); the message must say what to change.
            Assert.Equal(Errno.EPERM, write.Errno);
            Assert.Contains("read-only", write.Message, StringComparison.Ordinal);
            Assert.Contains("ReadOnly = true", write.Message, StringComparison.Ordinal);
        }
        catch (DirectIoException open)
        {
            output.WriteLine($"open: {open.Errno}: {open.Message}");
            Assert.True(open.Errno is Errno.EROFS or Errno.EACCES, open.Message);
        }
        finally
        {
            file?.Dispose();
        }
        await using DirectFile readOnly = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine, ReadOnly = true });
        using var back = readOnly.AllocateBuffer(4096);
        Assert.Equal(4096, await readOnly.ReadAsync(0, back.Memory));
    }
}
