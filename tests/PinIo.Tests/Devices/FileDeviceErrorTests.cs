using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Devices;

/// <summary>
/// Every error of the real-I/O layer: each gives a <see cref="DirectIoException"/> with its
/// errno and advice, keeps the data already acknowledged, and (checked by the base class after
/// every test) leaks no pin, pool page or GC handle.
/// </summary>
public sealed class FileDeviceErrorTests(ITestOutputHelper output) : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public void PathThatDoesNotExist_FailsWithEnoentNamingThePath(IoEngine engine)
    {
        string path = _dir.File("missing/nothing-here");

        DirectIoException device = Assert.Throws<DirectIoException>(() => FileDevice.Open(path, new FileDeviceOptions { Engine = engine }));
        DirectIoException file = Assert.Throws<DirectIoException>(() => DirectFile.Open(_dir.File("absent"), new DirectFileOptions { Engine = engine }));

        Assert.Equal(Errno.ENOENT, device.Errno);
        Assert.Equal(Errno.ENOENT, file.Errno);
        Assert.Contains(path, device.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", file.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ADirectory_IsRefusedAsADirectory(bool readOnly)
    {
        DirectIoException e = Assert.Throws<DirectIoException>(() => DirectFile.Open(_dir.Path, new DirectFileOptions { ReadOnly = readOnly }));

        Assert.True(e.Errno is Errno.EISDIR or Errno.EINVAL, $"{e.Errno}: {e.Message}");
        Assert.Contains("directory", e.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public void AFileSystemWithoutDirectIo_FailsWithEopnotsupp(IoEngine engine)
    {
        // ramfs has no direct I/O at all: open(O_DIRECT) fails with EINVAL there, which PinIo
        // reports as EOPNOTSUPP with the advice to pick another file system.
        using FileScratchMount ramfs = Requires.Available(FileScratchMount.TryRamfs(out string reason),
            $"cannot mount a ramfs here ({reason}); Errors.CreateOpen's mapping is tested in OpenEinvalWithODirect_IsReportedAsEopnotsupp");
        string path = ramfs.File("f");
        File.WriteAllBytes(path, new byte[4096]);

        DirectIoException e = Assert.Throws<DirectIoException>(() => DirectFile.Open(path, new DirectFileOptions { Engine = engine }));
        DirectIoException ro = Assert.Throws<DirectIoException>(() => DirectFile.Open(path, new DirectFileOptions { Engine = engine, ReadOnly = true }));

        Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
        Assert.Equal(Errno.EOPNOTSUPP, ro.Errno);
        Assert.Contains("refuses O_DIRECT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenEinvalWithODirect_IsReportedAsEopnotsupp_AndWithoutItStaysEinval()
    {
        int direct = PinIo.Linux.Interop.O_RDWR | PinIo.Linux.Interop.O_DIRECT;

        DirectIoException refused = PinIo.Linux.Errors.CreateOpen(Errno.EINVAL, "/mnt/x/f", direct);
        DirectIoException plain = PinIo.Linux.Errors.CreateOpen(Errno.EINVAL, "/mnt/x/f", PinIo.Linux.Interop.O_RDWR);

        Assert.Equal(Errno.EOPNOTSUPP, refused.Errno);
        Assert.Contains("/mnt/x/f", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.EINVAL, plain.Errno);
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task AFileOnAReadOnlyMount_OpenedForWriting_FailsWithErofs_AndOpensReadOnly(IoEngine engine)
    {
        byte[] data = FileWorkload.Data(8192, seed: 1);
        File.WriteAllBytes(_dir.File("f"), data);
        using FileScratchMount ro = Requires.Available(FileScratchMount.TryReadOnlyBind(_dir.Path, out string reason),
            $"cannot make a read-only bind mount here: {reason}");

        DirectIoException e = Assert.Throws<DirectIoException>(() => DirectFile.Open(ro.File("f"), new DirectFileOptions { Engine = engine }));
        Assert.Equal(Errno.EROFS, e.Errno);
        Assert.Contains("read-only", e.Message, StringComparison.Ordinal);

        await using DirectFile file = DirectFile.Open(ro.File("f"), new DirectFileOptions { Engine = engine, ReadOnly = true });
        using var buffer = file.AllocateBuffer(8192);
        Assert.Equal(8192, await file.ReadAsync(0, buffer.Memory));
        FileModel.AssertSame(data, buffer.Memory.Span, 0, "read from a read-only mount");
    }

    [SkippableFact]
    public void AnImmutableFile_OpenedForWriting_FailsWithEperm()
    {
        string path = _dir.File("immutable");
        File.WriteAllBytes(path, new byte[4096]);
        Requires.That(FileShell.TryRun(out string reason, "chattr", "+i", path) is not null, $"cannot make a file immutable here (chattr +i): {reason}");
        try
        {
            DirectIoException e = Assert.Throws<DirectIoException>(() => DirectFile.Open(path));
            Assert.Equal(Errno.EPERM, e.Errno);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            using DirectFile readOnly = DirectFile.Open(path, new DirectFileOptions { ReadOnly = true });
            Assert.Equal(4096, readOnly.Length);
        }
        finally
        {
            FileShell.Run("chattr", "-i", path);
        }
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task AFullFileSystem_FailsWithEnospc_AndKeepsEveryAcknowledgedByte(IoEngine engine)
    {
        using FileScratchMount ext4 = Requires.Available(FileScratchMount.TryExt4(8L << 20, out string reason), $"cannot mount a small ext4 here: {reason}");
        const int Chunk = 256 * 1024;
        var model = new FileModel(0);
        await using (DirectFile file = DirectFile.Open(ext4.File("fill"), new DirectFileOptions { Engine = engine, Create = true }))
        {
            Memory<byte> memory = FileBuffers.PinnedAligned(Chunk);
            long offset = 0;
            DirectIoException? full = null;
            for (int i = 0; full is null && i < 64; i++)
            {
                byte[] data = FileWorkload.Data(Chunk, seed: i);
                data.CopyTo(memory);
                try
                {
                    int n = await file.WriteAsync(offset, memory);
                    Assert.True(n > 0 && n <= Chunk && n % file.Alignment == 0, $"write {i} at {offset} returned {n}");
                    model.Write(offset, data.AsSpan(0, n));
                    offset += n;
                }
                catch (DirectIoException e)
                {
                    full = e;
                }
            }

            Assert.NotNull(full);
            Assert.Equal(Errno.ENOSPC, full.Errno);
            Assert.Contains("no space", full.Message, StringComparison.Ordinal);
            output.WriteLine($"{engine}: {offset} bytes acknowledged on an 8 MiB ext4 before ENOSPC");
            Assert.True(offset > 4L << 20, $"only {offset} bytes fitted on an 8 MiB file system");
        }

        // Everything acknowledged is there, through a fresh open.
        await using DirectFile reopened = DirectFile.Open(ext4.File("fill"), new DirectFileOptions { Engine = engine, ReadOnly = true });
        Assert.True(reopened.Length >= model.Size);
        Memory<byte> back = FileBuffers.PinnedAligned((int)model.Size);
        Assert.Equal(model.Size, await reopened.ReadAsync(0, back));
        model.AssertRead(0, back.Span, "acknowledged data after ENOSPC");
    }

    [SkippableTheory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ADeviceError_FailsWithEio_ReadsAndWrites(IoEngine engine)
    {
        // No device-mapper here (dm-error, dm-flakey) to fail a block device on demand; an ext4
        // that is shut down (EXT4_IOC_SHUTDOWN, as xfs_io -x -c shutdown does) fails every
        // read and write with EIO instead, through the same completion paths.
        using FileScratchMount ext4 = Requires.Available(FileScratchMount.TryExt4(8L << 20, out string reason), $"cannot mount a small ext4 here: {reason}");
        await using DirectFile file = DirectFile.Open(ext4.File("f"), new DirectFileOptions { Engine = engine, Create = true, InitialSize = 1 << 20 });
        using var pool = file.AllocateBuffer(65536);
        Memory<byte> managed = FileBuffers.PinnedAligned(65536);
        Assert.Equal(65536, await file.WriteAsync(0, pool.Memory));
        FileShutdown(ext4.File("f"));

        foreach (Func<Task> call in new Func<Task>[]
        {
            async () => await file.ReadAsync(0, pool.Memory),
            async () => await file.ReadAsync(0, managed),
            async () => await file.WriteAsync(65536, pool.Memory),
            async () => await file.WriteAsync(65536, managed),
            async () => await file.ReadAsync(0, [managed[..4096], managed[8192..]]),
        })
        {
            DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(call);
            Assert.Equal(Errno.EIO, e.Errno);
            Assert.Contains("I/O error", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ADeviceErrorPartWay_ReportsTheBytesBeforeIt_AndAtTheStartFailsWithEio()
    {
        // The DirectIo layer over a RamDisk whose third bio fails, as dm-flakey would fail it.
        var limits = QueueLimits.Default with { MaxSectorsBytes = 64 * 1024 };
        using var disk = new RamDisk(4L << 20, new RamDiskOptions { Limits = limits, Completion = RamDiskCompletion.Worker });
        Memory<byte> memory = FileBuffers.PinnedAligned(512 * 1024);
        disk.FaultInjector = bio => bio.Position == 128 * 1024 ? BlkStatus.IoError : BlkStatus.Ok;

        long n = await DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, memory));
        Assert.Equal(128 * 1024, n);
        long w = await DirectIo.WriteAsync(disk, 0, IovIter.User(IterDirection.Source, memory));
        Assert.Equal(128 * 1024, w);

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () =>
            await DirectIo.ReadAsync(disk, 128 * 1024, IovIter.User(IterDirection.Dest, memory)));
        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Equal(0, disk.InFlight);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task AnAlreadyCanceledToken_FailsWithEcanceled_AndMovesNothing(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("f"), new DirectFileOptions { Engine = engine, Create = true, InitialSize = 1 << 20 });
        using var pool = file.AllocateBuffer(65536);
        Memory<byte> managed = FileBuffers.PinnedAligned(65536);
        managed.Span.Fill(0x11);
        var canceled = new CancellationToken(canceled: true);
        long pinsBefore = PinStats.Acquired;

        foreach (Func<Task> call in new Func<Task>[]
        {
            async () => await file.ReadAsync(0, pool.Memory, canceled),
            async () => await file.WriteAsync(0, managed, canceled),
            async () => await file.ReadAsync(0, [managed], canceled),
            async () => await file.WriteAsync(0, [(ReadOnlyMemory<byte>)managed], canceled),
            async () => await file.ReadAsync(0, IovIter.User(IterDirection.Dest, managed), canceled),
            async () => await file.FlushAsync(canceled),
        })
        {
            DirectIoCanceledException e = await Assert.ThrowsAsync<DirectIoCanceledException>(call);
            Assert.Equal(Errno.ECANCELED, e.Errno);
            Assert.Equal(canceled, e.CancellationToken);
        }

        Assert.Equal(pinsBefore, PinStats.Acquired);
        Assert.Equal(65536, await file.ReadAsync(0, managed));
        Assert.True(managed.Span.IndexOfAnyExcept((byte)0) < 0, "a canceled write reached the file");
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task CanceledDuringAMultiBioRequest_ReportsTheBiosSubmittedBeforeIt(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("f"), new DirectFileOptions { Engine = engine, Create = true });
        using FilePinRecording quiet = FilePinRecording.Suspend();
        int bio = file.Device.Limits.MaxSectorsBytes;
        const int Segments = 4;
        byte[] content = FileWorkload.Data(Segments * bio, seed: 21);
        Memory<byte> staging = FileBuffers.PinnedAligned(content.Length);
        content.CopyTo(staging);
        Assert.Equal(content.Length, await file.WriteAsync(0, staging));

        // One buffer per bio; the third's pages are taken while the request is being submitted
        // (the first look at it, for alignment, pins nothing): cancel right then.
        var buffers = Enumerable.Range(0, Segments).Select(_ => new FileCancelingMemory(bio)).ToArray();
        try
        {
            using var cts = new CancellationTokenSource();
            long pinsAtStart = PinStats.Acquired;
            buffers[2].OnPin = () =>
            {
                if (PinStats.Acquired > pinsAtStart)
                {
                    cts.Cancel();
                }
            };

            long n = await file.ReadAsync(0, buffers.Select(b => b.Memory).ToArray(), cts.Token);

            Assert.True(cts.IsCancellationRequested);
            Assert.Equal(3L * bio, n);
            for (int i = 0; i < 3; i++)
            {
                FileModel.AssertSame(content.AsSpan(i * bio, bio), buffers[i].GetSpan(), (long)i * bio, $"bio {i} of a canceled read");
            }
            Assert.True(buffers[3].GetSpan().IndexOfAnyExcept((byte)0) < 0, "the bio after the cancellation was submitted");
        }
        finally
        {
            foreach (FileCancelingMemory buffer in buffers)
            {
                ((IDisposable)buffer).Dispose();
            }
        }
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task DisposeWithRequestsInFlight_WaitsForThemAll(IoEngine engine)
    {
        DirectFile file = DirectFile.Open(_dir.File("f"), new DirectFileOptions { Engine = engine, Create = true, InitialSize = 16L << 20 });
        var pool = new List<System.Buffers.IMemoryOwner<byte>>();
        var tasks = new List<Task<long>>();
        using FilePinRecording quiet = FilePinRecording.Suspend();
        long pinsBefore = PinStats.Acquired - PinStats.Released;
        for (int i = 0; i < 64; i++)
        {
            long offset = (i % 16) * (1L << 20);
            if (i % 2 == 0)
            {
                System.Buffers.IMemoryOwner<byte> buffer = file.AllocateBuffer(256 * 1024);
                pool.Add(buffer);
                tasks.Add(i % 4 == 0 ? AsLong(file.ReadAsync(offset, buffer.Memory)) : AsLong(file.WriteAsync(offset, buffer.Memory)));
            }
            else
            {
                Memory<byte> managed = FileBuffers.PinnedAligned(256 * 1024);
                tasks.Add(i % 4 == 1 ? AsLong(file.ReadAsync(offset, managed)) : AsLong(file.WriteAsync(offset, [(ReadOnlyMemory<byte>)managed])));
            }
        }

        await file.DisposeAsync();

        // Disposal waited for every bio: the pins of the managed requests are all released
        // already (their awaiting continuations may still be on their way to the thread pool).
        Assert.Equal(pinsBefore, PinStats.Acquired - PinStats.Released);
        long[] results = await Task.WhenAll(tasks);
        Assert.All(results, n => Assert.Equal(256 * 1024, n));
        foreach (var buffer in pool)
        {
            buffer.Dispose();
        }
        await AssertRejectedAfterDisposeAsync(file);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task DisposeWhileOtherThreadsSubmit_EndsEveryRequest(IoEngine engine)
    {
        DirectFile file = DirectFile.Open(_dir.File("f"), new DirectFileOptions { Engine = engine, Create = true, InitialSize = 4L << 20 });
        using FilePinRecording quiet = FilePinRecording.Suspend();
        using var started = new CountdownEvent(4);
        var submitted = new System.Collections.Concurrent.ConcurrentBag<Task<int>>();
        Task[] submitters = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            Memory<byte> memory = FileBuffers.PinnedAligned(4096);
            started.Signal();
            for (int i = 0; i < 2000; i++)
            {
                try
                {
                    submitted.Add(file.ReadAsync(((t * 2000) + i) % 1024 * 4096L, memory).AsTask());
                }
                catch (DirectIoException e) when (e.Errno == Errno.EBADF)
                {
                    return;
                }
            }
        })).ToArray();
        started.Wait();

        file.Dispose();
        await Task.WhenAll(submitters);

        // A hang here means a request submitted around Dispose was never ended (and its pins never released).
        Task all = Task.WhenAll(submitted);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(all.IsCompleted, $"{submitted.Count(t => !t.IsCompleted)} of {submitted.Count} requests never ended after Dispose");
        int ok = submitted.Count(t => t.IsCompletedSuccessfully);
        var errors = submitted.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException).ToList();
        Assert.All(errors, e => Assert.True(e is DirectIoException { Errno: Errno.EBADF }, e!.ToString()));
        output.WriteLine($"{engine}: {ok} reads completed, {errors.Count} refused after Dispose");
    }

    private static async Task AssertRejectedAfterDisposeAsync(DirectFile file)
    {
        Memory<byte> memory = FileBuffers.PinnedAligned(4096);
        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadAsync(0, memory));
        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.Contains("closed", e.Message, StringComparison.Ordinal);
    }

    private static async Task<long> AsLong(ValueTask<int> pending) => await pending;

    private static async Task<long> AsLong(ValueTask<long> pending) => await pending;

    /// <summary>EXT4_IOC_SHUTDOWN (_IOR('X', 125, __u32)) with flags 0: from now on every I/O on the file system fails with EIO.</summary>
    private static void FileShutdown(string pathOnTheFileSystem)
    {
        const uint Ext4IocShutdown = 0x8004587D;
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(pathOnTheFileSystem, FileMode.Open, FileAccess.Read);
        int res = PinIo.Linux.Interop.IoctlGetInt(handle, Ext4IocShutdown, out _);
        Assert.True(res == 0, $"EXT4_IOC_SHUTDOWN failed: {(Errno)(-res)}");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
