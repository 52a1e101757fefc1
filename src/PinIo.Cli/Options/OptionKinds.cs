namespace PinIo.Cli.Options;

/// <summary>fio's rw= (readwrite=) modes that pinio runs.</summary>
internal enum RwMode
{
    Read,
    Write,
    RandRead,
    RandWrite,

    /// <summary>rw=rw or readwrite: sequential, mixed by rwmixread.</summary>
    ReadWrite,

    /// <summary>rw=randrw: random, mixed by rwmixread.</summary>
    RandRw,

    /// <summary>rw=trim: sequential discards (a hole punched in a file, zeroes on a RAM disk).</summary>
    Trim,

    /// <summary>rw=randtrim: random discards.</summary>
    RandTrim,

    /// <summary>rw=trimwrite: each block trimmed, then written (fio's trim+write sequences).</summary>
    TrimWrite,
}

/// <summary>fio's ioengine= names. On a <c>ram:</c> target each maps to PinIo's DirectIo (see the Jobs namespace's Target).</summary>
internal enum IoEngineKind
{
    Psync,
    Sync,
    Pvsync2,
    IoUring,
    Libaio,

    /// <summary>.NET RandomAccess on a file opened with O_DIRECT: the baseline of the fio comparison, not PinIo.</summary>
    Dotnet,

    /// <summary>fio's null engine: no file and no device I/O (see the Jobs namespace's NullTarget).</summary>
    Null,

    /// <summary>fio's ftruncate engine: each write truncates (or extends) the file to its offset; no data moves.</summary>
    Ftruncate,

    /// <summary>fio's falloc engine: each I/O a fallocate of its range.</summary>
    Falloc,

    /// <summary>fio's file-operation engines: each file's I/O an operation on its name.</summary>
    FileCreate,
    FileStat,
    FileDelete,
    DirCreate,
    DirStat,
    DirDelete,

    /// <summary>fio's mmap engine: the file mapped, each I/O a copy to or from the mapping.</summary>
    Mmap,

    /// <summary>fio's splice engine: reads through a pipe (PinIo's PipeBuffer), writes from one.</summary>
    Splice,

    /// <summary>fio's cpuio engine: no I/O, CPU burnt for the runtime.</summary>
    Cpuio,

    /// <summary>fio's exec engine: no I/O, a program run for the runtime.</summary>
    Exec,

    /// <summary>fio's net engine: blocks sent or received over a socket.</summary>
    Net,
}

/// <summary>fio's verify= modes that pinio implements.</summary>
internal enum VerifyKind
{
    None,
    Crc32C,
    Md5,
    Sha256,

    /// <summary>fio's xxhash; pinio's digest is XXH64.</summary>
    XxHash,

    /// <summary>No header: every block holds <c>verify_pattern</c>, checked byte by byte.</summary>
    Pattern,

    // Appended, not inserted: the header stores the kind as a number (VerifyHeader).
    Crc64,
    Crc32,
    Crc16,
    Crc7,
    Sha1,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,

    /// <summary>Header only: the block's identity (offset, seed, sequence, time) checked, the payload not hashed.</summary>
    Meta,
}

/// <summary>fio's sync=: how writes are made durable as they complete.</summary>
internal enum SyncMode
{
    None,

    /// <summary>sync=1 or sync=sync: fio's O_SYNC; PinIo opens with O_DSYNC, which makes the data durable (see FileDeviceOptions.Dsync).</summary>
    Sync,

    /// <summary>sync=dsync: O_DSYNC.</summary>
    Dsync,
}

/// <summary>fio's fadvise_hint=: the access pattern told to the file's read-ahead.</summary>
internal enum FadviseHint
{
    /// <summary>fadvise_hint=0: no hint.</summary>
    None,

    /// <summary>fadvise_hint=1 (fio's default): Sequential for a sequential job, Random for a random one.</summary>
    ByPattern,

    Sequential,

    Random,

    Normal,
}

/// <summary>fio's cpus_allowed_policy=.</summary>
internal enum CpusAllowedPolicy
{
    /// <summary>Every job may run on every CPU of the set.</summary>
    Shared,

    /// <summary>Each job gets one CPU of the set, by its thread number, round robin.</summary>
    Split,
}

