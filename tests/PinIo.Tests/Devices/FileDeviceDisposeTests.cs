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
/// Dispose is the moment a caller may free the memory it gave to requests: every Dispose and
/// DisposeAsync, from any number of threads, returns only when no request can touch memory
/// any more; the one call that cannot wait (from the engine's own thread) is an error.
/// </summary>
public sealed class FileDeviceDisposeTests(ITestOutputHelper output) : PinBalancedTest
{
    private const int Reads = 64;
    private const int ReadBytes = 256 * 1024;
    private const int Races = 60;
    private const int Disposers = 3;

    private readonly TempDirectory _dir = new();

    public static TheoryData<IoEngine, bool> EnginesAndFrontDoors() => new()
    {
        { IoEngine.IoUring, true },
        { IoEngine.IoUring, false },
        { IoEngine.Sync, true },
        { IoEngine.Libaio, true },
        { IoEngine.Sync, false },
        { IoEngine.Libaio, false },
    };

    [Theory]
    [MemberData(nameof(EnginesAndFrontDoors))]
    public async Task ConcurrentDisposes_EachReturnOnlyWhenNoRequestIsInFlight(IoEngine engine, bool directFile)
    {
        using FilePinRecording quiet = FilePinRecording.Suspend();
        string path = _dir.File("race");
        using (DirectFile.Open(path, new DirectFileOptions { Create = true, InitialSize = (long)Reads * ReadBytes, BufferPoolBytes = 0 }))
        {
        }
        var buffers = Enumerable.Range(0, Reads).Select(_ => new NativeBuffer(ReadBytes)).ToArray();
        int early = 0;
        try
        {
            for (int race = 0; race < Races; race++)
            {
                early += await RaceOnceAsync(path, engine, directFile, buffers);
            }
        }
        finally
        {
            foreach (NativeBuffer buffer in buffers)
            {
                ((IDisposable)buffer).Dispose();
            }
        }
        output.WriteLine($"{engine}/{(directFile ? "DirectFile" : "FileDevice")}: {early} of {Races * Disposers} disposes returned with I/O outstanding");
        Assert.Equal(0, early);
    }

