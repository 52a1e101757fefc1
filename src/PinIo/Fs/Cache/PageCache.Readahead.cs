// Follows mm/readahead.c (asynchronous read-ahead runs on after the reader returns) and the unmount's wait for I/O in flight.
namespace PinIo.Fs;

/// <summary>
/// The asynchronous read-ahead fills no reader awaits: tracked so that unmount waits for them
/// before the pool goes (their pages are under I/O until they finish).
/// </summary>
internal sealed partial class PageCache
{
    /// <summary>How long disposal waits for read-ahead still in flight before it leaves their pages to the pool's leak accounting.</summary>
    private static readonly TimeSpan ReadaheadDrainTimeout = TimeSpan.FromSeconds(10);

    private readonly HashSet<Task> _readahead = [];

    /// <summary>Keeps <paramref name="fill"/> until it ends.</summary>
    internal void TrackReadahead(Task fill)
    {
        if (fill.IsCompleted)
        {
            return;
        }
        lock (_readahead)
        {
            _readahead.Add(fill);
        }
        fill.ContinueWith(static (done, state) => ((PageCache)state!).Untrack(done), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for every read-ahead fill in flight (they never throw).</summary>
    public Task DrainReadaheadAsync()
    {
        lock (_readahead)
        {
            return _readahead.Count == 0 ? Task.CompletedTask : Task.WhenAll([.. _readahead]);
        }
    }

    private void DrainReadahead() => DrainReadaheadAsync().Wait(ReadaheadDrainTimeout);

    private void Untrack(Task fill)
    {
        lock (_readahead)
        {
            _readahead.Remove(fill);
        }
    }
}
