// Follows BlueFS's _replay (apply each logged op to the in-memory namespace, extent maps and allocator).
namespace PinIo.Fs;

/// <summary>
/// The volume's metadata in memory: namespace, extent maps, free space. Every change is a
/// <see cref="JournalRecord"/> applied by <see cref="Apply"/>, whether made now (then logged)
/// or replayed at Mount: one code path, so what is replayed is exactly what was done. Not
/// thread-safe: the volume's metadata lock guards it.
/// </summary>
internal sealed class VolumeMetadata
{
    private readonly Dictionary<string, VolumeInode> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<long, VolumeInode> _byId = [];

    public VolumeMetadata(Superblock superblock)
    {
        Superblock = superblock;
        FreeSpace.Free(superblock.DataStartBlock, superblock.DataBlocks);
    }

    public Superblock Superblock { get; }

    public FreeSpace FreeSpace { get; } = new();

    public IReadOnlyCollection<VolumeInode> Files => _byId.Values;

    public long NextFileId { get; private set; } = 1;

    /// <summary>Where a file with no extent before its hole starts looking for blocks (next-fit across files).</summary>
    public long AllocationCursor { get; set; }

    public VolumeInode? Find(string name) => _byName.GetValueOrDefault(name);

    public VolumeInode? Find(long id) => _byId.GetValueOrDefault(id);

    /// <summary>
    /// Applies one change. Returns null, or why the change is impossible on this state (a
    /// corrupt log at replay; a bug when live). Freed blocks become free at once when
    /// <paramref name="replaying"/> (a replayed record is durable), busy otherwise.
    /// </summary>
    public string? Apply(in JournalRecord r, bool replaying)
    {
        if (r.Op == RecordOp.Create)
        {
            return CreateFile(r.FileId, r.Name!);
        }
        if (Find(r.FileId) is not { } inode)
        {
            return $"{r.Op} of file id {r.FileId}, which does not exist";
        }
        switch (r.Op)
        {
            case RecordOp.Delete:
                // The file's cached pages go with it (no handle is open: Delete checked).
                Volatile.Read(ref inode.Cache)?.DropAll();
                FreeRuns(inode.Map.Remove(0, long.MaxValue), replaying);
                _byId.Remove(inode.Id);
                _byName.Remove(inode.Name);
                return null;
            case RecordOp.SetSize:
                if (r.A is < 0 or > VolumeGeometry.MaxFileBytes)
                {
                    return $"size {r.A} of file {inode.Name} is out of range";
                }
                inode.Size = r.A;
                return null;
            case RecordOp.Map:
                return MapRange(inode, new Extent(r.A, r.B, r.C, r.Unwritten));
            case RecordOp.Convert:
                if (!IsFileRange(r.A, r.C))
                {
                    return $"convert of file blocks [{r.A}, +{r.C}) of {inode.Name} is out of range";
                }
                inode.Map.Convert(r.A, r.A + r.C);
                return null;
            case RecordOp.Unmap:
                if (!IsFileRange(r.A, r.C))
                {
                    return $"unmap of file blocks [{r.A}, +{r.C}) of {inode.Name} is out of range";
                }
                FreeRuns(inode.Map.Remove(r.A, r.A + r.C), replaying);
                return null;
            default:
                return $"unknown record {r.Op}";
        }
    }

    private string? CreateFile(long id, string name)
    {
        if (_byId.ContainsKey(id) || _byName.ContainsKey(name))
        {
            return $"create of {name} (id {id}), which exists";
        }
        var inode = new VolumeInode(id, name);
        _byId.Add(id, inode);
        _byName.Add(name, inode);
        NextFileId = Math.Max(NextFileId, id + 1);
        return null;
    }

    private string? MapRange(VolumeInode inode, Extent e)
    {
        Superblock sb = Superblock;
        if (e.Count <= 0 || !IsFileRange(e.FileBlock, e.Count) || e.DeviceBlock < sb.DataStartBlock || e.DeviceEnd > sb.TotalBlocks || e.DeviceEnd < e.DeviceBlock)
        {
            return $"map of file blocks [{e.FileBlock}, +{e.Count}) of {inode.Name} to device block {e.DeviceBlock} is out of range";
        }
        if (inode.Map.Overlaps(e.FileBlock, e.FileEnd))
        {
            return $"map of file blocks [{e.FileBlock}, +{e.Count}) of {inode.Name} over blocks already mapped";
        }
        if (!FreeSpace.Reserve(e.DeviceBlock, e.Count))
        {
            return $"map of file blocks [{e.FileBlock}, +{e.Count}) of {inode.Name} to device blocks [{e.DeviceBlock}, +{e.Count}) that are not free";
        }
        inode.Map.Insert(e);
        AllocationCursor = e.DeviceEnd;
        return null;
    }

    private void FreeRuns(List<Extent> runs, bool replaying)
    {
        foreach (Extent run in runs)
        {
            if (replaying)
            {
                FreeSpace.Free(run.DeviceBlock, run.Count);
            }
            else
            {
                FreeSpace.MarkBusy(run.DeviceBlock, run.Count);
            }
        }
    }

    private static bool IsFileRange(long fileBlock, long count) =>
        fileBlock >= 0 && count > 0 && fileBlock <= VolumeGeometry.MaxFileBytes / VolumeGeometry.MinBlockSize && count <= VolumeGeometry.MaxFileBytes / VolumeGeometry.MinBlockSize;

    /// <summary>Records that recreate the whole state (a compacted log): each file, its size, its extents.</summary>
    public IEnumerable<JournalRecord> Snapshot()
    {
        foreach (VolumeInode inode in _byId.Values)
        {
            yield return JournalRecord.Create(inode.Id, inode.Name);
            yield return JournalRecord.SetSize(inode.Id, inode.Size);
            foreach (Extent e in inode.Map.Extents)
            {
                yield return JournalRecord.Map(inode.Id, e);
            }
        }
    }
}
