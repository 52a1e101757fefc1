// Follows mm/page-writeback.c (write_cache_pages, folio_clear_dirty_for_io) and fs/iomap/buffered-io.c (iomap_writepages), with the stable-page rule of FOLL_PIN (folio_maybe_dma_pinned).
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Fs;

internal sealed partial class FileCache
{
    /// <summary>Most pages one writeback request carries (1 MiB): adjacent dirty pages go down together, split into bios by the block layer.</summary>
    public const int MaxRunPages = 256;

    /// <summary>Requests one file's writeback keeps in flight when every run is whole file-system blocks.</summary>
    public const int MaxRunsInFlight = 4;

    /// <summary>One writeback of the file at a time (never disposed: it has no wait handle to free).</summary>
    private SemaphoreSlim WritebackLock { get; } = new(1, 1);

    /// <summary>
    /// filemap_write_and_wait_range: writes back the dirty pages of file bytes [start, end)
    /// and returns when they are on the device (not flushed: the journal commit's leading
    /// flush does that). One writeback of a file at a time, so that a second caller waits for
    /// the pages the first one cleaned. A page found pinned is written from a stable copy and
    /// stays dirty (<see cref="PageCacheStats.StableCopies"/>). On a failure the pages not
    /// written are dirty again and the first failure is thrown.
    /// </summary>
    public async ValueTask WritebackAsync(long start, long end, CancellationToken ct)
    {
        if (!MayHavePages)
        {
            return;
        }
        await WritebackLock.WaitAsync(ct).ConfigureAwait(false);
        List<(long Index, Page Page)> dirty = [];
        try
        {
            if (start == 0 && end == long.MaxValue)
            {
                FirstDirtyTicks = 0;
            }
            dirty = CollectDirty(start, end);
            await WriteRunsAsync(dirty, ct).ConfigureAwait(false);
        }
        finally
        {
            foreach ((_, Page page) in dirty)
            {
                page.Put();
            }
            WritebackLock.Release();
        }
    }

    /// <summary>The layout changes (truncate, punch) hold this while they drop pages, so that no writeback writes a page they dropped.</summary>
    public async ValueTask<IDisposable> LockWritebackAsync(CancellationToken ct)
    {
        await WritebackLock.WaitAsync(ct).ConfigureAwait(false);
        return new WritebackLockReleaser(WritebackLock);
    }

    /// <summary>Dirty pages of [start, end) before the size, in index order, each with a reference for the writeback.</summary>
    private List<(long Index, Page Page)> CollectDirty(long start, long end)
    {
        long first = start >> PageSize.Shift;
        long sizePages = (Inode.Size + PageSize.OffsetMask) >> PageSize.Shift;
        long last = Math.Min(sizePages, end == long.MaxValue ? long.MaxValue : (end + PageSize.OffsetMask) >> PageSize.Shift);
        var dirty = new List<(long Index, Page Page)>();
        lock (_lock)
        {
            foreach ((long index, Page page) in RangeLocked(first, last))
            {
                if (page.IsDirty)
                {
                    page.Get();
                    dirty.Add((index, page));
                }
            }
        }
        dirty.Sort((a, b) => a.Index.CompareTo(b.Index));
        return dirty;
    }

