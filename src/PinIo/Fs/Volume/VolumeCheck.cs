// Follows xfs_repair's phase 4/5 (block ownership, free space counts) for the Volume's in-memory state.
namespace PinIo.Fs;

/// <summary>The invariants of a volume's metadata; each violation is one line of the findings.</summary>
internal static class VolumeCheck
{
    private enum Owner
    {
        File,
        Free,
        Busy,
    }

    private readonly record struct Claim(long Start, long Count, Owner Kind, string Who)
    {
        public long End => Start + Count;
    }

    public static void CheckMemory(VolumeMetadata metadata, List<string> findings)
    {
        Superblock sb = metadata.Superblock;
        var claims = new List<Claim>();
        long owned = 0;
        foreach (VolumeInode inode in metadata.Files)
        {
            CheckFile(inode, sb, findings);
            foreach (Extent e in inode.Map.Extents)
            {
                claims.Add(new Claim(e.DeviceBlock, e.Count, Owner.File, $"file \"{inode.Name}\" block {e.FileBlock}"));
                owned += e.Count;
            }
        }
        foreach (BlockRange r in metadata.FreeSpace.Ranges)
        {
            claims.Add(new Claim(r.Start, r.Count, Owner.Free, "free space"));
        }
        foreach (BlockRange r in metadata.FreeSpace.Busy)
        {
            claims.Add(new Claim(r.Start, r.Count, Owner.Busy, "busy (freed, uncommitted)"));
        }
        CheckClaims(claims, sb, findings);
        long free = metadata.FreeSpace.FreeBlocks + metadata.FreeSpace.BusyBlocks;
        if (free != sb.DataBlocks - owned)
        {
            findings.Add($"free space is {free} blocks, but the device's {sb.DataBlocks} data blocks less the {owned} files own is {sb.DataBlocks - owned}");
        }
    }

    /// <summary>Every block claimed once, every claim inside the data blocks.</summary>
    private static void CheckClaims(List<Claim> claims, Superblock sb, List<string> findings)
    {
        claims.Sort((a, b) => a.Start.CompareTo(b.Start));
        Claim? previous = null;
        foreach (Claim c in claims)
        {
            if (c.Count <= 0 || c.Start < sb.DataStartBlock || c.End > sb.TotalBlocks)
            {
                findings.Add($"{c.Who}: device blocks [{c.Start}, {c.End}) are not inside the data blocks [{sb.DataStartBlock}, {sb.TotalBlocks})");
            }
            if (previous is { } p && c.Start < p.End)
            {
                findings.Add($"device blocks [{c.Start}, {Math.Min(c.End, p.End)}) owned twice: by {p.Who} and by {c.Who}");
            }
            if (previous is null || c.End > previous.Value.End)
            {
                previous = c;
            }
        }
    }

    private static void CheckFile(VolumeInode inode, Superblock sb, List<string> findings)
    {
        long sizeBlocks = (inode.Size + sb.BlockSize - 1) / sb.BlockSize;
        if (inode.Size is < 0 or > VolumeGeometry.MaxFileBytes)
        {
            findings.Add($"file \"{inode.Name}\": size {inode.Size} out of range");
        }
        Extent? before = null;
        foreach (Extent e in inode.Map.Extents)
        {
            if (e.Count <= 0 || e.FileBlock < 0 || (before is { } b && e.FileBlock < b.FileEnd))
            {
                findings.Add($"file \"{inode.Name}\": extent at file block {e.FileBlock} (+{e.Count}) is empty, negative or overlaps the one before");
            }
            if (!e.Unwritten && e.FileEnd > sizeBlocks)
            {
                findings.Add($"file \"{inode.Name}\": written blocks [{Math.Max(e.FileBlock, sizeBlocks)}, {e.FileEnd}) lie past its size of {inode.Size} bytes");
            }
            before = e;
        }
    }

    /// <summary>The state replayed from the device must be the state in memory (everything was just committed).</summary>
    public static void Compare(VolumeMetadata memory, VolumeMetadata replayed, List<string> findings)
    {
        foreach (VolumeInode inode in memory.Files)
        {
            if (replayed.Find(inode.Id) is not { } r)
            {
                findings.Add($"file \"{inode.Name}\" is not in the log on the device");
                continue;
            }
            if (r.Name != inode.Name || r.Size != inode.Size)
            {
                findings.Add($"file \"{inode.Name}\": the log on the device says \"{r.Name}\" of {r.Size} bytes, memory {inode.Size} bytes");
            }
            if (!r.Map.Extents.SequenceEqual(inode.Map.Extents))
            {
                findings.Add($"file \"{inode.Name}\": its extents in the log on the device ({r.Map.Count}) differ from those in memory ({inode.Map.Count})");
            }
        }
        foreach (VolumeInode r in replayed.Files)
        {
            if (memory.Find(r.Id) is null)
            {
                findings.Add($"file \"{r.Name}\" is in the log on the device but not in memory");
            }
        }
    }
}
