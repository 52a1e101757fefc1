// Follows block/genhd.c (diskstats_show: I/Os, sectors, time and in-flight for read, write, discard, flush) and mm/vmstat.c (nr_foll_pin_*).
using System.Diagnostics.Metrics;
using PinIo.Linux;
using PinIo.Mm;

namespace PinIo.Diagnostics;

/// <summary>
/// The <see cref="System.Diagnostics.Metrics"/> instruments of PinIo, on a <see cref="Meter"/>
/// named <c>PinIo</c>: what <c>/proc/diskstats</c> shows for a disk (requests, bytes, time and
/// requests in flight, by read, write, flush and discard), the errors by errno, the bounce
/// copies of misaligned memory, and the pins — PinIo's own (<see cref="PinStats"/>) and the
/// kernel's (<c>/proc/vmstat</c> <c>nr_foll_pin_*</c>, read only when collected).
/// <para>
/// A program without dependency injection needs nothing: <see cref="Default"/> exists from the
/// first request on, so <c>dotnet-counters monitor --counters PinIo</c> or an OpenTelemetry
/// <c>AddMeter("PinIo")</c> sees it. With dependency injection, register the class so that
/// its meter comes from the container's <see cref="IMeterFactory"/> (the meter then belongs to
/// that container, as ASP.NET Core's own meters do):
/// <c>services.AddMetrics(); services.AddSingleton&lt;PinIoMetrics&gt;();</c> and resolve it
/// once at start. Every live instance records every request of the process (the library's
/// requests belong to no container), each meter once.
/// </para>
/// <para>
/// What counts as a request: each call of <c>DirectIo</c> (and so of <c>DirectFile</c>) whose
/// memory maps straight to the device; a misaligned call once per bounce round of up to
/// 256 KiB; a Volume request once per mapped extent; a flush; a discard. A request refused
/// before submission (misaligned without bouncing, canceled, a write past the end) throws and
/// is not counted, nor is a read that starts at or past the end (it transfers nothing).
/// </para>
/// <para>
/// Cost: while no listener has an instrument enabled, a request pays a check of each
/// instrument's <see cref="Instrument.Enabled"/>; while one is, tags are cached values, so a
/// request allocates nothing either way.
/// </para>
/// </summary>
public sealed partial class PinIoMetrics : IDisposable
{
    /// <summary>The meter's name, <c>PinIo</c>: the name to give <c>dotnet-counters --counters</c> or OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = PinStats.MeterName;

    /// <summary>Tag naming a request's direction: <c>read</c>, <c>write</c>, <c>flush</c> or <c>discard</c> (diskstats' four groups).</summary>
    public const string DirectionTag = "pinio.io.direction";

    /// <summary>Tag naming the errno a request failed with, as its symbolic name (<c>EIO</c>, <c>ENOSPC</c>, ...): OpenTelemetry's <c>error.type</c>.</summary>
    public const string ErrorTypeTag = "error.type";

