using System.Globalization;
using PinIo.Block;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests;

/// <summary>
/// DirectFile.TrimAsync on every engine: a regular file gets a hole (zeroes, blocks freed, size
/// kept), a loop device a discard (zeroes: the loop driver punches its backing file).
/// Misaligned ranges are EINVAL, a read-only file EBADF.
/// </summary>
public sealed class DirectFileTrimTests(ITestOutputHelper output) : PinBalancedTest, IDisposable
{
    private const int FileBytes = 4 << 20;
    private const int TrimOffset = 1 << 20;
    private const int TrimBytes = 2 << 20;

    private readonly string _dir = Directory.CreateTempSubdirectory("pinio-trim-").FullName;

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task Trim_OnARegularFile_ReadsZeroes_FreesItsBlocks_AndKeepsItsSize(IoEngine engine)
    {
        string path = Path.Combine(_dir, "data");
        byte[] pattern = TestPattern.Make(FileBytes, seed: 7);
        await using (DirectFile file = DirectFile.Open(path, new DirectFileOptions { Engine = engine, Create = true }))
        {
            Assert.Equal(engine, file.Engine);
            await WriteAll(file, pattern);
            await file.FlushAsync();
            long blocksBefore = AllocatedSectors(path);

            await file.TrimAsync(TrimOffset, TrimBytes);

            long blocksAfter = AllocatedSectors(path);
            output.WriteLine($"{engine}: {blocksBefore} -> {blocksAfter} sectors allocated");
            Assert.True(blocksBefore - blocksAfter >= TrimBytes / 512, $"blocks freed: {blocksBefore} -> {blocksAfter} sectors, expected at least {TrimBytes / 512} fewer");
            Assert.Equal(FileBytes, file.Length);
            await AssertTrimmed(file, pattern);
        }
        Assert.Equal(FileBytes, new FileInfo(path).Length);
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task Trim_OnALoopDevice_ReadsZeroes_AndPunchesTheBackingFile(IoEngine engine)
    {
        using FileLoopDevice loop = FileLoopDevice.Create(FileBytes);
        byte[] pattern = TestPattern.Make(FileBytes, seed: 8);
        await using DirectFile file = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine });
        Assert.Equal(engine, file.Engine);
        Assert.Equal(loop.QueueAttribute("discard_granularity"), file.Device.Limits.DiscardGranularity);
        long sysfsMax = long.Parse(File.ReadAllText($"/sys/block/{Path.GetFileName(loop.Path)}/queue/discard_max_bytes").Trim(), CultureInfo.InvariantCulture);
        int granularity = loop.QueueAttribute("discard_granularity");
        // Rounded down to the granularity within an int (a bio's size): 4 GiB - 512 becomes 2 GiB - 4 KiB.
        Assert.Equal(Math.Min(sysfsMax, int.MaxValue) / granularity * granularity, file.Device.Limits.MaxDiscardBytes);
        await WriteAll(file, pattern);
        await file.FlushAsync();
        long backingBefore = AllocatedSectors(loop.BackingFile);

        await file.TrimAsync(TrimOffset, TrimBytes);

