// Follows block/bio.c (bio_iov_bvec_set: an iterator's whole rest as the bio's vecs, taken in one step).
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Block;

/// <summary>
/// The common request in one step (<see cref="AddPagesFrom"/> tries these first, on an empty
/// bio): a request whose whole rest is one vec within the limits — pool memory pinned straight
/// from its pool, or a bvec's range as it is — skips the general extraction's batch, placement
/// and trimming, and leaves the bio, its pages and the iterator exactly as that would.
/// </summary>
public sealed partial class Bio
{
    /// <summary>Whether a request of <paramref name="bytes"/> can be this bio's one vec as it stands: data, within the limits, whole blocks.</summary>
    private bool FitsOneVec(long bytes) =>
        Op is not (BioOp.Flush or BioOp.Discard) && bytes <= Limits.MaxSegmentSize && bytes <= Limits.MaxSectorsBytes && Limits.BlockRemainder(bytes) == 0;

    /// <summary>
    /// bio_iov_bvec_set(): an empty bio takes an iterator over pages the caller holds whose
    /// whole rest is one vec as that vec, taking no page. 0, with nothing taken, for a request of
    /// any other shape (the general extraction then takes it).
    /// </summary>
    private long TakeWholeBvec(IovIter iter)
    {
        if (!iter.TryTakeWholeBvec(out BioVec vec))
        {
            return 0;
        }
        Flags = BioFlags.NoPageRef;
        _vecs[0] = vec;
        _vecCount = 1;
        Size = vec.Length;
        return vec.Length;
    }

    /// <summary>
    /// The common request in one step: an empty bio takes an iterator whose whole rest is one
    /// run of pool memory that one vec holds (<see cref="FitsOneVec"/>) — the pages pinned
    /// straight from their pool (as one folio when the request covers the whole memory) and
    /// recorded as the run, not page by page; one vec, no trimming. 0, with nothing taken, for
    /// a request of any other shape (the general extraction then takes it).
    /// </summary>
    private long TakeWholePoolRun(IovIter iter)
    {
        long bytes = iter.Count;
        if (bytes > (long)ExtractBatchPages << PageSize.Shift)
        {
            return 0;
        }
        // One page more than the bytes fill: a start inside a page spans it.
        PinnedPoolRun run = iter.TryPinWholePoolRun(PageSize.PagesSpanned(0, bytes) + 1, out int offset);
        if (run.Count == 0)
        {
            return 0;
        }
        _pinCounter = iter.PinCounter;
        _pinCounter?.OnPinned(run.Count);
        Flags = BioFlags.PagePinned;
        _pinnedRun = run;
        _vecs[0] = new BioVec(run.FirstPage, offset, (int)bytes);
        _vecCount = 1;
        Size = (int)bytes;
        return bytes;
    }

    /// <summary>bio_release_pages() for a run pinned by <see cref="TakeWholePoolRun"/>.</summary>
    private void ReleasePinnedRun(bool markDirty)
    {
        Gup.UnpinPoolRunDirtyLock(_pinnedRun, markDirty);
        _pinCounter?.OnUnpinned(_pinnedRun.Count);
        _pinCounter = null;
        _pinnedRun = default;
    }
}
