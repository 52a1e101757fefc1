namespace PinIo.Cli.Options;

/// <summary>
/// The job options pinio knows, by fio's names, with fio's meanings and defaults (fio's
/// <c>options.c</c> table in spirit), each declared once here: its name, kind, default, help
/// and the type it is read as (<c>job.Get(Opt.IoDepth)</c>). Declaring a field registers the
/// option in <see cref="OptionTable"/>, in this order (the order of <c>--help</c>; options of one topic may live in a file of their own, Opt.Topic.cs, and follow). Anything
/// not declared is refused by name, never ignored. Program-level switches
/// (<c>--output-format</c>, <c>--help</c>...) are not job options and live in <see cref="Program"/>.
/// </summary>
internal static partial class Opt
{

    // Filled by every declaration, in this file and in the topic files beside it (Opt.*.cs);
    // created by the first one to run, as the parts' initializers run in no promised order.
    private static List<OptionDef>? s_declared;

    public static readonly Opt<string?> Name = Declare<string?>(new() { Name = "name", Kind = OptionKind.Text, Help = "Name of this job; on a command line it starts a new job" });

    public static readonly Opt<string?> Description = Declare<string?>(new() { Name = "description", Kind = OptionKind.Text, Help = "Text to print with the job's results" });

    public static readonly Opt<string?> Filename = Declare<string?>(new() { Name = "filename", Kind = OptionKind.Text, Help = "Target: a file, a block device, ram:SIZE for PinIo's embedded RAM disk, faulty:SPEC:TARGET for a target behind a fault-injecting device (README, Faulty devices), or a file inside a PinIo Volume: vol:IMAGE:NAME (IMAGE an existing file or block device; formatted when it reads as zeroes, mounted when it holds a Volume, refused otherwise) or volram:SIZE:NAME (a RAM disk formatted as a Volume); NAME is created with size= (default: jobname.jobnum.0 in directory)" });

    public static readonly Opt<Fs.DirectIoPath> VolumeDio = Declare<Fs.DirectIoPath>(new()
    {
        Name = "volume_dio", Kind = OptionKind.Choice, Default = "iomap", Help = "Direct I/O path of a vol:/volram: target's Volume (jobs on one image share its Volume and the first job's path)",
        Choices =
        [
            new("iomap", Fs.DirectIoPath.Iomap, "fs/iomap/direct-io.c: extent by extent, holes read as zeroes without a pin"),
            new("legacy", Fs.DirectIoPath.Legacy, "fs/direct-io.c: block runs from a get_block mapper, pages taken 64 at a time"),
        ],
    });

    public static readonly Opt<FallocateMode> Fallocate = Declare<FallocateMode>(new()
    {
        Name = "fallocate", Kind = OptionKind.Choice, Default = "native", Help = "How a file the job creates or extends gets its space (plain files and vol:/volram: files)",
        Choices =
        [
            new("native", FallocateMode.Native, "fallocate(mode 0): blocks reserved (unwritten extents), so writes convert but do not allocate"),
            new("posix", FallocateMode.Native, "as native (posix_fallocate is fallocate on Linux)"),
            new("1", FallocateMode.Native, "as posix"),
            new("keep", FallocateMode.Keep, "fallocate(FALLOC_FL_KEEP_SIZE): blocks reserved; on a plain file pinio then sets the size with ftruncate (fio leaves it to the writes)"),
            new("truncate", FallocateMode.Truncate, "ftruncate only: a sparse file, each first write into a block allocates it"),
            new("none", FallocateMode.None, "nothing reserved: as truncate (pinio sizes the file with ftruncate so that Direct I/O may address it)"),
            new("0", FallocateMode.None, "as none"),
        ],
    });

    public static readonly Opt<RwSpec> Rw = Declare<RwSpec>(new()
    {
        Name = "rw", Aliases = ["readwrite"], Kind = OptionKind.Custom, Default = "read", Parser = (o, v) => ValueParsers.ParseRw(o, v),
        Help = "I/O pattern, with an optional :N (rw=read:4k skips 4k after each I/O; rw=randread:8 takes a new random offset every 8 I/Os)",
        Choices =
        [
            new("read", RwMode.Read, "Sequential read"),
            new("write", RwMode.Write, "Sequential write"),
            new("randread", RwMode.RandRead, "Random read"),
            new("randwrite", RwMode.RandWrite, "Random write"),
            new("rw", RwMode.ReadWrite, "Sequential read and write mix"),
            new("readwrite", RwMode.ReadWrite, "Sequential read and write mix"),
            new("randrw", RwMode.RandRw, "Random read and write mix"),
            new("trim", RwMode.Trim, "Sequential trim (discard; a hole punched in a file)"),
            new("randtrim", RwMode.RandTrim, "Random trim"),
            new("trimwrite", RwMode.TrimWrite, "Sequential trim, then write of the same blocks"),
        ],
    });

