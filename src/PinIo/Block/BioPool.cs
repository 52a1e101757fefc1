// Follows block/bio.c (bio_alloc_percpu_cache: bios are recycled, not allocated, per I/O).
namespace PinIo.Block;

/// <summary>Recycled bios, so that steady-state I/O allocates none.</summary>
internal static class BioPool
{
    private static readonly ObjectCache<Bio> s_cache = new(Environment.ProcessorCount * 64, perThread: true);

    public static Bio Rent(BioOp op, long sector, QueueLimits limits)
    {
        Bio? bio = s_cache.TryTake();
        if (bio is null)
        {
            return new Bio(op, sector, limits);
        }
        bio.Reset(op, sector, limits);
        return bio;
    }

    /// <summary>Returns a bio whose pages are released and which nobody references any more.</summary>
    public static void Return(Bio bio)
    {
        bio.EndIo = null;
        bio.Private = null;
        s_cache.Return(bio);
    }
}
