// Follows mm/page-writeback.c (balance_dirty_pages, wb_workfn's periodic and background writeback: dirty_writeback_centisecs, dirty_expire_centisecs, dirty_background_ratio).
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// Writeback of the whole cache: on demand (<see cref="Volume.SyncAsync"/>, unmount, a full
/// cache) and in the background. The flusher wakes every
/// <see cref="VolumeOptions.WritebackInterval"/>; it writes back every file when dirty pages
/// exceed a quarter of the cache (dirty_background_ratio), else the files whose oldest dirty
/// page is older than <see cref="DirtyExpireIntervals"/> wake-ups (dirty_expire). A writer
/// that finds half the cache dirty writes back its own file before returning (balance_dirty_pages).
/// </summary>
internal sealed partial class PageCache
{
    /// <summary>Wake-ups a page may stay dirty before the flusher writes it back.</summary>
    public const int DirtyExpireIntervals = 5;

    private long _dirtyApprox;
    private CancellationTokenSource? _flusherStop;
    private Task? _flusher;

    /// <summary>Dirty pages as the cache's own writes and writebacks counted them (a page a pin dirtied is found at the next scan).</summary>
    public long DirtyPagesApprox => Math.Max(0, Interlocked.Read(ref _dirtyApprox));

    public void NoteDirtied() => Interlocked.Increment(ref _dirtyApprox);

    public void NoteCleaned(int pages) => Interlocked.Add(ref _dirtyApprox, -pages);

    public void NoteRedirtied(int pages) => Interlocked.Add(ref _dirtyApprox, pages);

    /// <summary>True when a writer should write back before going on (half the cache dirty).</summary>
    public bool OverDirtyLimit => DirtyPagesApprox > CapacityPages / 2;

    /// <summary>Writes back every dirty page of every file (sync_inodes_sb), and waits for it.</summary>
    public async ValueTask WritebackAllAsync(CancellationToken ct)
    {
        if (!IsCreated)
        {
            return;
        }
        Exception? failure = null;
        foreach (FileCache file in OwnersOfDirtyPages())
        {
            try
            {
                await file.WritebackAsync(0, long.MaxValue, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DirectIoException or ObjectDisposedException)
            {
                failure ??= e;
            }
        }
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Every file that has a dirty page now.</summary>
    private HashSet<FileCache> OwnersOfDirtyPages()
    {
        var owners = new HashSet<FileCache>();
        PagePool? pool = Volatile.Read(ref _pool);
        if (pool is null)
        {
            return owners;
        }
        for (int i = 0; i < _slots.Length; i++)
        {
            if (Volatile.Read(ref _slots[i].Owner) is { } owner && pool[i].IsDirty)
            {
                owners.Add(owner);
            }
        }
        return owners;
    }

    private void StartFlusher()
    {
        TimeSpan interval = Volume.Options.WritebackInterval;
        if (interval <= TimeSpan.Zero || interval == Timeout.InfiniteTimeSpan)
        {
            return;
        }
        _flusherStop = new CancellationTokenSource();
        CancellationToken stop = _flusherStop.Token;
        _flusher = Task.Run(() => FlushLoopAsync(interval, stop), CancellationToken.None);
    }

    /// <summary>Stops the flusher and waits for its pass in progress (unmount, before the final writeback). Idempotent.</summary>
    public void StopBackgroundWriteback()
    {
        CancellationTokenSource? stopSource = Interlocked.Exchange(ref _flusherStop, null);
        if (stopSource is null)
        {
            return;
        }
        stopSource.Cancel();
        try
        {
            _flusher?.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        stopSource.Dispose();
    }

    private async Task FlushLoopAsync(TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                await BackgroundWritebackAsync(interval, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>One wake-up of the flusher. A failure leaves the pages dirty for FlushAsync or SyncAsync to report.</summary>
    private async ValueTask BackgroundWritebackAsync(TimeSpan interval, CancellationToken stop)
    {
        HashSet<FileCache> owners = OwnersOfDirtyPages();
        long now = Environment.TickCount64;
        long dirtyPages = 0;
        PagePool pool = Pool;
        for (int i = 0; i < _slots.Length; i++)
        {
            dirtyPages += Volatile.Read(ref _slots[i].Owner) is not null && pool[i].IsDirty ? 1 : 0;
        }
        Interlocked.Exchange(ref _dirtyApprox, dirtyPages);
        bool overBackground = dirtyPages > CapacityPages / 4;
        long expire = (long)interval.TotalMilliseconds * DirtyExpireIntervals;
        foreach (FileCache file in owners)
        {
            long since = file.FirstDirtyTicks;
            if (since == 0)
            {
                // Dirtied by an unpin, which tells no one: its age starts now.
                file.FirstDirtyTicks = now;
                since = now;
            }
            if (!overBackground && now - since < expire)
            {
                continue;
            }
            try
            {
                await file.WritebackAsync(0, long.MaxValue, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DirectIoException or ObjectDisposedException)
            {
            }
        }
    }
}