    public static readonly Opt<int> RwMixRead = Declare<int>(new() { Name = "rwmixread", Kind = OptionKind.Int, Default = "50", Min = 0, Max = 100, Help = "Percentage of a mixed workload that is reads" });

    public static readonly Opt<int> RwMixWrite = Declare<int>(new() { Name = "rwmixwrite", Kind = OptionKind.Int, Default = "50", Min = 0, Max = 100, Help = "Percentage of a mixed workload that is writes" });

    public static readonly Opt<PerDir<long?>> Bs = Declare<PerDir<long?>>(new()
    {
        Name = "bs", Aliases = ["blocksize"], Kind = OptionKind.Custom, Default = "4k", Parser = (_, v) => ValueParsers.ParseSizePerDirection(v),
        Help = "Block size of each I/O; bs=4k,64k gives reads and writes their own",
    });

    public static readonly Opt<int> IoDepth = Declare<int>(new() { Name = "iodepth", Kind = OptionKind.Int, Default = "1", Min = 1, Max = 65536, Help = "Number of I/Os to keep in flight" });

    public static readonly Opt<int> NumJobs = Declare<int>(new() { Name = "numjobs", Kind = OptionKind.Int, Default = "1", Min = 1, Max = 4096, Help = "Number of clones (threads) of this job" });

    public static readonly Opt<SizeOrPercent?> Size = Declare<SizeOrPercent?>(new()
    {
        Name = "size", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseSizeOrPercent(v, 1),
        Help = "Bytes of the target this job covers, or a percentage of it (size=50%) (default: the whole target)",
    });

    public static readonly Opt<SizeOrPercent> Offset = Declare<SizeOrPercent>(new() { Name = "offset", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseSizeOrPercent(v, 0), Help = "Start of the job's region in the target, in bytes or as a percentage of it" });

    public static readonly Opt<int> Loops = Declare<int>(new() { Name = "loops", Kind = OptionKind.Int, Default = "1", Min = 1, Help = "Number of times to run the job over its region" });

    public static readonly Opt<long> Runtime = Declare<long>(new() { Name = "runtime", Aliases = ["timeout"], Kind = OptionKind.Time, Default = "0", Min = 0, Help = "Stop after this long (seconds, or with a unit: 200ms, 2m); 0 = no limit" });

    public static readonly Opt<bool> TimeBased = Declare<bool>(new() { Name = "time_based", Kind = OptionKind.Flag, Default = "0", Help = "Keep running for runtime, looping over the region" });

