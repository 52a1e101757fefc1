namespace PinIo.Cli.Options;

/// <summary>A job's files: how many, how they are named, how the next I/O picks one, how they are created (fio's nrfiles, file_service_type, filename_format...).</summary>
internal static partial class Opt
{
    public static readonly Opt<int> NrFiles = Declare<int>(new() { Name = "nrfiles", Aliases = ["nr_files"], Kind = OptionKind.Int, Default = "1", Min = 1, Max = 1 << 20, Help = "Files of the job, each with its own region (size split over them unless filesize=), named by filename_format; a filename=a:b list sets them instead" });

    public static readonly Opt<FileServiceSpec> FileServiceType = Declare<FileServiceSpec>(new()
    {
        Name = "file_service_type", Kind = OptionKind.Custom, Default = "roundrobin", Parser = (_, v) => ValueParsers.ParseFileService(v),
        Help = "Which file the next I/O goes to: roundrobin (default), sequential (one file done, then the next), random, each with :N (N I/Os before switching); or zipf[:theta], pareto[:h], normal|gauss[:sigma] over the files",
    });

    public static readonly Opt<int?> OpenFiles = Declare<int?>(new() { Name = "openfiles", Kind = OptionKind.Int, Min = 1, Help = "Files open at once (default nrfiles); pinio opens them all when the job starts and says so when this is smaller" });

    public static readonly Opt<string?> FilenameFormat = Declare<string?>(new() { Name = "filename_format", Kind = OptionKind.Text, Help = "Names of generated files: $jobname, $jobnum (the clone), $filenum, $clientuid (empty: no client/server mode); default $jobname.$jobnum.$filenum, in directory=; directories in it are created" });

    public static readonly Opt<bool> UniqueFilename = Declare<bool>(new() { Name = "unique_filename", Kind = OptionKind.Bool, Default = "1", Help = "fio prefixes generated names with the client's address in client/server mode; pinio has no such mode, so names are never prefixed" });

    public static readonly Opt<bool> CreateOnOpen = Declare<bool>(new() { Name = "create_on_open", Kind = OptionKind.Bool, Default = "0", Help = "Create missing files when they are opened for I/O, without laying them out first (pinio opens them as the job starts)" });

    public static readonly Opt<bool> AllowFileCreate = Declare<bool>(new() { Name = "allow_file_create", Kind = OptionKind.Bool, Default = "1", Help = "0: a missing file is an error instead of being created" });

    public static readonly Opt<Linux.PathStatKind> StatType = Declare<Linux.PathStatKind>(new()
    {
        Name = "stat_type", Kind = OptionKind.Choice, Default = "stat", Help = "ioengine=filestat/dirstat: the lookup each file's I/O times",
        Choices =
        [
            new("stat", Linux.PathStatKind.Stat, "stat(2)"),
            new("lstat", Linux.PathStatKind.Lstat, "lstat(2): a symbolic link itself"),
            new("statx", Linux.PathStatKind.Statx, "statx(2)"),
        ],
    });
}
