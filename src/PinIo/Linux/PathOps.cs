// Follows the namespace system calls fio's file-operation engines time: open(O_CREAT), stat, lstat, statx, unlink, mkdir, rmdir.
namespace PinIo.Linux;

/// <summary>How a path is looked up for its attributes (fio's stat_type).</summary>
internal enum PathStatKind
{
    /// <summary>stat(2): a symbolic link is followed.</summary>
    Stat,

    /// <summary>lstat(2): a symbolic link is described itself.</summary>
    Lstat,

    /// <summary>statx(2) asking for every basic field.</summary>
    Statx,
}

/// <summary>
/// One system call on a path, each returning 0 or -errno so that a caller timing it decides
/// what a failure means: the operations of fio's filecreate, filestat, filedelete, dircreate,
/// dirstat and dirdelete engines.
/// </summary>
internal static class PathOps
{
    /// <summary>open(O_CREAT|O_RDWR, 0600) then close: the file exists afterwards, its data untouched.</summary>
    public static int CreateFile(string path)
    {
        int fd = Interop.Open(path, Interop.O_CREAT | Interop.O_RDWR | Interop.O_CLOEXEC, 0x180);
        return fd < 0 ? fd : Interop.Close(fd);
    }

    /// <summary>mkdir with mode 0700; -EEXIST when the path exists.</summary>
    public static int CreateDirectory(string path) => Interop.Mkdir(path, 0x1C0);

    public static int RemoveDirectory(string path) => Interop.Rmdir(path);

    public static int Unlink(string path) => Interop.Unlink(path);

    /// <summary>The attributes of <paramref name="path"/> looked up as <paramref name="kind"/> says; the result is dropped, the lookup is the point.</summary>
    public static int Stat(string path, PathStatKind kind) => kind == PathStatKind.Lstat
        ? Interop.StatxPathNoFollow(path, Interop.STATX_BASIC_STATS, out _)
        : Interop.StatxPath(path, kind == PathStatKind.Statx ? Interop.STATX_BASIC_STATS | Interop.STATX_BTIME : Interop.STATX_BASIC_STATS, out _);
}