    public static readonly Opt<IoEngineKind> IoEngine = Declare<IoEngineKind>(new()
    {
        Name = "ioengine", Kind = OptionKind.Choice, Default = "psync", Help = "How I/O is submitted",
        Choices =
        [
            new("psync", IoEngineKind.Psync, "Synchronous I/O: each I/O completes in its call (depth 1)"),
            new("sync", IoEngineKind.Sync, "Synchronous I/O (as psync)"),
            new("pvsync2", IoEngineKind.Pvsync2, "Synchronous vectored I/O (as psync)"),
            new("io_uring", IoEngineKind.IoUring, "Asynchronous I/O: iodepth requests in flight, completed by the device"),
            new("libaio", IoEngineKind.Libaio, "Linux native AIO (io_submit/io_getevents): PinIo's libaio engine"),
            new("null", IoEngineKind.Null, "No file and no device: each I/O goes through PinIo's Direct I/O path (pins, bios) to a device that ends it at once without touching memory (fio's null engine does no I/O at all); needs size="),
            new("ftruncate", IoEngineKind.Ftruncate, "Each write sets the file's size to its offset (ftruncate), as fio's ftruncate engine; writes only, no data"),
            new("mmap", IoEngineKind.Mmap, "The file mapped (mmap): reads and writes copy from and to the mapping; fsync is msync"),
            new("splice", IoEngineKind.Splice, "Reads: PinIo's Direct I/O into a pipe (PipeBuffer, each pipe page pinned), then drained to the buffer; writes: the buffer into the pipe, then Direct I/O from it"),
            new("cpuio", IoEngineKind.Cpuio, "No I/O: burns cpuload percent of a CPU (cpumode, cpuchunks) for the runtime"),
            new("exec", IoEngineKind.Exec, "No I/O: runs program with arguments for the runtime, then stops it (SIGTERM, grace_time, SIGKILL)"),
            new("net", IoEngineKind.Net, "Blocks over a socket (protocol=tcp|udp|unix, hostname, port): listen receives (rw=read), a sender writes"),
            new("dotnet", IoEngineKind.Dotnet, "Plain .NET RandomAccess.ReadAsync/WriteAsync on an O_DIRECT file, iodepth at once: the baseline, not PinIo"),
            new("falloc", IoEngineKind.Falloc, "Each I/O is a fallocate of its range: a write allocates (mode 0), a read reserves (KEEP_SIZE), a trim punches a hole; no data moves"),
            new("filecreate", IoEngineKind.FileCreate, "Each file's I/O is its creation (open O_CREAT, close), timed; counted as fio counts it, one block per file"),
            new("filestat", IoEngineKind.FileStat, "Each file's I/O is a stat of it (stat_type=), timed"),
            new("filedelete", IoEngineKind.FileDelete, "Each file's I/O is its unlink, timed"),
            new("dircreate", IoEngineKind.DirCreate, "As filecreate, with directories (mkdir)"),
            new("dirstat", IoEngineKind.DirStat, "As filestat, on directories made when the job starts"),
            new("dirdelete", IoEngineKind.DirDelete, "As filedelete, with directories (rmdir) made when the job starts"),
        ],
    });

    public static readonly Opt<bool> Direct = Declare<bool>(new() { Name = "direct", Kind = OptionKind.Bool, Default = "0", Help = "O_DIRECT; ram: targets always take PinIo's Direct I/O path; on a vol:/volram: file direct=0 goes through the Volume's page cache" });

    public static readonly Opt<bool> FixedBufs = Declare<bool>(new() { Name = "fixedbufs", Kind = OptionKind.Flag, Default = "0", Help = "Use PagePool pages (never pinned per I/O) instead of managed memory pinned per I/O" });

    // Job files, I/O shape, engines and verification (the fio-jobs work); report options go at the end.
    public static readonly Opt<bool> RegisterFiles = Declare<bool>(new() { Name = "registerfiles", Kind = OptionKind.Flag, Default = "0", Help = "Register the file with the ring (PinIo always does: accepted, changes nothing)" });

    public static readonly Opt<bool> SqThreadPoll = Declare<bool>(new() { Name = "sqthread_poll", Kind = OptionKind.Flag, Default = "0", Help = "io_uring: a kernel thread takes the submissions off the ring (IORING_SETUP_SQPOLL), so submitting needs no syscall while it is awake" });

    public static readonly Opt<int?> SqThreadPollCpu = Declare<int?>(new() { Name = "sqthread_poll_cpu", Kind = OptionKind.Int, Min = 0, Help = "io_uring with sqthread_poll: the CPU the kernel submission thread is bound to (IORING_SETUP_SQ_AFF)" });

    public static readonly Opt<bool> HiPri = Declare<bool>(new() { Name = "hipri", Kind = OptionKind.Flag, Default = "0", Help = "io_uring: find completions by polling the device's queue (IORING_SETUP_IOPOLL); needs a device with poll queues (NVMe poll_queues), else I/O fails with EOPNOTSUPP" });

    public static readonly Opt<long> ReapSpin = Declare<long>(new() { Name = "reap_spin", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseReapSpinUs(v), Help = "io_uring (pinio only): before sleeping for a completion, look for it this long (microseconds, or with a unit) by entering the kernel without a wait; saves the cross-CPU wake-up when completions come from another CPU, costs CPU when they are slow. At most 1s; 0 sleeps at once, as fio does" });

    public static readonly Opt<bool> ColocateDepth1 = Declare<bool>(new() { Name = "colocate_depth1", Kind = OptionKind.Bool, Default = "1", Help = "pinio only, io_uring at iodepth=1 without cpus_allowed: the job's thread stays on the CPU it starts on, and so does the io-wq worker the kernel hands each blocking read to (it inherits the thread's CPUs), so a request's two wake-ups stay on one CPU instead of crossing to an idle one; 0 leaves both where the scheduler puts them, as fio does" });

