using Microsoft.Win32.SafeHandles;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests;

/// <summary>
/// DirectFile in .NET's shape (issue 13 item 3): RandomAccess's argument order, a handle opened
/// elsewhere, synchronous calls that run on the caller's thread, a DisposeAsync that awaits.
/// </summary>
public sealed class DirectFileApiShapeTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task RandomAccessOrderedOverloads_WriteAndReadBackTheSameBytes(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("f"), new DirectFileOptions { Engine = engine, Create = true });
        byte[] data = FileWorkload.Data(5 * 8192, seed: 13);
        Memory<byte> a = FileBuffers.PinnedAligned(8192);
        Memory<byte> b = FileBuffers.PinnedAligned(8192);
        Memory<byte> back = FileBuffers.PinnedAligned(8192);
        data.AsMemory(0, 8192).CopyTo(a);

        Assert.Equal(8192, await file.WriteAsync(a, fileOffset: 0, cancellationToken: CancellationToken.None));
        data.AsMemory(8192, 8192).CopyTo(a);
        data.AsMemory(16384, 8192).CopyTo(b);
        Assert.Equal(16384, await file.WriteAsync([(ReadOnlyMemory<byte>)a, b], fileOffset: 8192));
        data.AsMemory(24576, 8192).CopyTo(a);
        Assert.Equal(8192, file.Write(a, fileOffset: 24576));
        data.AsMemory(32768, 8192).CopyTo(a);
        data.AsMemory(24576, 8192).CopyTo(b); // rewritten below by a gather write of the same bytes
        Assert.Equal(16384, file.Write([(ReadOnlyMemory<byte>)b, a], fileOffset: 24576));

        Assert.Equal(8192, await file.ReadAsync(back, fileOffset: 0));
        FileModel.AssertSame(data.AsSpan(0, 8192), back.Span, 0, "ReadAsync(buffer, fileOffset)");
        Assert.Equal(16384, await file.ReadAsync([a, b], fileOffset: 8192));
        FileModel.AssertSame(data.AsSpan(8192, 8192), a.Span, 8192, "ReadAsync(buffers, fileOffset), first");
        FileModel.AssertSame(data.AsSpan(16384, 8192), b.Span, 16384, "ReadAsync(buffers, fileOffset), second");
        Assert.Equal(8192, file.Read(back, fileOffset: 24576));
        FileModel.AssertSame(data.AsSpan(24576, 8192), back.Span, 24576, "Read(buffer, fileOffset)");
        Assert.Equal(16384, file.Read([a, b], fileOffset: 24576));
        FileModel.AssertSame(data.AsSpan(24576, 8192), a.Span, 24576, "Read(buffers, fileOffset), first");
        FileModel.AssertSame(data.AsSpan(32768, 8192), b.Span, 32768, "Read(buffers, fileOffset), second");
        Assert.Equal(data.Length, file.Length);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public async Task SynchronousCalls_OnMisalignedMemory_AreBounced_AndEndInTheCall(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("b"), new DirectFileOptions { Engine = engine, Create = true, BounceMisalignedMemory = true });
        byte[] data = FileWorkload.Data(8192, seed: 17);
        Memory<byte> misaligned = FileBuffers.PinnedAligned(8192, skew: 1);
        data.CopyTo(misaligned);

        Assert.Equal(8192, file.Write(misaligned, 4096));
        misaligned.Span.Clear();
        Assert.Equal(8192, file.Read(misaligned, 4096));

        FileModel.AssertSame(data, misaligned.Span, 4096, "bounced synchronous round trip");
    }

    [Fact]
    public async Task OpenHandle_WithoutODirect_IsRefusedWithEinvalSayingWhatToDo_AndTheHandleStaysOpen()
    {
        string path = _dir.File("h");
        File.WriteAllBytes(path, new byte[8192]);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);

        DirectIoException e = Assert.Throws<DirectIoException>(() => DirectFile.Open(handle, ownsHandle: true));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("O_DIRECT", e.Message, StringComparison.Ordinal);
        Assert.Contains("setDirect: true", e.Message, StringComparison.Ordinal);
        Assert.False(handle.IsClosed);
        Assert.Equal(8192, RandomAccess.GetLength(handle));
    }

    [Theory]
    [InlineData(IoEngine.IoUring, false)]
    [InlineData(IoEngine.IoUring, true)]
    [InlineData(IoEngine.Sync, false)]
    public async Task OpenHandle_WithSetDirect_DoesDirectIo_AndClosesTheHandleOnlyWhenItOwnsIt(IoEngine engine, bool ownsHandle)
    {
        string path = _dir.File("h");
        byte[] data = FileWorkload.Data(16384, seed: 21);
        File.WriteAllBytes(path, data);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        try
        {
            Memory<byte> back = FileBuffers.PinnedAligned(8192);
            await using (DirectFile file = DirectFile.Open(handle, new DirectFileOptions { Engine = engine, SetDirect = true }, ownsHandle))
            {
                Assert.Equal(System.IO.Path.GetFullPath(path), file.Path);
                Assert.Equal(data.Length, file.Length);
                Assert.Equal(8192, await file.ReadAsync(back, 8192));
                FileModel.AssertSame(data.AsSpan(8192, 8192), back.Span, 8192, "read through the handle");
                // The same descriptor now has O_DIRECT: a second open needs no SetDirect.
                using DirectFile again = DirectFile.Open(handle, new DirectFileOptions { Engine = IoEngine.Sync });
                Assert.Equal(8192, again.Read(back, 0));
                FileModel.AssertSame(data.AsSpan(0, 8192), back.Span, 0, "read through a second open of the handle");
            }
            Assert.Equal(ownsHandle, handle.IsClosed);
        }
        finally
        {
            handle.Dispose();
        }
    }

    [Fact]
    public async Task OpenHandle_ReadOnly_MakesAReadOnlyFile()
    {
        string path = _dir.File("ro");
        File.WriteAllBytes(path, FileWorkload.Data(8192, seed: 3));
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        await using DirectFile file = DirectFile.Open(handle, new DirectFileOptions { SetDirect = true });
        Memory<byte> memory = FileBuffers.PinnedAligned(4096);

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.WriteAsync(memory, 0));

        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.Equal(4096, file.Read(memory, 0));
    }

    /// <summary>
    /// Failed before: a synchronous read on an io_uring file waited for the ring thread through
    /// a Task (AsTask of the pending request: an allocation per call, and a blocked thread).
    /// Now it runs on the caller's thread and allocates nothing.
    /// </summary>
    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public void SynchronousRead_RunsOnTheCallersThread_AndAllocatesNothing(IoEngine engine)
    {
        using DirectFile file = DirectFile.Open(_dir.File("s"), new DirectFileOptions { Engine = engine, Create = true, InitialSize = 1 << 20 });
        Memory<byte> memory = FileBuffers.PinnedAligned(4096);
        for (int i = 0; i < 200; i++)
        {
            file.Read(memory, (i % 256) * 4096L);
        }

        long allocated;
        using (FilePinRecording.Suspend())
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 2000; i++)
            {
                if (file.Read(memory, (i % 256) * 4096L) != 4096)
                {
                    Assert.Fail($"read {i} was short");
                }
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, allocated);
    }

    /// <summary>Failed before: a synchronous read in a continuation on the ring's thread threw (it would have waited for itself).</summary>
    [Fact]
    public async Task SynchronousRead_OnTheEnginesCompletionThread_Works()
    {
        await using DirectFile file = DirectFile.Open(_dir.File("c"), new DirectFileOptions { Create = true, InitialSize = 1 << 20, InlineCompletions = true });
        Requires.That(file.Engine == IoEngine.IoUring, "io_uring is unavailable here (the engine fell back to sync)");
        Memory<byte> memory = FileBuffers.PinnedAligned(4096);

        int read = await Devices.FileDeviceDisposeTests.OnTheCompletionThreadAsync(file, memory, () => file.Read(memory, 4096));

        Assert.Equal(4096, read);
    }

    /// <summary>
    /// Failed before: DisposeAsync from an ordinary thread called Dispose, which blocked until the
    /// request in flight ended (here: never, until the test lets it). Now it returns at once, the
    /// task completing when the request has ended and the file is closed.
    /// </summary>
    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public async Task DisposeAsync_WithARequestHeld_ReturnsWithoutBlocking_AndCompletesWhenItEnds(IoEngine engine)
    {
        DirectFile file = DirectFile.Open(_dir.File("d"), new DirectFileOptions { Engine = engine, Create = true, InitialSize = 1 << 20, InlineCompletions = true, SyncWorkers = 1 });
        Memory<byte> memory = FileBuffers.PinnedAligned(4096);
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        Task held = HoldTheEngineThreadAsync(file, memory, entered, gate);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(60)), "no continuation ran on the engine's thread");

        ValueTask disposing = default;
        var caller = new Thread(() => disposing = file.DisposeAsync());
        caller.Start();
        bool returned = caller.Join(TimeSpan.FromSeconds(30));
        bool completedEarly = returned && disposing.IsCompleted;
        gate.Set();
        caller.Join();
        await held;
        await disposing;

        Assert.True(returned, "DisposeAsync blocked its caller while a request was held");
        Assert.False(completedEarly, "DisposeAsync completed while the engine still held a request");
        await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadAsync(memory, 0));
    }

    /// <summary>Holds the engine's thread inside a continuation run inline until <paramref name="gate"/> opens.</summary>
    private static async Task HoldTheEngineThreadAsync(DirectFile file, Memory<byte> memory, ManualResetEventSlim entered, ManualResetEventSlim gate)
    {
        for (int i = 0; i < 100_000; i++)
        {
            await file.ReadAsync(memory, 0).ConfigureAwait(false);
            if (file.Device.IsCompletionThread)
            {
                entered.Set();
                gate.Wait();
                return;
            }
        }
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
