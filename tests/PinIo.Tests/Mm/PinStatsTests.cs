using System.Diagnostics.Metrics;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>nr_foll_pin_acquired / nr_foll_pin_released and their metrics.</summary>
public sealed class PinStatsTests : PinBalancedTest
{
    [Fact]
    public void AcquiredAndReleased_GrowByThePagesPinnedAndUnpinned()
    {
        using var buffer = new NativeBuffer(5 * PageSize.Bytes);
        long acquired = PinStats.Acquired;
        long released = PinStats.Released;
        var pages = new Page[5];

        int n = Gup.PinUserPages(buffer.Memory[0x801..], GupFlags.Write, pages);
        Assert.Equal(5, n);
        Assert.Equal(acquired + 5, PinStats.Acquired);
        Assert.Equal(released, PinStats.Released);

        Gup.UnpinUserPages(pages.AsSpan(0, 2));
        Assert.Equal(released + 2, PinStats.Released);
        Gup.UnpinUserPagesDirtyLock(pages.AsSpan(2), makeDirty: true);
        Assert.Equal(acquired + 5, PinStats.Acquired);
        Assert.Equal(released + 5, PinStats.Released);
    }

    [Fact]
    public void AcquiredAndReleased_CountSinglePagePinsAndNotPlainReferences()
    {
        using var pool = new PagePool(1);
        long acquired = PinStats.Acquired;
        long released = PinStats.Released;
        Page page = pool.Alloc();

        page.Get();
        Gup.PinUserPage(page);
        Gup.PinUserPage(page);
        page.Put();
        Assert.Equal(acquired + 2, PinStats.Acquired);

        Gup.UnpinUserPage(page);
        Gup.UnpinUserPage(page);
        page.Put();
        Assert.Equal(released + 2, PinStats.Released);
        Assert.Equal(acquired + 2, PinStats.Acquired);
    }

    [Fact]
    public void Meter_PublishesPinsAcquiredAndReleased()
    {
        // The meter is PinIoMetrics': made with the first request, or here.
        Assert.Equal(PinStats.MeterName, PinIo.Diagnostics.PinIoMetrics.Default.Meter.Name);
        long observedAcquired = -1;
        long observedReleased = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PinStats.MeterName && instrument.Name is "pinio.pins.acquired" or "pinio.pins.released")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "pinio.pins.acquired")
            {
                observedAcquired = value;
            }
            else
            {
                observedReleased = value;
            }
        });
        listener.Start();
        using var buffer = new NativeBuffer(3 * PageSize.Bytes);
        var pages = new Page[3];

        listener.RecordObservableInstruments();
        Assert.Equal(PinStats.Acquired, observedAcquired);
        Assert.Equal(PinStats.Released, observedReleased);
        long acquired = observedAcquired;
        long released = observedReleased;

        Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages);
        listener.RecordObservableInstruments();
        Assert.Equal(acquired + 3, observedAcquired);
        Assert.Equal(released, observedReleased);

        Gup.UnpinUserPages(pages);
        listener.RecordObservableInstruments();
        Assert.Equal(acquired + 3, observedAcquired);
        Assert.Equal(released + 3, observedReleased);
    }

    [Fact]
    public void DescribeOutstandingPins_NamesTheStackOfAPinStillHeld()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();

        Gup.PinUserPage(page);
        string[] held = [.. PinStats.DescribeOutstandingPins().Where(d => d.Contains($"0x{page.Address:x}", StringComparison.Ordinal))];
        Gup.UnpinUserPage(page);
        string[] after = [.. PinStats.DescribeOutstandingPins().Where(d => d.Contains($"0x{page.Address:x}", StringComparison.Ordinal))];
        page.Put();

        string only = Assert.Single(held);
        Assert.Contains(nameof(DescribeOutstandingPins_NamesTheStackOfAPinStillHeld), only, StringComparison.Ordinal);
        Assert.Empty(after);
    }

    [Fact]
    public void RecordedOwnersOfOnePagePinnedOnManyThreadsAreAllForgottenWhenReleased()
    {
        // A pin recorded while another thread's unpin drops the page's last entry must not be
        // lost: a lost entry would keep TracksOwners on for good, and every run path off.
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            Gup.PinUserPage(page);
            Gup.UnpinUserPage(page);
        });
        page.Put();

        using FilePinRecording recording = FilePinRecording.Suspend();
        Assert.False(PinStats.TracksOwners, "an owner entry outlived its pin");
        Assert.Empty(PinStats.DescribeOutstandingPins());
    }

    [Fact]
    public void PinsCountedOnThreadsThatExitedStayCounted()
    {
        using var pool = new PagePool(4);
        long acquired = PinStats.Acquired;
        long released = PinStats.Released;
        Page[] pages = [pool.Alloc(), pool.Alloc(), pool.Alloc()];

        // Each pin is counted by a thread of its own, which then exits; the second thread's
        // first pin folds the first thread's counts into the shared totals.
        foreach (Page page in pages)
        {
            var thread = new Thread(() => Gup.PinUserPage(page));
            thread.Start();
            thread.Join();
        }
        var unpinner = new Thread(() => Gup.UnpinUserPage(pages[0]));
        unpinner.Start();
        unpinner.Join();

        Assert.Equal(acquired + 3, PinStats.Acquired);
        Assert.Equal(released + 1, PinStats.Released);
        Gup.UnpinUserPages(pages.AsSpan(1));
        Assert.Equal(released + 3, PinStats.Released);
        Assert.Equal(acquired + 3, PinStats.Acquired);
        foreach (Page page in pages)
        {
            page.Put();
        }
    }
}