    public static readonly Opt<bool> AutoBatch = Declare<bool>(new() { Name = "auto_batch", Kind = OptionKind.Bool, Default = "1", Help = "pinio only, io_uring on a file or block device at iodepth=8 or more, where the job sets neither iodepth_batch_submit nor iodepth_batch_complete_min and paces nothing (rate, rate_iops, thinktime, latency_target, flow): an eighth of the queue, two at least, is submitted and reaped per io_uring_enter; 0 submits and reaps one at a time, as fio does" });

    // pinio's own io_uring switches (fio has none): the ring features PinIo takes by default, off only to A/B them (bench/README.md, "ring").
    public static readonly Opt<bool> RingFdRegister = Declare<bool>(new() { Name = "ring_fd_register", Kind = OptionKind.Bool, Default = "1", Help = "pinio only, io_uring: the job thread registers the ring's descriptor (IORING_REGISTER_RING_FDS) and enters it by index, with no descriptor lookup per io_uring_enter; 0 to measure without" });

    public static readonly Opt<bool> NoSqArray = Declare<bool>(new() { Name = "no_sqarray", Kind = OptionKind.Bool, Default = "1", Help = "pinio only, io_uring: the ring has no SQ index array (IORING_SETUP_NO_SQARRAY, Linux 6.6); 0 to measure with it" });

    public static readonly Opt<Devices.IoUringTaskRun> TaskRun = Declare<Devices.IoUringTaskRun>(new()
    {
        Name = "taskrun", Kind = OptionKind.Choice, Default = "defer", Help = "pinio only, io_uring: when the kernel posts completions (its task work); the ring is SINGLE_ISSUER in every mode",
        Choices =
        [
            new("defer", Devices.IoUringTaskRun.Deferred, "IORING_SETUP_DEFER_TASKRUN: when the job thread waits for completions"),
            new("coop", Devices.IoUringTaskRun.Cooperative, "IORING_SETUP_COOP_TASKRUN | TASKRUN_FLAG: at the job thread's next kernel entry, with no interrupt"),
            new("interrupt", Devices.IoUringTaskRun.Interrupt, "neither: the kernel interrupts the job thread to post them at once"),
        ],
    });

    public static readonly Opt<bool> HugePagePool = Declare<bool>(new() { Name = "hugepage_pool", Kind = OptionKind.Bool, Default = "1", Help = "pinio only: the registered buffer pool (fixedbufs) in 2 MiB pages, hugetlb when vm.nr_hugepages has them, else transparent huge pages; 0 for 4 KiB pages" });

    public static readonly Opt<bool> Stonewall = Declare<bool>(new() { Name = "stonewall", Aliases = ["wait_for_previous"], Kind = OptionKind.Flag, Default = "0", Help = "Wait for the jobs before this one to end before starting; starts a new reporting group" });

    public static readonly Opt<bool> NewGroup = Declare<bool>(new() { Name = "new_group", Kind = OptionKind.Flag, Default = "0", Help = "Start a new reporting group (without waiting, unlike stonewall)" });

    public static readonly Opt<string?> Directory = Declare<string?>(new() { Name = "directory", Kind = OptionKind.Text, Help = "Directory of the job's files: a relative filename and the default name are taken in it" });

    public static readonly Opt<FileSizeRange?> FileSize = Declare<FileSizeRange?>(new() { Name = "filesize", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseFileSizeRange(v), Help = "Size of each file to create or extend (default: offset + size / nrfiles); LOW-HIGH: each file's drawn in the range" });

    public static readonly Opt<long> NumberIos = Declare<long>(new() { Name = "number_ios", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "Stop the job after this many I/Os if size or io_size has not ended it first (0 = no limit); never extends the I/O, and a time_based job runs its time, as in fio" });

    public static readonly Opt<long?> IoSize = Declare<long?>(new() { Name = "io_size", Aliases = ["io_limit"], Kind = OptionKind.Size, Min = 1, Help = "Bytes of I/O per loop (default: size); above size the job wraps over its region" });

    public static readonly Opt<PerDir<BsRange?>> BsRange = Declare<PerDir<BsRange?>>(new()
    {
        Name = "bsrange", Aliases = ["blocksize_range"], Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseBsRange(v),
        Help = "Block sizes drawn uniformly between min and max, in multiples of min (bsrange=1k-64k, or per direction 4k-8k,16k-64k)",
    });

