// Follows fio's options.c (the zone options, offset_increment, offset_align) in meaning.
namespace PinIo.Cli.Options;

/// <summary>fio's zonemode=.</summary>
internal enum ZoneMode
{
    /// <summary>No zones (fio's default; with zonesize= alone fio takes strided).</summary>
    None,

    /// <summary>zonesize bytes of I/O in a zone of zonerange bytes, then zoneskip bytes skipped.</summary>
    Strided,

    /// <summary>A zoned block device: sequential write pointers per zone (emulated on a regular file or device).</summary>
    Zbd,
}

internal static partial class Opt
{
    public static readonly Opt<ZoneMode> ZoneModeOption = Declare<ZoneMode>(new()
    {
        Name = "zonemode", Kind = OptionKind.Choice, Default = "none", Help = "How the region is divided in zones (zonesize= alone means strided, as in fio)",
        Choices =
        [
            new("none", ZoneMode.None, "No zones"),
            new("strided", ZoneMode.Strided, "zonesize bytes of I/O in each zone of zonerange bytes, then zoneskip bytes skipped; past the target's end, back to offset"),
            new("zbd", ZoneMode.Zbd, "Zoned block device, emulated on a regular file or device (zones of zonesize, empty at the start of the run): writes go to a zone's write pointer, reads stop at it (read_beyond_wp), a zone reset discards the zone"),
        ],
    });

    public static readonly Opt<long> ZoneSize = Declare<long>(new() { Name = "zonesize", Kind = OptionKind.Size, Default = "0", Min = 0, Help = "strided: bytes of I/O in a zone before moving to the next; zbd: the size of a zone. Sizes written with a z suffix (size=8z) count zones of this size" });

    public static readonly Opt<long> ZoneRange = Declare<long>(new() { Name = "zonerange", Kind = OptionKind.Size, Default = "0", Min = 0, Help = "strided: the size of a zone (default: zonesize); ignored by zbd" });

    public static readonly Opt<long> ZoneSkip = Declare<long>(new() { Name = "zoneskip", Kind = OptionKind.Size, Default = "0", Min = 0, Help = "strided: bytes skipped after each zone (a z suffix counts zones)" });

    public static readonly Opt<long> ZoneCapacity = Declare<long>(new() { Name = "zonecapacity", Kind = OptionKind.Size, Default = "0", Min = 0, Help = "zbd: the writable bytes at the start of each zone (default: zonesize)" });

    public static readonly Opt<bool> ReadBeyondWp = Declare<bool>(new() { Name = "read_beyond_wp", Kind = OptionKind.Bool, Default = "0", Help = "zbd: let reads go past a zone's write pointer (by default they stop at it and move to zones holding data; finding none, a size-bound job ends and a time-based one tries again)" });

    public static readonly Opt<int> MaxOpenZones = Declare<int>(new() { Name = "max_open_zones", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 4096, Help = "zbd: zones all jobs on the target may write at once (0 = no limit; an emulated device has no limit of its own)" });

    public static readonly Opt<int> JobMaxOpenZones = Declare<int>(new() { Name = "job_max_open_zones", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 4096, Help = "zbd: zones this job may write at once (0 = no limit); needs max_open_zones" });

    public static readonly Opt<bool> IgnoreZoneLimits = Declare<bool>(new() { Name = "ignore_zone_limits", Kind = OptionKind.Bool, Default = "0", Help = "zbd: ignore the device's open-zone limit (an emulated device has none: accepted, changes nothing)" });

    public static readonly Opt<double> ZoneResetThreshold = Declare<double>(new() { Name = "zone_reset_threshold", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseFraction(v), Help = "zbd: share (0-1) of the job's range holding written data above which zones are reset every 1/zone_reset_frequency writes" });

    public static readonly Opt<double> ZoneResetFrequency = Declare<double>(new() { Name = "zone_reset_frequency", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseFraction(v), Help = "zbd: with zone_reset_threshold, reset the written zone once per 1/this writes (0 = never)" });

    public static readonly Opt<SizeOrPercent> OffsetIncrement = Declare<SizeOrPercent>(new() { Name = "offset_increment", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseSizeOrPercent(v, 0), Help = "Clone N of numjobs starts at offset + N x this (bytes, a percentage of the target, or zones with z)" });

    public static readonly Opt<long> OffsetAlign = Declare<long>(new() { Name = "offset_align", Kind = OptionKind.Size, Default = "0", Min = 0, Help = "Alignment (upwards) of an offset given as a percentage, offset_increment's included (0 = the smallest block size)" });
}
