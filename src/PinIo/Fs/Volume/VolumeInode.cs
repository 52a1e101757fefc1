// Follows include/linux/fs.h (struct inode: the per-file state every open of the file shares).
namespace PinIo.Fs;

/// <summary>
/// A file's state, shared by every <see cref="VolumeFile"/> opened on it: id, name, size and
/// extent map (guarded by the volume's metadata lock). The page cache of the next issue
/// hangs its pages here (i_mapping); every change of the mapping goes through
/// <see cref="VolumeMetadata.Apply"/>, the one place it can invalidate them.
/// </summary>
internal sealed class VolumeInode(long id, string name)
{
    public long Id { get; } = id;

    public string Name { get; } = name;

    /// <summary>i_size. Written under the metadata lock; read without it by the Direct I/O paths.</summary>
    public long Size
    {
        get => Volatile.Read(ref _size);
        set => Volatile.Write(ref _size, value);
    }

    private long _size;

    public ExtentMap Map { get; } = new();

    /// <summary>Direct I/O against layout changes (inode_dio_begin/wait), shared by every handle.</summary>
    public DioGate Dio { get; } = new();

    /// <summary>The file's cached pages (i_mapping), made at its first buffered use; null for a file only ever used with Direct I/O.</summary>
    public FileCache? Cache;

    /// <summary>Handles open on the file: a file in use cannot be deleted.</summary>
    public int OpenCount { get; set; }
}