    public static readonly Opt<PerDir<BsSplitEntry[]?>> BsSplit = Declare<PerDir<BsSplitEntry[]?>>(new()
    {
        Name = "bssplit", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseBsSplit(v),
        Help = "Block sizes by share of I/Os (bssplit=4k/50:64k/40:1m/10; per direction with a comma)",
    });

    public static readonly Opt<PerDir<long?>> BlockAlign = Declare<PerDir<long?>>(new()
    {
        Name = "blockalign", Aliases = ["ba"], Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseSizePerDirection(v),
        Help = "Alignment of random offsets (default: the smallest block size); like fio, turns off the random map",
    });

    public static readonly Opt<int> IoDepthBatchSubmit = Declare<int>(new() { Name = "iodepth_batch_submit", Aliases = ["iodepth_batch"], Kind = OptionKind.Int, Default = "1", Min = 0, Max = 65536, Help = "I/Os to prepare before submitting them together (0 = iodepth)" });

    public static readonly Opt<int> IoDepthBatchCompleteMin = Declare<int>(new() { Name = "iodepth_batch_complete_min", Aliases = ["iodepth_batch_complete"], Kind = OptionKind.Int, Default = "1", Min = 0, Max = 65536, Help = "Completions to wait for at least when reaping (0 = reap without waiting)" });

    public static readonly Opt<int> IoDepthBatchCompleteMax = Declare<int>(new() { Name = "iodepth_batch_complete_max", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 65536, Help = "Completions to take at most in one reap (0 or below iodepth_batch_complete_min = that min: fio's default takes one at a time)" });

    public static readonly Opt<long> RampTime = Declare<long>(new() { Name = "ramp_time", Kind = OptionKind.Time, Default = "0", Min = 0, Help = "Run this long before measuring (not counted in the results)" });

    public static readonly Opt<long> StartDelay = Declare<long>(new() { Name = "startdelay", Kind = OptionKind.Time, Default = "0", Min = 0, Help = "Wait this long before starting the job" });

    public static readonly Opt<Distribution> RandomDistribution = Declare<Distribution>(new()
    {
        Name = "random_distribution", Kind = OptionKind.Custom, Default = "random", Parser = (_, v) => ValueParsers.ParseDistribution(v),
        Help = "Offsets of random I/O: random (uniform), zipf:theta, pareto:h or normal:sigma% (optional :center, 0-1), or zoned:ACCESS%/SPAN%:... / zoned_abs:ACCESS%/SIZE:... (each zone its share of the I/O, from the start; an empty last span is the rest)",
    });

    public static readonly Opt<bool> Buffered = Declare<bool>(new() { Name = "buffered", Kind = OptionKind.Bool, Default = "1", Help = "Buffered I/O, the opposite of direct" });

    public static readonly Opt<SyncMode> Sync = Declare<SyncMode>(new()
    {
        Name = "sync", Kind = OptionKind.Choice, Default = "0", Help = "Open for synchronous writes",
        Choices =
        [
            new("0", SyncMode.None, "Ordinary writes"),
            new("none", SyncMode.None, "Ordinary writes"),
            new("1", SyncMode.Sync, "O_SYNC (PinIo: O_DSYNC, data durable on completion)"),
            new("sync", SyncMode.Sync, "O_SYNC (PinIo: O_DSYNC, data durable on completion)"),
            new("dsync", SyncMode.Dsync, "O_DSYNC"),
        ],
    });

    public static readonly Opt<int> Fsync = Declare<int>(new() { Name = "fsync", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "Flush the device after every N writes (0 = never)" });

    public static readonly Opt<int> Fdatasync = Declare<int>(new() { Name = "fdatasync", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "As fsync (a PinIo flush covers data and metadata alike)" });

    public static readonly Opt<bool> EndFsync = Declare<bool>(new() { Name = "end_fsync", Kind = OptionKind.Bool, Default = "0", Help = "fsync when the job's writes end, counted in the job's time (a vol:/volram: file: its dirty cached pages written back, then the flush)" });

    public static readonly Opt<bool> FsyncOnClose = Declare<bool>(new() { Name = "fsync_on_close", Kind = OptionKind.Bool, Default = "0", Help = "fsync when the job closes its file, after its measured time" });

    public static readonly Opt<bool> Invalidate = Declare<bool>(new() { Name = "invalidate", Kind = OptionKind.Bool, Default = "1", Help = "Drop the file's cached pages before the job (vol:/volram: with direct=0: the Volume's page cache; Direct I/O targets have none)" });

