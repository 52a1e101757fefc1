// Follows mm/filemap.c (filemap_read_folio, filemap_create_folio) and fs/iomap/buffered-io.c (iomap_read_folio: holes zero-filled without I/O).
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Fs;

internal sealed partial class FileCache
{
    /// <summary>
    /// Brings pages [<paramref name="index"/>, +<paramref name="count"/>) into the cache with one
    /// read through iomap (holes and unwritten blocks come back as zeroes without device I/O;
    /// bytes past the size are zeroed). Pages that another caller cached meanwhile keep theirs;
    /// when the mapping changed under the read (a Direct write, a truncate), nothing is cached
    /// and the caller's next lookup tries again.
    /// </summary>
    public async ValueTask FillAsync(long index, int count, DirectIoFlags flags, CancellationToken ct)
    {
        Page[] pages = new Page[count];
        int allocated = 0;
        try
        {
            for (allocated = TakeAdjacent(pages); allocated < count; allocated++)
            {
                pages[allocated] = await Cache.AllocPageAsync(ct).ConfigureAwait(false);
            }
        }
        catch
        {
            for (int k = 0; k < allocated; k++)
            {
                pages[k].Put();
            }
            throw;
        }
        // Registered, so that readers of these pages (and read-ahead) wait for this read instead of repeating it.
        await RunFillAsync(index, pages, Register(index, count), throwErrors: true, flags, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The page at <paramref name="index"/> for a buffered write, with a reference for the
    /// caller: the cached one, or a new one — read from the device first when the write covers
    /// only part of it (read-modify-write), zeroes when it covers all of it.
    /// </summary>
    public async ValueTask<Page> GetForWriteAsync(long index, bool wholePage, CancellationToken ct)
    {
        while (true)
        {
            Page? page = Find(index);
            if (page is not null)
            {
                Cache.CountHits(1);
                return page;
            }
            // A page under read is the file's page already: wait for it rather than racing it with a second copy.
            if (FillCovering(index) is { } inFlight)
            {
                await inFlight.ConfigureAwait(false);
                continue;
            }
            Cache.CountMisses(1);
            Page fresh = await Cache.AllocPageAsync(ct).ConfigureAwait(false);
            bool handedOver = false;
            BeginFill();
            try
            {
                long generation = Generation;
                if (wholePage)
                {
                    fresh.AsSpan().Clear();
                }
                else
                {
                    await ReadIntoAsync(index, [fresh], ct).ConfigureAwait(false);
                }
                Page? cached = TryInsert(index, fresh, generation);
                handedOver = cached == fresh;
                if (cached is not null)
                {
                    return cached;
                }
            }
            finally
            {
                if (!handedOver)
                {
                    fresh.Put();
                }
                EndFill();
            }
        }
    }

    /// <summary>
    /// Reads file pages [<paramref name="index"/>, +pages.Length) into <paramref name="pages"/>
    /// through iomap inside the file's Direct I/O count (a truncate waits for it); every byte
    /// the read does not report (a hole past the size, the tail of the block the size ends in)
    /// is zero. Counts one device read when any byte lies before the size.
    /// </summary>
    public ValueTask ReadIntoAsync(long index, Page[] pages, CancellationToken ct) => ReadIntoAsync(index, pages, DirectIoFlags.None, ct);

    /// <summary>
    /// <see cref="ReadIntoAsync(long, Page[], CancellationToken)"/> with the read's
    /// <paramref name="flags"/>: read-ahead passes <see cref="DirectIoFlags.InlineCompletion"/>,
    /// so that the pages are cached on the thread that reaped the read, without a hop to the
    /// thread pool before a waiting reader can have them.
    /// </summary>
    public async ValueTask ReadIntoAsync(long index, Page[] pages, DirectIoFlags flags, CancellationToken ct)
    {
        long offset = index << PageSize.Shift;
        long reported = 0;
        if (offset < Inode.Size)
        {
            var vecs = new BioVec[pages.Length];
            for (int k = 0; k < pages.Length; k++)
            {
                vecs[k] = new BioVec(pages[k], 0, PageSize.Bytes);
            }
            Cache.CountDeviceRead();
            DioGate gate = Inode.Dio;
            if (!gate.TryEnterDio())
            {
                await gate.EnterDioAsync(ct).ConfigureAwait(false);
            }
            try
            {
                reported = await IomapDio.ReadAsync(Target, offset, IovIter.Pages(IterDirection.Dest, vecs), flags, ct).ConfigureAwait(false);
            }
            finally
            {
                gate.ExitDio();
            }
        }
        for (int k = 0; k < pages.Length; k++)
        {
            long start = (long)k << PageSize.Shift;
            if (reported < start + PageSize.Bytes)
            {
                pages[k].AsSpan()[(int)Math.Max(0, reported - start)..].Clear();
            }
        }
    }
}