    // Latency buckets for the histogram's exporters (OpenTelemetry): from a RAM disk's
    // microseconds to a stalled disk's seconds. dotnet-counters shows percentiles instead.
    private static readonly double[] s_durationBuckets =
        [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // The instruments the requests record into, one set per meter: copied on change, read
    // without a lock. Declared before Default, whose constructor adds to it.
    private static readonly Lock s_liveLock = new();
    private static Instruments[] s_live = [];

    private readonly Instruments _instruments;
    private readonly bool _ownsMeter;
    private int _disposed;

    /// <summary>
    /// The instance of programs without dependency injection, on a meter of its own named
    /// <see cref="MeterName"/>; created with the first request (or the first use of this
    /// class) and never disposed.
    /// </summary>
    public static PinIoMetrics Default { get; } = new(new Meter(MeterName), ownsMeter: true);

    /// <summary>
    /// Creates the instruments on the meter named <see cref="MeterName"/> of
    /// <paramref name="meterFactory"/> (the container's, with dependency injection), and records
    /// every request into them from now until <see cref="Dispose"/>. The factory owns the meter.
    /// A factory gives one meter per name, so a second instance on the same factory shares the
    /// first one's instruments: a request is counted once per meter, never twice.
    /// </summary>
    /// <param name="meterFactory">The factory that makes, caches and disposes the meter.</param>
    /// <exception cref="ArgumentNullException"><paramref name="meterFactory"/> is null.</exception>
    public PinIoMetrics(IMeterFactory meterFactory)
        : this(CreateMeter(meterFactory), ownsMeter: false)
    {
    }

    private PinIoMetrics(Meter meter, bool ownsMeter)
    {
        _ownsMeter = ownsMeter;
        lock (s_liveLock)
        {
            _instruments = Array.Find(s_live, i => ReferenceEquals(i.Meter, meter)) ?? AddLive(new Instruments(meter));
            _instruments.Users++;
        }
    }

    /// <summary>The meter the instruments are on: the factory's, or <see cref="Default"/>'s own.</summary>
    public Meter Meter => _instruments.Meter;

    /// <summary>
    /// Stops recording into this instance's instruments (once no other instance shares its
    /// meter); the meter is disposed by its factory (or here, when the instance made it).
    /// <see cref="Default"/> ignores this: it serves the whole process.
    /// </summary>
    public void Dispose()
    {
        if (ReferenceEquals(this, Default) || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        lock (s_liveLock)
        {
            if (--_instruments.Users == 0)
            {
                s_live = Array.FindAll(s_live, i => !ReferenceEquals(i, _instruments));
            }
        }
        if (_ownsMeter)
        {
            _instruments.Meter.Dispose();
        }
    }

    private static Instruments AddLive(Instruments instruments)
    {
        s_live = [.. s_live, instruments];
        return instruments;
    }

    private static Meter CreateMeter(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        return meterFactory.Create(new MeterOptions(MeterName));
    }

    /// <summary>The instruments of one meter, shared by the instances on it.</summary>
    private sealed class Instruments
    {
        public Instruments(Meter meter)
        {
            Meter = meter;
            Operations = meter.CreateCounter<long>("pinio.io.operations", "{request}",
                "Direct I/O requests ended, by direction: one per call whose memory maps straight to the device, one per bounce round (256 KiB) for misaligned memory, one per extent of a Volume request");
            Bytes = meter.CreateCounter<long>("pinio.io.bytes", "By",
                "Bytes transferred by ended requests, by direction (a discard counts the bytes it discarded, a flush none)");
            Duration = meter.CreateHistogram("pinio.io.duration", "s",
                "Time from a request's submission to its end, by direction",
                tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
            Active = meter.CreateObservableUpDownCounter("pinio.io.active", ActiveRequests, "{request}",
                "Requests submitted and not yet ended, by direction (counted while this is listened to)");
            Errors = meter.CreateCounter<long>("pinio.io.errors", "{request}",
                "Requests a device failed in whole or in part, by direction and errno (error.type)");
            BounceCopies = meter.CreateCounter<long>("pinio.bounce.copies", "{copy}",
                "Rounds of misaligned memory copied through bounce pages (blk-map's copy instead of map), by direction");
            BounceBytes = meter.CreateCounter<long>("pinio.bounce.bytes", "By",
                "Bytes of misaligned memory copied through bounce pages, by direction");
            CreatePinInstruments(meter);
        }

        public Meter Meter { get; }

        public Counter<long> Operations { get; }

        public Counter<long> Bytes { get; }

        public Histogram<double> Duration { get; }

        public ObservableUpDownCounter<long> Active { get; }

        public Counter<long> Errors { get; }

        public Counter<long> BounceCopies { get; }

        public Counter<long> BounceBytes { get; }

        /// <summary>The instances on this meter; guarded by s_liveLock.</summary>
        public int Users { get; set; }
    }

    /// <summary>The pin counts, read when collected: PinIo's own, and the kernel's for the whole machine.</summary>
    private static void CreatePinInstruments(Meter meter)
    {
        meter.CreateObservableCounter("pinio.pins.acquired", () => PinStats.Acquired, "{page}",
            "Pages pinned (FOLL_PIN) by PinIo in this process");
        meter.CreateObservableCounter("pinio.pins.released", () => PinStats.Released, "{page}",
            "Pages unpinned by PinIo in this process");
        meter.CreateObservableUpDownCounter("pinio.gc_pinned_buffers", () => PinStats.GcPinnedBuffers, "{buffer}",
            "Managed buffers held GC-pinned because pages of them are under I/O");
        meter.CreateObservableUpDownCounter("pinio.pool_pages_in_use", () => PinStats.PoolPagesInUse, "{page}",
            "PagePool pages currently referenced");
        meter.CreateObservableCounter("pinio.kernel.pins.acquired", () => KernelPins(acquired: true), "{page}",
            "The kernel's nr_foll_pin_acquired (/proc/vmstat): pages pinned for Direct I/O on the whole machine, batched per CPU");
        meter.CreateObservableCounter("pinio.kernel.pins.released", () => KernelPins(acquired: false), "{page}",
            "The kernel's nr_foll_pin_released (/proc/vmstat): pages unpinned on the whole machine, batched per CPU");
    }

    /// <summary>One counter of /proc/vmstat, or no measurement where the kernel does not publish it (unavailable, not zero).</summary>
    private static IEnumerable<Measurement<long>> KernelPins(bool acquired) =>
        ProcVmstat.TryRead(out long pinned, out long unpinned) ? [new Measurement<long>(acquired ? pinned : unpinned)] : [];
}
