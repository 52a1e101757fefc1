using PinIo.Mm;
using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// The shared balance check: every test class derives from it, so after every test the pins
/// acquired equal the pins released, no pool page is still referenced, no page of caller
/// memory is still in the page table and no managed buffer is still GC-pinned, compared with
/// the moment the test began. A leak names the stacks that took the pins still held.
/// </summary>
public abstract class PinBalancedTest : IDisposable
{
    private readonly long _outstandingPins;
    private readonly long _gcPinned;
    private readonly long _poolPages;
    private readonly int _userPages;

    static PinBalancedTest()
    {
        PinStats.RecordPinOwners = true;
        // The file-system Direct I/O paths' zero page is referenced for the life of the
        // process: taken here, before any test's snapshot, so no test sees it as a leak.
        _ = PinIo.Fs.DioZeroPage.Page;
    }

    protected PinBalancedTest()
    {
        _outstandingPins = PinStats.Acquired - PinStats.Released;
        _gcPinned = PinStats.GcPinnedBuffers;
        _poolPages = PinStats.PoolPagesInUse;
        _userPages = PageTable.ReferencedUserPages;
    }

    /// <summary>Asserts the balance now (also run after every test).</summary>
    protected void AssertBalanced()
    {
        long outstanding = PinStats.Acquired - PinStats.Released;
        if (outstanding != _outstandingPins)
        {
            Assert.Fail($"pins not balanced: {outstanding - _outstandingPins} more held than at the start.{Environment.NewLine}" +
                string.Join(Environment.NewLine, PinStats.DescribeOutstandingPins().Take(5)));
        }
        Assert.True(PinStats.GcPinnedBuffers == _gcPinned, $"GC handles left: {PinStats.GcPinnedBuffers - _gcPinned} managed buffers still GC-pinned");
        Assert.True(PinStats.PoolPagesInUse == _poolPages, $"pool pages left: {PinStats.PoolPagesInUse - _poolPages} still referenced");
        Assert.True(PageTable.ReferencedUserPages == _userPages, $"user pages left in the page table: {PageTable.ReferencedUserPages - _userPages}");
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            AssertBalanced();
        }
    }
}