internal static class OptionKindNames
{
    public static bool IsRandom(this RwMode rw) => rw is RwMode.RandRead or RwMode.RandWrite or RwMode.RandRw or RwMode.RandTrim;

    public static bool HasReads(this RwMode rw) => rw is RwMode.Read or RwMode.RandRead or RwMode.ReadWrite or RwMode.RandRw;

    public static bool HasWrites(this RwMode rw) => rw is RwMode.Write or RwMode.RandWrite or RwMode.ReadWrite or RwMode.RandRw or RwMode.TrimWrite;

    public static bool HasTrims(this RwMode rw) => rw is RwMode.Trim or RwMode.RandTrim or RwMode.TrimWrite;

    public static bool IsMixed(this RwMode rw) => rw is RwMode.ReadWrite or RwMode.RandRw;

    /// <summary>The name fio prints in the job header (rw=randread).</summary>
    public static string FioName(this RwMode rw) => rw switch
    {
        RwMode.Read => "read",
        RwMode.Write => "write",
        RwMode.RandRead => "randread",
        RwMode.RandWrite => "randwrite",
        RwMode.ReadWrite => "rw",
        RwMode.Trim => "trim",
        RwMode.RandTrim => "randtrim",
        RwMode.TrimWrite => "trimwrite",
        _ => "randrw",
    };

    public static string FioName(this IoEngineKind engine) => engine switch
    {
        IoEngineKind.Psync => "psync",
        IoEngineKind.Sync => "sync",
        IoEngineKind.Pvsync2 => "pvsync2",
        IoEngineKind.IoUring => "io_uring",
        IoEngineKind.Libaio => "libaio",
        IoEngineKind.Null => "null",
        IoEngineKind.Ftruncate => "ftruncate",
        IoEngineKind.Falloc => "falloc",
        IoEngineKind.FileCreate => "filecreate",
        IoEngineKind.FileStat => "filestat",
        IoEngineKind.FileDelete => "filedelete",
        IoEngineKind.DirCreate => "dircreate",
        IoEngineKind.DirStat => "dirstat",
        IoEngineKind.DirDelete => "dirdelete",
        IoEngineKind.Mmap => "mmap",
        IoEngineKind.Splice => "splice",
        IoEngineKind.Cpuio => "cpuio",
        IoEngineKind.Exec => "exec",
        IoEngineKind.Net => "net",
        _ => "dotnet",
    };

    /// <summary>Engines whose I/O completes inside the submitting call, so that fio caps their depth at 1.</summary>
    public static bool IsSynchronous(this IoEngineKind engine) => engine is IoEngineKind.Psync or IoEngineKind.Sync or IoEngineKind.Pvsync2 or IoEngineKind.Null or IoEngineKind.Ftruncate or IoEngineKind.Falloc
        or IoEngineKind.Mmap or IoEngineKind.Splice or IoEngineKind.Cpuio or IoEngineKind.Exec or IoEngineKind.Net
        || engine.IsPathOperation();

    /// <summary>fio's file-operation engines (filecreate ... dirdelete): an operation on each file's name, no data.</summary>
    public static bool IsPathOperation(this IoEngineKind engine) => engine is >= IoEngineKind.FileCreate and <= IoEngineKind.DirDelete;

    /// <summary>The name fio's verify= takes for the mode.</summary>
    public static string FioName(this VerifyKind verify) => verify switch
    {
        VerifyKind.None => "0",
        VerifyKind.Crc32C => "crc32c",
        VerifyKind.Md5 => "md5",
        VerifyKind.Sha256 => "sha256",
        VerifyKind.XxHash => "xxhash",
        VerifyKind.Crc64 => "crc64",
        VerifyKind.Crc32 => "crc32",
        VerifyKind.Crc16 => "crc16",
        VerifyKind.Crc7 => "crc7",
        VerifyKind.Sha1 => "sha1",
        VerifyKind.Sha512 => "sha512",
        VerifyKind.Sha3_224 => "sha3-224",
        VerifyKind.Sha3_256 => "sha3-256",
        VerifyKind.Sha3_384 => "sha3-384",
        VerifyKind.Sha3_512 => "sha3-512",
        VerifyKind.Meta => "meta",
        _ => "pattern",
    };
}
