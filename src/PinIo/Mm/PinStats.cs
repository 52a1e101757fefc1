// Follows mm/vmstat.c (NR_FOLL_PIN_ACQUIRED, NR_FOLL_PIN_RELEASED).
using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace PinIo.Mm;

/// <summary>
/// Pages pinned and unpinned in this process: the counterparts of <c>/proc/vmstat</c>
/// <c>nr_foll_pin_acquired</c> / <c>nr_foll_pin_released</c>. Equal at rest, except for
/// long-term pins still held. Also published, with the pool and GC-pin counts, as observable
/// instruments of the <c>System.Diagnostics.Metrics</c> meter named <see cref="MeterName"/>
/// (<c>pinio.pins.acquired</c>, <c>pinio.pins.released</c>, <c>pinio.gc_pinned_buffers</c>,
/// <c>pinio.pool_pages_in_use</c>): see <c>PinIo.Diagnostics.PinIoMetrics</c>, which owns the meter.
/// </summary>
public static class PinStats
{
    /// <summary>
    /// <c>PinIo</c>: the name of the meter that publishes these counts with the rest of
    /// PinIo's metrics (the name <c>dotnet-counters --counters</c> and OpenTelemetry's
    /// <c>AddMeter</c> take).
    /// </summary>
    public const string MeterName = "PinIo";

    // Pins are counted per thread, as the kernel counts nr_foll_pin_* per CPU and folds on
    // read: an interlocked add on a shared counter costs about 15 ns, twice per request. A
    // thread's own counts are written only by that thread; a read sums them under the lock,
    // which also folds the counts of exited threads into these totals.
    private static long s_acquired;
    private static long s_released;
    [ThreadStatic]
    private static ThreadPins? t_pins;
    private static ThreadPins[] s_threadPins = [];
    private static readonly Lock s_threadPinsLock = new();
    private static long s_gcPinnedBuffers;
    private static long s_poolPagesInUse;
    private static long s_leakedPoolPages;
    private static int s_ownerEntries;

    // Recorded pin owners, by page, under s_ownersLock: a pin recorded while the unpin of the
    // page's last recorded pin removes its entry must not land in a stack no longer listed,
    // which would leave s_ownerEntries above zero for good (and TracksOwners on).
    private static readonly Dictionary<Page, Stack<string>> s_owners = [];
    private static readonly Lock s_ownersLock = new();

    /// <summary>
    /// Pages pinned so far in this process (nr_foll_pin_acquired): every <see cref="Gup"/> pin,
    /// one per page. A read sums the per-thread counts under a lock: for monitoring and checks,
    /// not for a per-I/O path.
    /// </summary>
    public static long Acquired => Sum(acquired: true);

    /// <summary>
    /// Pages unpinned so far in this process (nr_foll_pin_released). <c>Acquired - Released</c>
    /// is the pins held now. Summed under a lock, as <see cref="Acquired"/>.
    /// </summary>
    public static long Released => Sum(acquired: false);

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

    /// <summary>
    /// Stacks of the pins still held, by page, when <see cref="RecordPinOwners"/> is on: one
    /// entry per pin, naming the page's address and the stack that pinned it (empty when
    /// every recorded pin was released, or nothing was recorded).
    /// </summary>
    /// <returns>A snapshot; pins taken or released afterwards do not change it.</returns>
    public static IReadOnlyList<string> DescribeOutstandingPins()
    {
        var lines = new List<string>();
        lock (s_ownersLock)
        {
            foreach (var (page, stacks) in s_owners)
            {
                foreach (string stack in stacks)
                {
                    lines.Add($"page 0x{page.Address:x} pinned by:{Environment.NewLine}{stack}");
                }
            }
        }
        return lines;
    }

    internal static void OnPinned(Page page)
    {
        ThreadPins pins = t_pins ?? RegisterThread();
        Volatile.Write(ref pins.Acquired, pins.Acquired + 1);
        if (RecordPinOwners)
        {
            RecordOwner(page, Environment.StackTrace);
        }
    }

    /// <summary>
    /// Whether pins are counted page by page: owners are recorded now, or some recorded owner
    /// is still outstanding. Otherwise a run of pages may be counted with one add.
    /// </summary>
    internal static bool TracksOwners
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => RecordPinOwners || Volatile.Read(ref s_ownerEntries) != 0;
    }

    /// <summary>A run of pages pinned with <see cref="Page.PinReferencedUncounted"/>: one add for the run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OnPinnedRun(int pages)
    {
        ThreadPins pins = t_pins ?? RegisterThread();
        Volatile.Write(ref pins.Acquired, pins.Acquired + pages);
    }

    /// <summary>A run of pages unpinned with <see cref="Page.UnpinUncounted"/>: one add for the run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OnUnpinnedRun(int pages)
    {
        ThreadPins pins = t_pins ?? RegisterThread();
        Volatile.Write(ref pins.Released, pins.Released + pages);
    }

    internal static void OnUnpinned(Page page)
    {
        ThreadPins pins = t_pins ?? RegisterThread();
        Volatile.Write(ref pins.Released, pins.Released + 1);
        // A plain count keeps the unpin path lock-free when no owner is recorded.
        if (Volatile.Read(ref s_ownerEntries) != 0)
        {
            ForgetOwner(page);
        }
    }

    private static void RecordOwner(Page page, string stack)
    {
        lock (s_ownersLock)
        {
            if (!s_owners.TryGetValue(page, out Stack<string>? stacks))
            {
                s_owners[page] = stacks = new Stack<string>();
            }
            stacks.Push(stack);
            Interlocked.Increment(ref s_ownerEntries);
        }
    }

    private static void ForgetOwner(Page page)
    {
        lock (s_ownersLock)
        {
            if (s_owners.TryGetValue(page, out Stack<string>? stacks) && stacks.TryPop(out _))
            {
                Interlocked.Decrement(ref s_ownerEntries);
                if (stacks.Count == 0)
                {
                    s_owners.Remove(page);
                }
            }
        }
    }

    private static long Sum(bool acquired)
    {
        lock (s_threadPinsLock)
        {
            long total = acquired ? s_acquired : s_released;
            foreach (ThreadPins pins in s_threadPins)
            {
                total += acquired ? Volatile.Read(ref pins.Acquired) : Volatile.Read(ref pins.Released);
            }
            return total;
        }
    }

    private static ThreadPins RegisterThread()
    {
        var pins = new ThreadPins(Thread.CurrentThread);
        lock (s_threadPinsLock)
        {
            // Threads that exited count no more: their totals move into the shared ones, so
            // the list stays as long as the threads that pin, not all that ever did.
            var live = new List<ThreadPins>(s_threadPins.Length + 1);
            foreach (ThreadPins old in s_threadPins)
            {
                if (old.Owner.IsAlive)
                {
                    live.Add(old);
                    continue;
                }
                s_acquired += Volatile.Read(ref old.Acquired);
                s_released += Volatile.Read(ref old.Released);
            }
            live.Add(pins);
            s_threadPins = [.. live];
        }
        t_pins = pins;
        return pins;
    }

    /// <summary>One thread's pin counts: written by that thread alone, read by any under the lock.</summary>
    private sealed class ThreadPins(Thread owner)
    {
        public long Acquired;
        public long Released;

        public Thread Owner { get; } = owner;
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
