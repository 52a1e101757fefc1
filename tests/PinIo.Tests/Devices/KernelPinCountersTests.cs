using System.Buffers;
using PinIo.Devices;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Devices;

/// <summary>
/// The kernel's own pin counters (/proc/vmstat nr_foll_pin_acquired) around real O_DIRECT
/// requests: ordinary user memory costs the kernel about one pin per 4 KiB page per request;
/// the registered pool (io_uring fixed buffers) costs it none. The counters are system-wide
/// and batched per CPU, so the bounds are generous and a measurement is retried up to three
/// times before the test fails (another process pinning at the same moment only adds).
/// </summary>
public sealed class KernelPinCountersTests(ITestOutputHelper output) : PinBalancedTest
{
    private const int Requests = 64;
    private const int RequestBytes = 64 * 1024;
    private const long ExpectedPins = (long)Requests * RequestBytes / 4096; // 1024
    private const long MinPinned = ExpectedPins * 7 / 10;
    private const long MaxPinnedFixed = ExpectedPins / 10;

    private readonly TempDirectory _dir = new();

    [Fact]
    public void TryRead_ReportsBothCounters_AndAMissingFileAsUnavailable()
    {
        Assert.True(KernelPinCounters.TryRead(out long acquired, out long released), "/proc/vmstat has no nr_foll_pin_* on this kernel");
        Assert.True(acquired >= 0 && released >= 0);

        Assert.False(PinIo.Linux.ProcVmstat.TryRead("/proc/no-such-vmstat", out long a, out long r));
        Assert.Equal(0, a + r);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task RequestsFromManagedMemory_MakeTheKernelPinAboutOnePagePer4KiB(IoEngine engine)
    {
        await using DirectFile file = await OpenWrittenFileAsync(engine);
        Memory<byte> managed = FileBuffers.PinnedAligned(RequestBytes);
        using FilePinRecording quiet = FilePinRecording.Suspend();

        // Other processes only add to the counter: the lower bound holds on the raw growth.
        FilePinMeasurement reads = await FileKernelPins.MeasureAsync(m => m.Raw >= MinPinned, async () =>
        {
            for (int i = 0; i < Requests; i++)
            {
                Assert.Equal(RequestBytes, await file.ReadAsync((long)i * RequestBytes, managed));
            }
        });
        FilePinMeasurement writes = await FileKernelPins.MeasureAsync(m => m.Raw >= MinPinned, async () =>
        {
            for (int i = 0; i < Requests; i++)
            {
                Assert.Equal(RequestBytes, await file.WriteAsync((long)i * RequestBytes, managed));
            }
        });

        output.WriteLine($"{engine}, managed memory, expected about {ExpectedPins} kernel pins each: {Requests} reads of {RequestBytes / 1024} KiB -> {reads}; " +
            $"{Requests} writes -> {writes}");
        Assert.True(reads.Raw >= MinPinned, $"{Requests} O_DIRECT reads of {RequestBytes} bytes pinned only {reads} pages (expected about {ExpectedPins})");
        Assert.True(writes.Raw >= MinPinned, $"{Requests} O_DIRECT writes of {RequestBytes} bytes pinned only {writes} pages (expected about {ExpectedPins})");
    }

    [Fact]
    public async Task RequestsFromThePool_WithFixedBuffers_MakeTheKernelPinAlmostNothing()
    {
        // On a loop device over /dev/shm the requests run at memory speed, so other processes
        // have the least time to pin meanwhile; the block layer pins ordinary user memory for
        // O_DIRECT to it like any block device (the control), and fixed buffers not at all.
        using FileLoopDevice? loop = FileLoopDevice.TryCreate(Requests * RequestBytes, out string reason, backingDirectory: "/dev/shm");
        output.WriteLine(loop is null ? $"on a file in /tmp (no loop device: {reason})" : $"on {loop.Path} over /dev/shm");
        await using DirectFile file = loop is null
            ? await OpenWrittenFileAsync(IoEngine.IoUring)
            : DirectFile.Open(loop.Path, new DirectFileOptions { Engine = IoEngine.IoUring });
        Assert.True(file.Device.UsesFixedBuffers, "the pool was not registered with the ring");
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(RequestBytes);
        Page first = PoolPage(file, buffer.Memory);
        Memory<byte> managed = FileBuffers.PinnedAligned(RequestBytes);
        using FilePinRecording quiet = FilePinRecording.Suspend();
        Func<Task> control = () => RunAllAsync(async i => await file.ReadAsync((long)i * RequestBytes, managed));
        FilePinMeasurement controlPins = await FileKernelPins.MeasureAsync(m => m.Raw >= MinPinned, control);
        Assert.True(controlPins.Raw >= MinPinned, $"the control, {Requests} reads into managed memory, pinned only {controlPins} pages: nothing to compare with");
        var figures = new List<string> { $"control (managed memory): {controlPins}" };
        foreach ((string overload, Func<int, Task<long>> request) in new (string, Func<int, Task<long>>)[]
        {
            ("ReadAsync(Memory)", async i => await file.ReadAsync((long)i * RequestBytes, buffer.Memory)),
            ("WriteAsync(Memory)", async i => await file.WriteAsync((long)i * RequestBytes, buffer.Memory)),
            ("ReadAsync(list of one)", async i => await file.ReadAsync((long)i * RequestBytes, [buffer.Memory])),
            ("ReadAsync(bvec iterator)", async i => await file.ReadAsync((long)i * RequestBytes, IovIter.Pages(IterDirection.Dest, [new BioVec(first, 0, RequestBytes)]))),
        })
        {
            // All 64 at once, so that other processes have the least time to add to the count.
            // The control is the same 64 reads into managed memory: about 1024 kernel pins.
            FilePinDifference pins = await FileKernelPins.MeasureAgainstControlAsync(
                requests: () => RunAllAsync(request),
                control: control,
                controlPins: ExpectedPins,
                enough: MaxPinnedFixed);
            figures.Add($"{overload}: {pins}");
            Assert.True(pins.Own <= MaxPinnedFixed, $"{overload}: {Requests} fixed-buffer requests of {RequestBytes} bytes made the kernel pin {pins} pages (at most {MaxPinnedFixed} allowed)");
        }
        output.WriteLine($"IoUring, registered pool memory, {Requests} requests of {RequestBytes / 1024} KiB each -> kernel pins: {string.Join("; ", figures)}");
    }

    [Fact]
    public async Task RequestsFromThePool_ThroughTheSyncEngine_ArePinnedByTheKernelLikeAnyMemory()
    {
        // The saving comes from the registration, not from the memory: preadv2 pins pool pages too.
        await using DirectFile file = await OpenWrittenFileAsync(IoEngine.Sync);
        Assert.False(file.Device.UsesFixedBuffers);
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(RequestBytes);

        FilePinMeasurement pins = await FileKernelPins.MeasureAsync(m => m.Raw >= MinPinned, async () =>
        {
            for (int i = 0; i < Requests; i++)
            {
                Assert.Equal(RequestBytes, await file.ReadAsync((long)i * RequestBytes, buffer.Memory));
            }
        });

        output.WriteLine($"Sync, pool memory: {Requests} reads of {RequestBytes / 1024} KiB -> {pins} kernel pins; expected about {ExpectedPins}");
        Assert.True(pins.Raw >= MinPinned, $"pool reads through preadv2 pinned only {pins} pages");
    }

    private static async Task RunAllAsync(Func<int, Task<long>> request)
    {
        long[] done = await Task.WhenAll(Enumerable.Range(0, Requests).Select(request));
        Assert.All(done, n => Assert.Equal(RequestBytes, n));
    }

    /// <summary>The file's blocks are written (a read of a hole or of unwritten extents copies zeroes and pins nothing).</summary>
    private async Task<DirectFile> OpenWrittenFileAsync(IoEngine engine)
    {
        DirectFile file = DirectFile.Open(_dir.File($"pins-{engine}"), new DirectFileOptions { Engine = engine, Create = true });
        using IMemoryOwner<byte> content = file.AllocateBuffer(Requests * RequestBytes);
        content.Memory.Span.Fill(0x3C);
        Assert.Equal(Requests * RequestBytes, await file.WriteAsync(0, content.Memory));
        await file.FlushAsync();
        return file;
    }

    private static Page PoolPage(DirectFile file, Memory<byte> poolMemory) =>
        file.Device.BufferPool![(int)((FileBuffers.AddressOf(poolMemory) - file.Device.BufferPool.BaseAddress) >> PageSize.Shift)];

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
