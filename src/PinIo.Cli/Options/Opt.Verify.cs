namespace PinIo.Cli.Options;

/// <summary>Verification details, errors a job goes on past, filling a device, and the contents of write buffers (fio's verify.c, td_error.c, io_u.c and dedupe.c options).</summary>
internal static partial class Opt
{
    public static readonly Opt<long?> VerifyInterval = Declare<long?>(new() { Name = "verify_interval", Kind = OptionKind.Size, Min = 1, Help = "A verify header every N bytes of a block (default: one per block); every block size must be a multiple of N, N a multiple of 8 of at least 88" });

    public static readonly Opt<long> VerifyOffset = Declare<long>(new() { Name = "verify_offset", Kind = OptionKind.Size, Default = "0", Min = 0, Help = "Swap the verify header with the data this many bytes into each block (or verify_interval) before writing, back before checking; at least the header's 80 bytes, and the header must fit after it" });

    public static readonly Opt<bool> VerifyDump = Declare<bool>(new() { Name = "verify_dump", Kind = OptionKind.Bool, Default = "0", Help = "On a mismatch, write the block read and the block expected to FILE.OFFSET.received and FILE.OFFSET.expected in the current directory (FILE the target's base name)" });

    public static readonly Opt<int> VerifyAsync = Declare<int>(new() { Name = "verify_async", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 1024, Help = "Threads to verify on (accepted: pinio checks each read on the job thread as it completes)" });

    public static readonly Opt<bool> VerifyStateSave = Declare<bool>(new() { Name = "verify_state_save", Kind = OptionKind.Bool, Default = "0", Help = "At the end of a writing job with verify=, save the writes it made to local-NAME-N-verify.state in the current directory (N the job's index from 0, as fio), for verify_state_load (fio's default is 1; pinio writes the file only when asked)" });

    public static readonly Opt<bool> VerifyStateLoad = Declare<bool>(new() { Name = "verify_state_load", Kind = OptionKind.Bool, Default = "0", Help = "With verify_only: check exactly the writes in the state file verify_state_save wrote (else the writes are replayed from the seed)" });

    public static readonly Opt<bool> VerifyWriteSequence = Declare<bool>(new() { Name = "verify_write_sequence", Kind = OptionKind.Bool, Default = "1", Help = "Check that each block holds the last write to it (0: a block holding an older write of the job passes if its checksum holds)" });

    public static readonly Opt<bool> FillDevice = Declare<bool>(new() { Name = "fill_device", Aliases = ["fill_fs"], Kind = OptionKind.Bool, Default = "0", Help = "Write until the target is full: a block device or ram: to its end, a file until ENOSPC (size lifted; the ENOSPC ends the job without error)" });

    public static readonly Opt<bool> SerializeOverlap = Declare<bool>(new() { Name = "serialize_overlap", Kind = OptionKind.Bool, Default = "0", Help = "Hold an I/O back while one in flight overlaps it where it matters (a write waits for any I/O on its bytes, a read for the writes): the device may finish overlapping I/Os in any order. pinio always does so when it verifies or runs trimwrite" });

    public static readonly Opt<bool> CreateSerialize = Declare<bool>(new() { Name = "create_serialize", Kind = OptionKind.Bool, Default = "1", Help = "Lay out the jobs' files one after another (accepted: each pinio job lays its own file out before the run starts)" });

    public static readonly Opt<ErrorTypes> ContinueOnError = Declare<ErrorTypes>(new()
    {
        Name = "continue_on_error", Kind = OptionKind.Choice, Default = "none", Help = "Errors the job goes on past (EIO, EILSEQ, or ignore_error's), counted in total_err and first_error",
        Choices =
        [
            new("none", ErrorTypes.None, "Stop at any I/O or verify error"),
            new("read", ErrorTypes.Read, "Go on past read errors"),
            new("write", ErrorTypes.Write, "Go on past write errors"),
            new("io", ErrorTypes.Io, "Go on past read and write errors"),
            new("verify", ErrorTypes.Verify, "Go on past verify errors"),
            new("all", ErrorTypes.All, "Go on past every error"),
            new("0", ErrorTypes.None, "as none"),
            new("1", ErrorTypes.All, "as all"),
        ],
    });

    public static readonly Opt<IgnoredErrors?> IgnoreError = Declare<IgnoredErrors?>(new() { Name = "ignore_error", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseIgnoredErrors(v), Help = "READ,WRITE,VERIFY lists of errors to go on past, each colon-separated names or numbers (ignore_error=,ENOSPC:122); a list also continues on its kind" });

    public static readonly Opt<bool> ErrorDump = Declare<bool>(new() { Name = "error_dump", Kind = OptionKind.Bool, Default = "1", Help = "Print every error, also those the job goes on past (0: only the one that stops it)" });

    public static readonly Opt<byte[]?> BufferPattern = Declare<byte[]?>(new() { Name = "buffer_pattern", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParsePattern(v), Help = "Fill write buffers with this pattern, repeated: 0x hex bytes, \"strings\" and byte values in any order" });

    public static readonly Opt<bool> ScrambleBuffers = Declare<bool>(new() { Name = "scramble_buffers", Kind = OptionKind.Bool, Default = "1", Help = "Change one word of each 512-byte sector of a reused write buffer before each write, so that a deduplicating device sees new data (0: a buffer is written as filled)" });

    public static readonly Opt<long> BufferCompressChunk = Declare<long>(new() { Name = "buffer_compress_chunk", Kind = OptionKind.Size, Default = "512", Min = 0, Max = int.MaxValue, Help = "The run of random then fixed data that buffer_compress_percentage repeats through a buffer (0: the whole block)" });

    public static readonly Opt<int> DedupePercentage = Declare<int>(new() { Name = "dedupe_percentage", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 100, Help = "Make this percentage of written blocks copies of earlier ones (turns on refill_buffers for the rest)" });

    public static readonly Opt<DedupeMode> DedupeModeOption = Declare<DedupeMode>(new()
    {
        Name = "dedupe_mode", Kind = OptionKind.Choice, Default = "repeat", Help = "Which earlier block a duplicate copies",
        Choices =
        [
            new("repeat", DedupeMode.Repeat, "One of the job's earlier unique blocks"),
            new("working_set", DedupeMode.WorkingSet, "A block of a working set of dedupe_working_set_percentage of the region"),
        ],
    });

    public static readonly Opt<int> DedupeWorkingSetPercentage = Declare<int>(new() { Name = "dedupe_working_set_percentage", Kind = OptionKind.Int, Default = "5", Min = 0, Max = 100, Help = "dedupe_mode=working_set: the working set's size, a percentage of the job's size" });

    public static readonly Opt<bool> DedupeGlobal = Declare<bool>(new() { Name = "dedupe_global", Kind = OptionKind.Bool, Default = "0", Help = "Duplicates may copy blocks of the other jobs with dedupe_global too (every job's unique blocks come from one seed)" });
}

/// <summary>fio's dedupe_mode.</summary>
internal enum DedupeMode
{
    Repeat,
    WorkingSet,
}