    private async ValueTask WriteRunsAsync(List<(long Index, Page Page)> dirty, CancellationToken ct)
    {
        int blockPages = Cache.Volume.BlockSize >> PageSize.Shift;
        var inFlight = new List<Task>();
        Exception? failure = null;
        for (int i = 0; i < dirty.Count;)
        {
            int j = i + 1;
            while (j < dirty.Count && dirty[j].Index == dirty[j - 1].Index + 1 && j - i < MaxRunPages)
            {
                j++;
            }
            // Runs that are whole blocks never share one, so they may run together; others
            // one by one, as a sub-block Direct write runs alone.
            bool wholeBlocks = dirty[i].Index % blockPages == 0 && (j - i) % blockPages == 0;
            inFlight.Add(WriteRunAsync(dirty, i, j - i, alone: !wholeBlocks, ct).AsTask());
            if (!wholeBlocks || inFlight.Count >= MaxRunsInFlight)
            {
                failure ??= await DrainAsync(inFlight).ConfigureAwait(false);
            }
            i = j;
        }
        failure ??= await DrainAsync(inFlight).ConfigureAwait(false);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static async ValueTask<Exception?> DrainAsync(List<Task> tasks)
    {
        Exception? first = null;
        foreach (Task t in tasks)
        {
            try
            {
                await t.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }
        tasks.Clear();
        return first;
    }

    /// <summary>
    /// One request for pages dirty[from..from+count): a pinned page goes down as a stable copy
    /// (a bounce page) and stays dirty, since the Direct I/O pinning it may still change it and
    /// its unpin dirties it again; any other page is cleaned first
    /// (folio_clear_dirty_for_io) and written from itself, so a write into it meanwhile dirties
    /// it again for the next writeback.
    /// </summary>
    private async ValueTask WriteRunAsync(List<(long Index, Page Page)> dirty, int from, int count, bool alone, CancellationToken ct)
    {
        var vecs = new BioVec[count];
        var bounces = new List<Page>();
        var cleaned = new List<Page>();
        try
        {
            for (int k = 0; k < count; k++)
            {
                Page page = dirty[from + k].Page;
                if (page.MaybeDmaPinned)
                {
                    Page? bounce = Cache.TryAllocPage();
                    if (bounce is null)
                    {
                        // No stable copy possible now: the run stops here, the page stays dirty.
                        count = k;
                        break;
                    }
                    bounces.Add(bounce);
                    page.AsSpan().CopyTo(bounce.AsSpan());
                    Cache.CountStableCopy();
                    vecs[k] = new BioVec(bounce, 0, PageSize.Bytes);
                    continue;
                }
                page.ClearDirty();
                cleaned.Add(page);
                vecs[k] = new BioVec(page, 0, PageSize.Bytes);
            }
            if (count == 0)
            {
                return;
            }
            Cache.NoteCleaned(cleaned.Count);
            long offset = dirty[from].Index << PageSize.Shift;
            var iter = IovIter.Pages(IterDirection.Source, count == vecs.Length ? vecs : vecs[..count]);
            // A short write reports the bytes before its failure; the rest is tried again, so
            // that the failure itself (ENOSPC from delayed allocation, EIO) is what is thrown.
            for (long done = 0; iter.Count > 0;)
            {
                long n = await WriteIterAsync(offset + done, iter, alone, ct).ConfigureAwait(false);
                if (n <= 0)
                {
                    ThrowHelper.ThrowDirectIo(Errno.EIO, $"writeback of \"{Inode.Name}\" at offset {offset + done} wrote nothing and reported no error: the pages stay dirty");
                }
                done += n;
            }
            Cache.CountWriteback(count);
            cleaned.Clear();
        }
        finally
        {
            foreach (Page page in cleaned)
            {
                page.SetDirty();
            }
            Cache.NoteRedirtied(cleaned.Count);
            foreach (Page bounce in bounces)
            {
                bounce.Put();
            }
        }
    }

    private async ValueTask<long> WriteIterAsync(long offset, IovIter iter, bool alone, CancellationToken ct)
    {
        DioGate gate = Inode.Dio;
        if (alone)
        {
            using (await gate.EnterLayoutChangeAsync(ct).ConfigureAwait(false))
            {
                return await IomapDio.WriteAsync(Target, offset, iter, DirectIoFlags.None, ct).ConfigureAwait(false);
            }
        }
        if (!gate.TryEnterDio())
        {
            await gate.EnterDioAsync(ct).ConfigureAwait(false);
        }
        try
        {
            return await IomapDio.WriteAsync(Target, offset, iter, DirectIoFlags.None, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.ExitDio();
        }
    }

    private sealed class WritebackLockReleaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
