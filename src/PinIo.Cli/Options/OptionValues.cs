namespace PinIo.Cli.Options;

/// <summary>A value fio gives per data direction (bs=4k,64k: reads, then writes; trims are not run by pinio).</summary>
internal readonly record struct PerDir<T>(T Read, T Write)
{
    public T this[bool write] => write ? Write : Read;
}

/// <summary>rw= with its optional <c>:N</c> modifier: the bytes skipped after each sequential I/O (rw=read:4k), or the I/Os issued in sequence before a new random offset (rw=randread:8).</summary>
internal readonly record struct RwSpec(RwMode Mode, long Modifier);

/// <summary>One entry of bssplit=: a block size and the percentage of I/Os that use it.</summary>
internal readonly record struct BsSplitEntry(int Size, int Percent);

/// <summary>Minimum and maximum of bsrange= for one direction.</summary>
internal readonly record struct BsRange(int Min, int Max);

/// <summary>fio's random_distribution= kinds that pinio implements.</summary>
internal enum DistributionKind
{
    /// <summary>Uniform (fio's default), through the random map unless norandommap.</summary>
    Random,
    Zipf,
    Pareto,

    /// <summary>normal:σ, fio's gauss: σ is the deviation as a percentage of the region.</summary>
    Normal,

    /// <summary>zoned:A/S:…: A percent of the I/O lands, uniformly, in the next S percent of the region.</summary>
    Zoned,

    /// <summary>zoned_abs:A/SIZE:…: as zoned, with each zone's span in bytes.</summary>
    ZonedAbs,
}

/// <summary>One zone of a zoned distribution: its share of the I/O (percent) and its span (percent of the region, or bytes for zoned_abs; 0 for the last: the rest).</summary>
internal readonly record struct AccessZone(double AccessPercent, double Span);

/// <summary>random_distribution= parsed: the kind, its parameter (θ, h or σ%) and the center (0 to 1) of the hot spot.</summary>
internal readonly record struct Distribution(DistributionKind Kind, double Parameter, double Center)
{
    public static Distribution Uniform { get; } = new(DistributionKind.Random, 0, 0);

    /// <summary>The zones of a zoned or zoned_abs distribution, in region order; empty otherwise.</summary>
    public IReadOnlyList<AccessZone> Zones { get; init; } = [];

    /// <summary>What the option said, for the report's job options.</summary>
    public string? Text { get; init; }

    public override string ToString() => Text ?? Kind switch
    {
        DistributionKind.Random => "random",
        DistributionKind.Zipf => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"zipf:{Parameter}"),
        DistributionKind.Pareto => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"pareto:{Parameter}"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"normal:{Parameter}"),
    };
}

/// <summary>size= or offset=: bytes, or a percentage of the target (size=50%).</summary>
internal readonly record struct SizeOrPercent(long Bytes, double Percent)
{
    public bool IsPercent => Percent > 0;

    /// <summary>The bytes this stands for on a target of <paramref name="capacity"/> bytes, rounded down to <paramref name="alignment"/>.</summary>
    public long Resolve(long capacity, long alignment) =>
        IsPercent ? (long)(capacity * (Percent / 100.0)) / alignment * alignment : Bytes;
}