    public static readonly Opt<FadviseHint> FadviseHint = Declare<FadviseHint>(new()
    {
        Name = "fadvise_hint", Kind = OptionKind.Choice, Default = "1", Help = "Access-pattern hint for the file's read-ahead (vol:/volram: with direct=0)",
        Choices =
        [
            new("0", Options.FadviseHint.None, "No hint"),
            new("1", Options.FadviseHint.ByPattern, "sequential for sequential jobs, random for random ones (fio's default)"),
            new("sequential", Options.FadviseHint.Sequential, "POSIX_FADV_SEQUENTIAL"),
            new("random", Options.FadviseHint.Random, "POSIX_FADV_RANDOM"),
            new("normal", Options.FadviseHint.Normal, "POSIX_FADV_NORMAL"),
        ],
    });

    public static readonly Opt<long> VolumeCache = Declare<long>(new() { Name = "volume_cache", Kind = OptionKind.Size, Default = "0", Min = 0, Help = "Page cache of a vol:/volram: target's Volume in bytes (0: the library's default, 64 MiB); the first job on the image sets it" });

    public static readonly Opt<bool> Unlink = Declare<bool>(new() { Name = "unlink", Kind = OptionKind.Bool, Default = "0", Help = "Delete the job's regular files when the run ends (never a block device)" });

    public static readonly Opt<bool> ZeroBuffers = Declare<bool>(new() { Name = "zero_buffers", Kind = OptionKind.Flag, Default = "0", Help = "Fill write buffers with zeros (default: random data)" });

    public static readonly Opt<bool> RefillBuffers = Declare<bool>(new() { Name = "refill_buffers", Kind = OptionKind.Flag, Default = "0", Help = "New random data for every write (default: filled once, then one word a 512-byte sector changed per write, as fio's scramble_buffers)" });

    public static readonly Opt<int> BufferCompressPercentage = Declare<int>(new() { Name = "buffer_compress_percentage", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 100, Help = "Make write data this compressible (zeros in each 512-byte chunk)" });

    public static readonly Opt<byte[]?> VerifyPattern = Declare<byte[]?>(new() { Name = "verify_pattern", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParsePattern(v), Help = "Pattern written and checked: 0x hex bytes or a \"string\" (verify=pattern; with a checksum, the payload)" });

    public static readonly Opt<bool> VerifyOnly = Declare<bool>(new() { Name = "verify_only", Kind = OptionKind.Flag, Default = "0", Help = "Write nothing: check the data an earlier run of the same job (same seed) wrote; a read-only job reads and checks every block" });

    public static readonly Opt<int> VerifyBacklog = Declare<int>(new() { Name = "verify_backlog", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "Read back and check written blocks after every N writes (0 = at the end)" });

    public static readonly Opt<bool> VerifyFatal = Declare<bool>(new() { Name = "verify_fatal", Kind = OptionKind.Bool, Default = "0", Help = "Stop the job at the first mismatch (default: check everything, report the first)" });

    public static readonly Opt<bool> Thread = Declare<bool>(new() { Name = "thread", Kind = OptionKind.Flag, Default = "0", Help = "Run jobs as threads (pinio always does)" });

