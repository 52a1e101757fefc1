// Follows mm/vmstat.c (NR_FOLL_PIN_ACQUIRED, NR_FOLL_PIN_RELEASED).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PinIo.Mm;

/// <summary>
/// Pages pinned and unpinned in this process: the counterparts of <c>/proc/vmstat</c>
/// <c>nr_foll_pin_acquired</c> / <c>nr_foll_pin_released</c>. Equal at rest, except for
/// long-term pins still held. Also published through a <see cref="Meter"/> named <c>PinIo</c>.
/// </summary>
public static class PinStats
{
    public const string MeterName = "PinIo";

    private static long s_acquired;
    private static long s_released;
    private static long s_gcPinnedBuffers;
    private static long s_poolPagesInUse;
    private static long s_leakedPoolPages;
    private static int s_ownerEntries;

    private static readonly Meter s_meter = new(MeterName);
    private static readonly ConcurrentDictionary<Page, ConcurrentStack<string>> s_owners = new();

    static PinStats()
    {
        s_meter.CreateObservableCounter("pinio.pins.acquired", () => Acquired, "{page}",
            "Pages pinned (FOLL_PIN) by PinIo in this process");
        s_meter.CreateObservableCounter("pinio.pins.released", () => Released, "{page}",
            "Pages unpinned by PinIo in this process");
        s_meter.CreateObservableUpDownCounter("pinio.gc_pinned_buffers", () => GcPinnedBuffers, "{buffer}",
            "Managed buffers held GC-pinned because pages of them are under I/O");
        s_meter.CreateObservableUpDownCounter("pinio.pool_pages_in_use", () => PoolPagesInUse, "{page}",
            "PagePool pages currently referenced");
    }

    /// <summary>Pages pinned so far (nr_foll_pin_acquired).</summary>
    public static long Acquired => Volatile.Read(ref s_acquired);

    /// <summary>Pages unpinned so far (nr_foll_pin_released).</summary>
    public static long Released => Volatile.Read(ref s_released);

    /// <summary>
    /// GC pins currently held on managed buffers whose pages are referenced for I/O: one per
    /// pinning call that found a page not yet anchored to that buffer, so one buffer may count more than once.
    /// </summary>
    public static long GcPinnedBuffers => Volatile.Read(ref s_gcPinnedBuffers);

    /// <summary>Pages of every live <see cref="PagePool"/> that are currently referenced.</summary>
    public static long PoolPagesInUse => Volatile.Read(ref s_poolPagesInUse);

    /// <summary>
    /// Pages of disposed pools that are still referenced, so their memory cannot be freed yet:
    /// what is out now, not a history. A page that comes back later is no longer counted, so 0
    /// means nothing leaked.
    /// </summary>
    public static long LeakedPoolPages => Volatile.Read(ref s_leakedPoolPages);

    /// <summary>
    /// When set, every pin records the stack that took it, so that a balance check can name
    /// the code that leaked a pin (as the runtime's TestMemoryPool records its leaser).
    /// Costs a stack trace per pin: for tests and debugging only.
    /// </summary>
    public static bool RecordPinOwners { get; set; }

    /// <summary>Stacks of the pins still held, by page, when <see cref="RecordPinOwners"/> is on.</summary>
    public static IReadOnlyList<string> DescribeOutstandingPins()
    {
        var lines = new List<string>();
        foreach (var (page, stacks) in s_owners)
        {
            foreach (string stack in stacks)
            {
                lines.Add($"page 0x{page.Address:x} pinned by:{Environment.NewLine}{stack}");
            }
        }
        return lines;
    }

    internal static void OnPinned(Page page)
    {
        Interlocked.Increment(ref s_acquired);
        if (RecordPinOwners)
        {
            s_owners.GetOrAdd(page, static _ => new ConcurrentStack<string>()).Push(Environment.StackTrace);
            Interlocked.Increment(ref s_ownerEntries);
        }
    }

    /// <summary>
    /// Whether pins are counted page by page: owners are recorded now, or some recorded owner
    /// is still outstanding. Otherwise a run of pages may be counted with one add.
    /// </summary>
    internal static bool TracksOwners => RecordPinOwners || Volatile.Read(ref s_ownerEntries) != 0;

    /// <summary>A run of pages pinned with <see cref="Page.PinReferencedUncounted"/>: one add for the run.</summary>
    internal static void OnPinnedRun(int pages) => Interlocked.Add(ref s_acquired, pages);

    /// <summary>A run of pages unpinned with <see cref="Page.UnpinUncounted"/>: one add for the run.</summary>
    internal static void OnUnpinnedRun(int pages) => Interlocked.Add(ref s_released, pages);

    internal static void OnUnpinned(Page page)
    {
        Interlocked.Increment(ref s_released);
        // ConcurrentDictionary.IsEmpty takes every lock when the dictionary is empty: a plain
        // count keeps the unpin path lock-free when no owner is recorded.
        if (Volatile.Read(ref s_ownerEntries) != 0 && s_owners.TryGetValue(page, out var stacks))
        {
            if (stacks.TryPop(out _))
            {
                Interlocked.Decrement(ref s_ownerEntries);
            }
            if (stacks.IsEmpty)
            {
                s_owners.TryRemove(page, out _);
            }
        }
    }

    internal static void OnGcPinned() => Interlocked.Increment(ref s_gcPinnedBuffers);

    internal static void OnGcUnpinned() => Interlocked.Decrement(ref s_gcPinnedBuffers);

    internal static void OnPoolPageAllocated(int count) => Interlocked.Add(ref s_poolPagesInUse, count);

    internal static void OnPoolPageFreed() => Interlocked.Decrement(ref s_poolPagesInUse);

    internal static void OnLeakedPoolPageReturned() => Interlocked.Decrement(ref s_leakedPoolPages);

    internal static void OnPoolLeak(int pages, string poolDescription)
    {
        Interlocked.Add(ref s_leakedPoolPages, pages);
        Trace.TraceWarning($"PinIo: {poolDescription} disposed with {pages} page(s) still referenced; their memory is kept, not freed.");
    }
}
