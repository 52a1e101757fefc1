using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// Cancellation in .NET's shape: a canceled request throws what
/// <c>catch (OperationCanceledException)</c> catches, carrying the token that canceled it,
/// as every .NET API does — and still says ECANCELED, as the rest of PinIo's errors say their errno.
/// </summary>
public sealed class DirectIoCancellationTests : PinBalancedTest
{
    private const long DiskBytes = 1 << 20;

    private readonly RamDisk _disk = new(DiskBytes, new RamDiskOptions { Limits = QueueLimits.Default with { MaxSectorsBytes = 4096 } });

    [Fact]
    public async Task ACanceledRead_IsCaughtAsOperationCanceled_WithItsToken()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(8192));

        OperationCanceledException e = await CatchCanceled(() => DirectIo.ReadAsync(_disk, 0, iter, cts.Token).AsTask());

        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(Errno.ECANCELED, ErrnoOf(e));
        Assert.Equal(0, _disk.BiosSubmitted);
    }

    [Fact]
    public async Task ACanceledFlush_IsCaughtAsOperationCanceled_WithItsToken()
    {
        var token = new CancellationToken(canceled: true);

        OperationCanceledException e = await CatchCanceled(() => DirectIo.FlushAsync(_disk, token).AsTask());

        Assert.Equal(token, e.CancellationToken);
        Assert.Equal(Errno.ECANCELED, ErrnoOf(e));
    }

    [Fact]
    public async Task ABioTheDeviceEndsAsCanceled_IsCaughtAsOperationCanceled()
    {
        _disk.FaultInjector = _ => BlkStatus.Canceled;
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(3 * 4096));

        OperationCanceledException e = await CatchCanceled(() => DirectIo.ReadAsync(_disk, 0, iter).AsTask());

        Assert.Equal(Errno.ECANCELED, ErrnoOf(e));
        Assert.Equal(3, _disk.BiosSubmitted);
    }

    [Fact]
    public async Task ACanceledDirectFileRead_IsCaughtAsOperationCanceled()
    {
        var dir = new PinIo.Tests.Linux.TempDirectory();
        try
        {
            await using DirectFile file = DirectFile.Open(dir.File("f"), new DirectFileOptions { Create = true, InitialSize = 1 << 20 });
            using var buffer = file.AllocateBuffer(4096);
            var token = new CancellationToken(canceled: true);

            OperationCanceledException e = await CatchCanceled(() => file.ReadAsync(0, buffer.Memory, token).AsTask());

            Assert.Equal(token, e.CancellationToken);
        }
        finally
        {
            dir.Dispose();
        }
    }

    /// <summary>Catches as a caller does: by the base class every .NET API throws on cancellation.</summary>
    private static async Task<OperationCanceledException> CatchCanceled(Func<Task> request)
    {
        long acquired = PinStats.Acquired - PinStats.Released;
        try
        {
            await request();
        }
        catch (OperationCanceledException e)
        {
            Assert.Equal(acquired, PinStats.Acquired - PinStats.Released);
            return e;
        }
        catch (Exception e)
        {
            Assert.Fail($"a canceled request threw {e.GetType().Name}, which catch (OperationCanceledException) misses: {e.Message}");
        }
        Assert.Fail("a canceled request did not throw");
        return null!;
    }

    private static Errno ErrnoOf(OperationCanceledException e) =>
        e is DirectIoCanceledException canceled ? canceled.Errno : Errno.None;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disk.Dispose();
        }
        base.Dispose(disposing);
    }
}
