using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PinIo.Block;
using PinIo.Devices;
using PinIo.Diagnostics;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Linux;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Diagnostics;

/// <summary>
/// The meter <c>PinIo</c> as an application sees it: a <see cref="PinIoMetrics"/> resolved from a
/// container's <see cref="IMeterFactory"/>, read with <see cref="MetricCollector{T}"/>, around real
/// O_DIRECT requests on a temporary file and failures from a fault device. Counts and bytes are
/// exact (the tests do not run in parallel, so no other request is in flight).
/// </summary>
public sealed class PinIoMetricsTests : PinBalancedTest
{
    private const int Block = 4096;

    private readonly ServiceProvider _services;
    private readonly PinIoMetrics _metrics;
    private readonly TempDirectory _dir = new();

    public PinIoMetricsTests()
    {
        _services = NewContainer();
        _metrics = _services.GetRequiredService<PinIoMetrics>();
    }

    /// <summary>An application's registration: the container's meter factory, the metrics as a singleton.</summary>
    private static ServiceProvider NewContainer()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton<PinIoMetrics>();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task ReadsWritesAndAFlushOnAnODirectFile_AreCountedWithTheirBytesAndLatencies()
    {
        using var operations = Collect<long>("pinio.io.operations");
        using var bytes = Collect<long>("pinio.io.bytes");
        using var duration = Collect<double>("pinio.io.duration");
        using var active = Collect<long>("pinio.io.active");
        await using (var file = DirectFile.Open(_dir.File("data"), new DirectFileOptions { Create = true, InitialSize = 1 << 20 }))
        {
            using var buffer = file.AllocateBuffer(2 * Block);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(2 * Block, await file.WriteAsync(i * 2L * Block, buffer.Memory));
            }
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(Block, await file.ReadAsync(i * (long)Block, buffer.Memory[..Block]));
            }
            await file.FlushAsync();
        }

        Assert.Equal(5, Sum(operations, "write"));
        Assert.Equal(3, Sum(operations, "read"));
        Assert.Equal(1, Sum(operations, "flush"));
        Assert.Equal(5 * 2 * Block, Sum(bytes, "write"));
        Assert.Equal(3 * Block, Sum(bytes, "read"));
        Assert.Equal(0, Sum(bytes, "flush"));
        Assert.Equal([5, 3, 1], new[] { "write", "read", "flush" }.Select(d => duration.GetMeasurementSnapshot().Count(m => Direction(m) == d)));
        Assert.All(duration.GetMeasurementSnapshot(), m => Assert.InRange(m.Value, 1e-9, 60));
        active.RecordObservableInstruments();
        Assert.All(active.GetMeasurementSnapshot(), m => Assert.Equal(0, m.Value));
    }

    [Fact]
    public async Task ARequestInFlight_IsCountedActiveUntilItEnds()
    {
        using var active = Collect<long>("pinio.io.active");
        using var disk = new BlockManualDevice(1 << 20);
        Memory<byte> memory = BlockMemory.Aligned(Block);

        ValueTask<long> read = DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, memory));
        long whileInFlight = ActiveNow(active, "read");
        disk.CompleteLastFirst(_ => BlkStatus.Ok);
        Assert.Equal(Block, await read);

        Assert.Equal(1, whileInFlight);
        Assert.Equal(0, ActiveNow(active, "read"));
        Assert.Equal(0, ActiveNow(active, "write"));
    }

    [Fact]
    public async Task FailuresAreCountedByErrno_EioFromABadBlockAndEbadfFromAReadOnlyFile()
    {
        using var errors = Collect<long>("pinio.io.errors");
        using var operations = Collect<long>("pinio.io.operations");
        using (var device = new FaultDevice(new RamDisk(1 << 20), new FaultOptions { Dust = new DustOptions { BlockSize = Block, BadBlocks = [3] } }))
        {
            for (int i = 0; i < 2; i++)
            {
                var e = await Assert.ThrowsAsync<DirectIoException>(async () =>
                    await DirectIo.ReadAsync(device, 3 * Block, IovIter.User(IterDirection.Dest, BlockMemory.Aligned(Block))));
                Assert.Equal(Errno.EIO, e.Errno);
            }
            Assert.Equal(Block, await DirectIo.ReadAsync(device, 2 * Block, IovIter.User(IterDirection.Dest, BlockMemory.Aligned(Block))));
        }
        string path = _dir.File("read-only");
        File.WriteAllBytes(path, new byte[1 << 16]);
        using (FileDevice readOnly = FileDevice.Open(path, new FileDeviceOptions { ReadOnly = true, Engine = IoEngine.Sync }))
        {
            var e = await Assert.ThrowsAsync<DirectIoException>(async () =>
                await DirectIo.WriteAsync(readOnly, 0, IovIter.User(IterDirection.Source, BlockMemory.Aligned(Block))));
            Assert.Equal(Errno.EBADF, e.Errno);
        }

        Assert.Equal(
            [("read", "EIO", 2L), ("write", "EBADF", 1L)],
            errors.GetMeasurementSnapshot()
                .GroupBy(m => (Direction(m), Tag(m, PinIoMetrics.ErrorTypeTag)))
                .Select(g => (g.Key.Item1, g.Key.Item2, g.Sum(m => m.Value)))
                .OrderBy(x => x.Item1, StringComparer.Ordinal));
        Assert.Equal(3, Sum(operations, "read"));
        Assert.Equal(1, Sum(operations, "write"));
    }

    [Fact]
    public async Task MisalignedMemory_CountsItsBounceRounds()
    {
        using var copies = Collect<long>("pinio.bounce.copies");
        using var bounced = Collect<long>("pinio.bounce.bytes");
        using var disk = new RamDisk(4 << 20);
        int length = DirectIo.BounceChunkBytes + 2 * Block;
        byte[] unaligned = new byte[length + 1];

        long n = await DirectIo.WriteAsync(disk, 0, IovIter.User(IterDirection.Source, unaligned.AsMemory(1)), DirectIoFlags.BounceMisaligned);

        Assert.Equal(length, n);
        Assert.Equal(2, Sum(copies, "write"));
        Assert.Equal(length, Sum(bounced, "write"));
    }

    [Fact]
    public async Task ADiscard_IsCountedWithTheBytesItDiscarded()
    {
        using var operations = Collect<long>("pinio.io.operations");
        using var bytes = Collect<long>("pinio.io.bytes");
        using var disk = new RamDisk(1 << 20);

        await BlkLib.IssueDiscardAsync(disk, 4 * Block, 3 * Block);

        Assert.Equal(1, Sum(operations, "discard"));
        Assert.Equal(3 * Block, Sum(bytes, "discard"));
    }

    [SkippableFact]
    public void PinCounts_ArePublishedOnTheFactorysMeter_PinIosOwnAndTheKernels()
    {
        Assert.Equal(PinStats.MeterName, _metrics.Meter.Name);
        using var acquired = Collect<long>("pinio.pins.acquired");
        using var released = Collect<long>("pinio.pins.released");
        using var kernelAcquired = Collect<long>("pinio.kernel.pins.acquired");
        using var kernelReleased = Collect<long>("pinio.kernel.pins.released");

        acquired.RecordObservableInstruments();
        released.RecordObservableInstruments();
        Assert.Equal(PinStats.Acquired, acquired.LastMeasurement?.Value);
        Assert.Equal(PinStats.Released, released.LastMeasurement?.Value);

        Requires.That(ProcVmstat.TryRead(out long before, out _), "/proc/vmstat has no nr_foll_pin_acquired (kernel before 5.8, or no procfs)");
        kernelAcquired.RecordObservableInstruments();
        kernelReleased.RecordObservableInstruments();
        ProcVmstat.TryRead(out long after, out _);
        Assert.InRange(kernelAcquired.LastMeasurement!.Value, before, after);
        Assert.NotNull(kernelReleased.LastMeasurement);
    }

    [Fact]
    public async Task ADisposedInstance_RecordsNothingMore()
    {
        using var disk = new RamDisk(1 << 20);
        using var otherContainer = NewContainer();
        var metrics = otherContainer.GetRequiredService<PinIoMetrics>();
        using var operations = new MetricCollector<long>(metrics.Meter, "pinio.io.operations");
        Memory<byte> memory = BlockMemory.Aligned(Block);

        await DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, memory));
        metrics.Dispose();
        await DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, memory));

        Assert.Single(operations.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task TwoInstancesOnOneFactory_CountARequestOnce()
    {
        using var disk = new RamDisk(1 << 20);
        using var operations = Collect<long>("pinio.io.operations");
        using (var second = new PinIoMetrics(_services.GetRequiredService<IMeterFactory>()))
        {
            Assert.Same(_metrics.Meter, second.Meter);
            await DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, BlockMemory.Aligned(Block)));
        }
        await DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, BlockMemory.Aligned(Block)));

        Assert.Equal(2, Sum(operations, "read"));
    }

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void WithEveryInstrumentListenedTo_ARequestAllocatesNothing(IterDirection direction)
    {
        long measurements = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PinIoMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => measurements++);
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => measurements++);
        listener.Start();
        using RamDisk disk = InlineRequestAllocations.AssertNoneAllocateOnAnInlineRamDisk(direction);

        // Every request: operations, bytes, duration, on each live meter.
        Assert.True(measurements >= 3L * (InlineRequestAllocations.Warmup + InlineRequestAllocations.Measured), $"{measurements} measurements");
    }

    [Fact]
    public void EachDirectionIsTheBioOpOfTheSameValue()
    {
        Assert.Equal(Enum.GetNames<BioOp>(), Enum.GetValues<BioOp>().Select(op => ((IoDirection)op).ToString()));
    }

    private MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(_metrics.Meter, instrument);

    private static long ActiveNow(MetricCollector<long> active, string direction)
    {
        active.Clear();
        active.RecordObservableInstruments();
        return Assert.Single(active.GetMeasurementSnapshot(), m => Direction(m) == direction).Value;
    }

    private static long Sum(MetricCollector<long> collector, string direction) =>
        collector.GetMeasurementSnapshot().Where(m => Direction(m) == direction).Sum(m => m.Value);

    private static string? Direction<T>(CollectedMeasurement<T> m)
        where T : struct => Tag(m, PinIoMetrics.DirectionTag);

    private static string? Tag<T>(CollectedMeasurement<T> m, string name)
        where T : struct => m.Tags.TryGetValue(name, out object? value) ? (string?)value : null;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _services.Dispose();
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