    public static readonly Opt<VerifyKind> Verify = Declare<VerifyKind>(new()
    {
        Name = "verify", Kind = OptionKind.Choice, Default = "0", Help = "Checksum written blocks and check them when read back",
        Choices =
        [
            new("0", VerifyKind.None, "Don't verify"),
            new("none", VerifyKind.None, "Don't verify"),
            new("crc32c", VerifyKind.Crc32C, "CRC-32C of each block's payload, in a header with offset, seed and sequence"),
            new("crc32c-intel", VerifyKind.Crc32C, "Same as crc32c (hardware CRC-32C is used when the CPU has it)"),
            new("md5", VerifyKind.Md5, "MD5 of the payload, in the header"),
            new("sha256", VerifyKind.Sha256, "SHA-256 of the payload, in the header"),
            new("xxhash", VerifyKind.XxHash, "XXH64 of the payload, in the header"),
            new("pattern", VerifyKind.Pattern, "No header: every block holds verify_pattern, checked byte by byte"),
            new("crc64", VerifyKind.Crc64, "CRC-64 (ECMA-182) of the payload, in the header"),
            new("crc32", VerifyKind.Crc32, "CRC-32 (IEEE 802.3) of the payload, in the header"),
            new("crc16", VerifyKind.Crc16, "CRC-16 (IBM/ANSI, as Linux's crc16) of the payload, in the header"),
            new("crc7", VerifyKind.Crc7, "CRC-7 (as Linux's crc7, the MMC one) of the payload, in the header"),
            new("sha1", VerifyKind.Sha1, "SHA-1 of the payload, in the header"),
            new("sha512", VerifyKind.Sha512, "SHA-512 of the payload; the header keeps its first 32 bytes"),
            new("sha3-224", VerifyKind.Sha3_224, "SHA3-224 of the payload, in the header (needs OpenSSL's SHA-3)"),
            new("sha3-256", VerifyKind.Sha3_256, "SHA3-256 of the payload, in the header (needs OpenSSL's SHA-3)"),
            new("sha3-384", VerifyKind.Sha3_384, "SHA3-384 of the payload; the header keeps its first 32 bytes (needs OpenSSL's SHA-3)"),
            new("sha3-512", VerifyKind.Sha3_512, "SHA3-512 of the payload; the header keeps its first 32 bytes (needs OpenSSL's SHA-3)"),
            new("meta", VerifyKind.Meta, "Header only: the block's offset, seed, sequence and write time checked, the payload not hashed (fio's deprecated meta)"),
        ],
    });

    public static readonly Opt<bool> DoVerify = Declare<bool>(new() { Name = "do_verify", Kind = OptionKind.Bool, Default = "1", Help = "Read back and check what a write phase wrote" });

    public static readonly Opt<ulong> RandSeed = Declare<ulong>(new() { Name = "randseed", Kind = OptionKind.Int, Default = "0x89", Min = 0, Help = "Seed of the random generators" });

    public static readonly Opt<bool> RandRepeat = Declare<bool>(new() { Name = "randrepeat", Kind = OptionKind.Bool, Default = "1", Help = "Random sequences repeat from run to run (seeded by randseed)" });

    public static readonly Opt<bool> NoRandomMap = Declare<bool>(new() { Name = "norandommap", Kind = OptionKind.Flag, Default = "0", Help = "Don't track visited blocks: random offsets may repeat within a pass" });

    public static readonly Opt<double[]> PercentileList = Declare<double[]>(new() { Name = "percentile_list", Kind = OptionKind.PercentList, Default = "1:5:10:20:30:40:50:60:70:80:90:95:99:99.5:99.9:99.95:99.99", Help = "Completion-latency percentiles to report" });

    public static readonly Opt<bool> GroupReporting = Declare<bool>(new() { Name = "group_reporting", Kind = OptionKind.Flag, Default = "0", Help = "Report each group of jobs as one block (io summed, latency histograms merged)" });

    public static readonly Opt<bool> ClatPercentiles = Declare<bool>(new() { Name = "clat_percentiles", Kind = OptionKind.Bool, Default = "1", Help = "Report completion-latency percentiles" });

    public static readonly Opt<bool> LatPercentiles = Declare<bool>(new() { Name = "lat_percentiles", Kind = OptionKind.Bool, Default = "0", Help = "Report total-latency (submission + completion) percentiles" });

    // Where jobs run, when they stop each other, and what they measure (fio's cpus_allowed, exitall, gtod_reduce).
    public static readonly Opt<CpuSet?> CpusAllowed = Declare<CpuSet?>(new() { Name = "cpus_allowed", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseCpuList(v), Help = "CPUs the job's thread may run on: a list with ranges (cpus_allowed=0-3,6)" });

    public static readonly Opt<CpuSet?> CpuMask = Declare<CpuSet?>(new() { Name = "cpumask", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseCpuMask(v), Help = "CPUs the job's thread may run on, as a bit mask (cpumask=0x5: CPUs 0 and 2)" });

    public static readonly Opt<CpusAllowedPolicy> CpusAllowedPolicy = Declare<CpusAllowedPolicy>(new()
    {
        Name = "cpus_allowed_policy", Kind = OptionKind.Choice, Default = "shared", Help = "How the jobs share the CPUs of cpus_allowed or cpumask",
        Choices =
        [
            new("shared", Options.CpusAllowedPolicy.Shared, "Every job may run on all the CPUs of the set"),
            new("split", Options.CpusAllowedPolicy.Split, "Job N (its thread number less 1, all jobs counted) runs on the set's N-th CPU, round robin"),
        ],
    });