    /// <summary>Returns how many of the disposers returned while pins were held or requests in flight.</summary>
    private static async Task<int> RaceOnceAsync(string path, IoEngine engine, bool directFile, NativeBuffer[] buffers)
    {
        long pinsBefore = PinStats.Acquired - PinStats.Released;
        DirectFile? file = null;
        FileDevice device;
        if (directFile)
        {
            file = DirectFile.Open(path, new DirectFileOptions { Engine = engine, BufferPoolBytes = 0, SyncWorkers = 2 });
            device = file.Device;
        }
        else
        {
            device = FileDevice.Open(path, new FileDeviceOptions { Engine = engine, BufferPoolBytes = 0, SyncWorkers = 2 });
        }
        Assert.Equal(engine, device.Engine);
        // The disposers wait, spinning, for the last read to go out, so that they race the
        // reads in flight rather than each other's start-up.
        int go = 0;
        using var ready = new CountdownEvent(Disposers);
        Task<int>[] disposers = Enumerable.Range(0, Disposers).Select(d => Task.Factory.StartNew(() =>
        {
            ready.Signal();
            SpinWait spin = default;
            while (Volatile.Read(ref go) == 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            if (file is not null && d % 2 == 1)
            {
                file.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            else if (file is not null)
            {
                file.Dispose();
            }
            else if (d % 2 == 1)
            {
                device.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            else
            {
                device.Dispose();
            }
            // The caller may free its memory now: nothing may still be pinned or in flight.
            bool outstanding = PinStats.Acquired - PinStats.Released != pinsBefore || EnginePending(device) != 0;
            return outstanding ? 1 : 0;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        ready.Wait();
        var reads = new Task<long>[buffers.Length];
        for (int i = 0; i < buffers.Length; i++)
        {
            long offset = (long)i * ReadBytes;
            reads[i] = file is not null
                ? AsLong(file.ReadAsync(offset, buffers[i].Memory))
                : DirectIo.ReadAsync(device, offset, IovIter.User(IterDirection.Dest, buffers[i].Memory)).AsTask();
        }
        Volatile.Write(ref go, 1);
        int[] early = await Task.WhenAll(disposers);
        foreach (Task<long> read in reads)
        {
            try
            {
                Assert.Equal(ReadBytes, await read);
            }
            catch (DirectIoException e) when (e.Errno == Errno.EBADF)
            {
                // Ended by the closing device: allowed, as long as it ended before Dispose returned.
            }
        }
        return early.Sum();
    }

    private static int EnginePending(FileDevice device) => device.EngineCore.Pending;

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task DisposeOnTheEngineThread_ThrowsInsteadOfReturningWithIoInFlight(IoEngine engine)
    {
        DirectFile file = DirectFile.Open(_dir.File("self"), new DirectFileOptions
        {
            Engine = engine, Create = true, InitialSize = 1 << 20, InlineCompletions = true, BufferPoolBytes = 0, SyncWorkers = 1,
        });
        Assert.Equal(engine, file.Engine);
        Memory<byte> first = FileBuffers.PinnedAligned(4096);

        Exception? thrown = await DisposeInContinuationAsync(file, first).WaitAsync(TimeSpan.FromSeconds(30));

        var e = Assert.IsType<InvalidOperationException>(thrown);
        Assert.Contains("DisposeAsync", e.Message, StringComparison.Ordinal);
        // The device is still open: the failed Dispose changed nothing.
        Assert.Equal(4096, await file.ReadAsync(4096, first));
        // This test may itself be continuing on the ring thread here: DisposeAsync works anywhere.
        await file.DisposeAsync();
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task DisposeAsyncOnTheEngineThread_WaitsForEveryOtherRequest(IoEngine engine)
    {
        using FilePinRecording quiet = FilePinRecording.Suspend();
        DirectFile file = DirectFile.Open(_dir.File("self-async"), new DirectFileOptions
        {
            Engine = engine, Create = true, InitialSize = 64L * 4096, InlineCompletions = true, BufferPoolBytes = 0, SyncWorkers = 1,
        });
        long pinsBefore = PinStats.Acquired - PinStats.Released;
        var others = new List<Task<int>>();
        Memory<byte>[] buffers = [.. Enumerable.Range(0, 32).Select(_ => FileBuffers.PinnedAligned(4096))];
        Task<long> disposer = DisposeAsyncInContinuationAsync(file, buffers[0], () => PinStats.Acquired - PinStats.Released - pinsBefore);
        for (int i = 1; i < buffers.Length; i++)
        {
            try
            {
                others.Add(file.ReadAsync((long)i * 4096, buffers[i]).AsTask());
            }
            catch (DirectIoException e) when (e.Errno == Errno.EBADF)
            {
                break;
            }
        }

        Assert.Equal(0, await disposer.WaitAsync(TimeSpan.FromSeconds(30)));
        foreach (Task<int> other in others)
        {
            try
            {
                Assert.Equal(4096, await other);
            }
            catch (DirectIoException e) when (e.Errno == Errno.EBADF)
            {
            }
        }
    }

    [Fact]
    public void APolledDeviceDisposedByAnotherThread_Throws_AndItsOwnersDisposeStillReapsEverything()
    {
        using FilePinRecording quiet = FilePinRecording.Suspend();
        string path = _dir.File("polled");
        using (DirectFile.Open(path, new DirectFileOptions { Create = true, InitialSize = 1 << 20, BufferPoolBytes = 0 }))
        {
        }
        using var buffer = new NativeBuffer(ReadBytes);
        Exception? fromOtherThread = null;
        Exception? ownerFailure = null;
        (bool ReadEnded, int Pending, long Outstanding) afterOwnerDispose = default;
        // Everything of the owner's on one thread of its own: a polled ring is driven by its owner.
        var owner = new Thread(() =>
        {
            long pinsBefore = PinStats.Acquired - PinStats.Released;
            FileDevice device = FileDevice.Open(path, new FileDeviceOptions { PolledCompletions = true, BufferPoolBytes = 0 });
            ValueTask<long> read = DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, buffer.Memory));
            device.Commit();
            var other = new Thread(() =>
            {
                try
                {
                    device.Dispose();
                }
                catch (InvalidOperationException e)
                {
                    fromOtherThread = e;
                }
            });
            other.Start();
            other.Join();
            try
            {
                device.Dispose();
            }
            catch (InvalidOperationException e)
            {
                ownerFailure = e;
            }
            afterOwnerDispose = (read.IsCompleted, device.EngineCore.Pending, PinStats.Acquired - PinStats.Released - pinsBefore);
            if (read.IsCompleted)
            {
                _ = read.Result;
            }
        });
        owner.Start();
        Assert.True(owner.Join(TimeSpan.FromSeconds(60)), "the owner's Dispose never returned");

        Assert.IsType<InvalidOperationException>(fromOtherThread);
        Assert.Null(ownerFailure);
        Assert.Equal((true, 0, 0L), afterOwnerDispose);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task FlushAfterDispose_FailsWithEbadfSayingTheDeviceIsClosed(IoEngine engine)
    {
        DirectFile file = DirectFile.Open(_dir.File("flush"), new DirectFileOptions { Engine = engine, Create = true, InitialSize = 1 << 20 });
        file.Dispose();

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.FlushAsync());

        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.Contains("closed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("durable", e.Message, StringComparison.Ordinal);
    }

    private static async Task<Exception?> DisposeInContinuationAsync(DirectFile file, Memory<byte> buffer) =>
        await OnTheCompletionThreadAsync(file, buffer, () =>
        {
            try
            {
                file.Dispose();
                return null;
            }
            catch (InvalidOperationException e)
            {
                return e;
            }
        }).ConfigureAwait(false);

    /// <summary>
    /// Runs <paramref name="action"/> inside a continuation running inline on the engine's thread:
    /// reads until one does (a read that ends before it is awaited continues where it was). On a
    /// loaded machine the ring's owner, woken on the submitter's CPU, often preempts it and ends
    /// the read before the await: a thousand such reads in a row were seen, hence the bound of
    /// 100,000 (a few hundred milliseconds).
    /// </summary>
    internal static async Task<T> OnTheCompletionThreadAsync<T>(DirectFile file, Memory<byte> buffer, Func<T> action)
    {
        for (int i = 0; i < 100_000 && !file.Device.IsCompletionThread; i++)
        {
            await file.ReadAsync(0, buffer).ConfigureAwait(false);
        }
        Assert.True(file.Device.IsCompletionThread, "no continuation ran on the engine's completion thread");
        return action();
    }

    private static async Task<long> DisposeAsyncInContinuationAsync(DirectFile file, Memory<byte> buffer, Func<long> outstandingPins)
    {
        Task disposing = await OnTheCompletionThreadAsync(file, buffer, () => file.DisposeAsync().AsTask()).ConfigureAwait(false);
        await disposing.ConfigureAwait(false);
        return outstandingPins();
    }

    private static async Task<long> AsLong(ValueTask<int> pending) => await pending;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