        long backingAfter = AllocatedSectors(loop.BackingFile);
        output.WriteLine($"{engine}: backing file {backingBefore} -> {backingAfter} sectors allocated");
        Assert.True(backingBefore - backingAfter >= TrimBytes / 512, $"backing blocks freed: {backingBefore} -> {backingAfter} sectors");
        await AssertTrimmed(file, pattern);
    }

    /// <summary>
    /// The engines' own error path: a discard bio built by hand past the device's end, which
    /// BlkLib would have refused, reaches the kernel (BLKDISCARD, or io_uring's discard command)
    /// and comes back EINVAL; the device goes on working.
    /// </summary>
    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ADiscardBioTheKernelRefuses_EndsWithItsErrno_AndTheDeviceStaysUsable(IoEngine engine)
    {
        using FileLoopDevice loop = FileLoopDevice.Create(FileBytes);
        await using DirectFile file = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine });
        var bio = new Bio(BioOp.Discard, (FileBytes - 4096) / QueueLimits.SectorSize, file.Device.Limits);
        bio.SetDiscardSize(8192);
        var ended = new TaskCompletionSource<(BlkStatus, Errno)>(TaskCreationOptions.RunContinuationsAsynchronously);
        bio.EndIo = b => ended.SetResult((b.Status, b.Error));

        file.Device.Submit(bio);

        Assert.Equal((BlkStatus.Invalid, Errno.EINVAL), await ended.Task);
        using var buffer = file.AllocateBuffer(4096);
        Assert.Equal(4096, await file.ReadAsync(0, buffer.Memory));
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task Trim_OffTheLogicalBlock_IsEinval_NamingTheBlockSize(IoEngine engine)
    {
        string path = Path.Combine(_dir, "misaligned");
        await using DirectFile file = DirectFile.Open(path, new DirectFileOptions { Engine = engine, Create = true, InitialSize = 1 << 20 });

        DirectIoException offset = await Assert.ThrowsAsync<DirectIoException>(async () => await file.TrimAsync(100, file.Alignment));
        DirectIoException length = await Assert.ThrowsAsync<DirectIoException>(async () => await file.TrimAsync(0, file.Alignment + 100));

        Assert.Equal(Errno.EINVAL, offset.Errno);
        Assert.Equal(Errno.EINVAL, length.Errno);
        Assert.Contains($"logical block size {file.Alignment}", offset.Message, StringComparison.Ordinal);
        Assert.Contains(path, length.Message, StringComparison.Ordinal);
    }

    /// <summary>InlineCompletions holds for trims as for reads and writes: the awaiting code resumes on the engine's thread, with no hop to the thread pool.</summary>
    [Theory]
    [InlineData(IoEngine.IoUring, "pinio-uring")]
    [InlineData(IoEngine.Libaio, "pinio-libaio")]
    public async Task Trim_WithInlineCompletions_ResumesOnTheEngineThread(IoEngine engine, string thread)
    {
        string path = Path.Combine(_dir, "inline");
        File.WriteAllBytes(path, TestPattern.Make(1 << 20, seed: 9));
        await using DirectFile file = DirectFile.Open(path, new DirectFileOptions { Engine = engine, InlineCompletions = true });

        // A trim the engine ended before the await goes on synchronously, and one that ends
        // while the await registers is queued to the pool (ManualResetValueTaskSourceCore's
        // rule for a late continuation): neither is a hop the option could save. Of many trims
        // awaited in flight, some must resume on the engine thread; without the option none does.
        int onEngine = 0, inFlight = 0;
        for (int round = 0; round < 40; round++)
        {
            (bool doneAtOnce, string resumedOn) = await TrimAndNameTheThread(file);
            inFlight += doneAtOnce ? 0 : 1;
            onEngine += resumedOn == thread ? 1 : 0;
            await Task.Yield();
        }

        Assert.True(inFlight > 0, "every trim ended before its await: the test proves nothing");
        Assert.True(onEngine > 0, $"{inFlight} trims were awaited in flight and none resumed on {thread}");
        Assert.True(File.ReadAllBytes(path).AsSpan().IndexOfAnyExcept((byte)0) < 0, "the trimmed file reads as zeroes");
    }

    /// <summary>
    /// A discard of a range the device's page cache holds (a buffered read of the device —
    /// blkid probes every new loop device that way): the kernel invalidates the cached pages,
    /// which io_uring's non-blocking issue of the discard command may not do, and the range then
    /// reads as zeroes through Direct I/O. The wait is bounded so that a retry loop fails the test.
    /// </summary>
    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task Trim_OfARangeInTheDevicesPageCache_Completes_AndReadsZeroes(IoEngine engine)
    {
        using FileLoopDevice loop = FileLoopDevice.Create(FileBytes, backingDirectory: "/dev/shm");
        byte[] pattern = TestPattern.Make(FileBytes, seed: 9);
        await using DirectFile file = DirectFile.Open(loop.Path, new DirectFileOptions { Engine = engine });
        await WriteAll(file, pattern);
        await file.FlushAsync();
        using (var cached = new FileStream(loop.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1))
        {
            byte[] page = new byte[TrimBytes];
            cached.Position = TrimOffset;
            cached.ReadExactly(page);
        }

        await file.TrimAsync(TrimOffset, TrimBytes).AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        await AssertTrimmed(file, pattern);
    }

    [Fact]
    public async Task Trim_OnAReadOnlyFile_IsEbadf()
    {
        string path = Path.Combine(_dir, "readonly");
        File.WriteAllBytes(path, new byte[1 << 20]);
        await using DirectFile file = DirectFile.Open(path, new DirectFileOptions { ReadOnly = true });

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.TrimAsync(0, 4096));

        Assert.Equal(Errno.EBADF, e.Errno);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Directory.Delete(_dir, recursive: true);
        }
        base.Dispose(disposing);
    }

    private static async Task<(bool DoneAtOnce, string Thread)> TrimAndNameTheThread(DirectFile file)
    {
        ValueTask trim = file.TrimAsync(0, 1 << 20);
        bool doneAtOnce = trim.IsCompleted;
        await trim.ConfigureAwait(false);
        return (doneAtOnce, Thread.CurrentThread.Name ?? "(unnamed)");
    }

    private static async Task WriteAll(DirectFile file, byte[] pattern)
    {
        using var buffer = file.AllocateBuffer(1 << 20);
        for (int offset = 0; offset < pattern.Length; offset += 1 << 20)
        {
            pattern.AsSpan(offset, 1 << 20).CopyTo(buffer.Memory.Span);
            Assert.Equal(1 << 20, await file.WriteAsync(offset, buffer.Memory));
        }
    }

    private static async Task AssertTrimmed(DirectFile file, byte[] pattern)
    {
        using var buffer = file.AllocateBuffer(FileBytes);
        Assert.Equal(FileBytes, await file.ReadAsync(0, buffer.Memory));
        ReadOnlySpan<byte> read = buffer.Memory.Span[..FileBytes];
        TestPattern.AssertBytes(pattern.AsSpan(0, TrimOffset), read[..TrimOffset], "before the trimmed range");
        Assert.True(read.Slice(TrimOffset, TrimBytes).IndexOfAnyExcept((byte)0) < 0, "the trimmed range reads as zeroes");
        TestPattern.AssertBytes(pattern.AsSpan(TrimOffset + TrimBytes), read[(TrimOffset + TrimBytes)..], "after the trimmed range");
    }

    /// <summary>stat's %b: 512-byte sectors allocated to the file.</summary>
    private static long AllocatedSectors(string path)
    {
        (int exit, string text) = FileShell.Run("stat", "-c", "%b", path);
        Assert.True(exit == 0, $"stat {path}: {text}");
        return long.Parse(text, CultureInfo.InvariantCulture);
    }
}