    public static readonly Opt<bool> ExitAll = Declare<bool>(new() { Name = "exitall", Kind = OptionKind.Flag, Default = "0", Help = "When this job ends, stop the other jobs of its group (they report what they did until then)" });

    public static readonly Opt<bool> ExitAllOnError = Declare<bool>(new() { Name = "exitall_on_error", Kind = OptionKind.Flag, Default = "0", Help = "When this job ends with an error, stop every job of the run" });

    public static readonly Opt<bool> GtodReduce = Declare<bool>(new() { Name = "gtod_reduce", Kind = OptionKind.Bool, Default = "0", Help = "Measure no latency and no bandwidth samples (disable_lat, disable_clat, disable_slat and disable_bw_measurement at once); IOPS and bandwidth totals stay" });

    public static readonly Opt<bool> DisableLat = Declare<bool>(new() { Name = "disable_lat", Kind = OptionKind.Bool, Default = "0", Help = "Don't measure total latency (no lat line)" });

    public static readonly Opt<bool> DisableClat = Declare<bool>(new() { Name = "disable_clat", Kind = OptionKind.Bool, Default = "0", Help = "Don't measure completion latency (no clat line, no clat percentiles, no latency decades)" });

    public static readonly Opt<bool> DisableSlat = Declare<bool>(new() { Name = "disable_slat", Kind = OptionKind.Bool, Default = "0", Help = "Don't measure submission latency (no slat line)" });

    public static readonly Opt<bool> DisableBwMeasurement = Declare<bool>(new() { Name = "disable_bw_measurement", Aliases = ["disable_bw"], Kind = OptionKind.Bool, Default = "0", Help = "Don't take bandwidth and IOPS samples (no bw and iops lines)" });

    // Logs of the run as fio writes them (see Logs/LogPlan.cs for the file names).
    public static readonly Opt<string?> WriteLatLog = Declare<string?>(new()
    {
        Name = "write_lat_log", Kind = OptionKind.Text, OmittedValue = "",
        Help = "Log each I/O's latencies in ns to PREFIX_lat.N.log (total), PREFIX_clat.N.log and PREFIX_slat.N.log, N the job's number (without a PREFIX, the job's name)",
    });

    public static readonly Opt<string?> WriteBwLog = Declare<string?>(new() { Name = "write_bw_log", Kind = OptionKind.Text, OmittedValue = "", Help = "Log bandwidth in KiB/s to PREFIX_bw.N.log, per I/O or per log_avg_msec window (without a PREFIX, the job's name)" });

    public static readonly Opt<string?> WriteIopsLog = Declare<string?>(new() { Name = "write_iops_log", Kind = OptionKind.Text, OmittedValue = "", Help = "Log IOPS to PREFIX_iops.N.log: 1 per I/O, or the rate of each log_avg_msec window (without a PREFIX, the job's name)" });

    public static readonly Opt<int> LogAvgMsec = Declare<int>(new() { Name = "log_avg_msec", Kind = OptionKind.Int, Default = "0", Min = 0, Max = int.MaxValue, Help = "Write one log line per direction for each window of this many ms, of the window's mean (0 = a line per I/O)" });

    public static readonly Opt<int> LogMaxValue = Declare<int>(new() { Name = "log_max_value", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 2, Help = "With log_avg_msec, log each window's mean (0), its maximum (1), or both (2: the maximum in a column after the mean)" });

    public static readonly Opt<bool> LogOffset = Declare<bool>(new() { Name = "log_offset", Kind = OptionKind.Bool, Default = "0", Help = "Add each I/O's byte offset to its log line" });

    public static readonly Opt<bool> PerJobLogs = Declare<bool>(new() { Name = "per_job_logs", Kind = OptionKind.Bool, Default = "1", Help = "Number log files by job; with 0 the jobs that share a PREFIX append to one PREFIX_lat.log (as fio, keeping what an earlier run wrote)" });

    /// <summary>Every option, in declaration order.</summary>
    public static IReadOnlyList<OptionDef> Declared => s_declared ?? [];

#pragma warning disable CA1810 // the pairing needs both fields, so it cannot be an initializer
    static Opt()
    {
        // fio's .inverse: setting one of the pair sets the other to its opposite.
        OptionDef.Pair(Direct, Buffered);
    }
#pragma warning restore CA1810

    private static Opt<T> Declare<T>(Opt<T> option)
    {
        (s_declared ??= []).Add(option);
        return option;
    }
}
