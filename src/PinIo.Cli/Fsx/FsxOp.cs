using System.Globalization;

namespace PinIo.Cli.Fsx;

internal enum FsxOpKind
{
    Read,
    Write,
    Truncate,
    Allocate,
    PunchHole,
    Flush,
    Remount,
    PowerCut,

    /// <summary>A read through the page cache at any byte offset and length.</summary>
    BufRead,

    /// <summary>A write into the page cache at any byte offset and length: durable at the next flush.</summary>
    BufWrite,

    /// <summary>A mapped range read: map the pages over [Offset, End), compare through the mapping, unmap.</summary>
    MapRead,

    /// <summary>A mapped range written: map, write [Offset, End) through the mapping, MarkDirty, unmap.</summary>
    MapWrite,
}

/// <summary>One operation: what, where (<see cref="Offset"/>; for a truncate the new length), how many bytes, and the file's length before it.</summary>
internal readonly record struct FsxOp(long Index, FsxOpKind Kind, long Offset, long Length, long SizeBefore)
{
    public long End => Offset + Length;

    public string Describe(long sizeAfter)
    {
        string what = Kind switch
        {
            FsxOpKind.Read or FsxOpKind.Write or FsxOpKind.Allocate or FsxOpKind.PunchHole
                or FsxOpKind.BufRead or FsxOpKind.BufWrite or FsxOpKind.MapRead or FsxOpKind.MapWrite =>
                $"0x{Offset:x} thru 0x{End - 1:x} (0x{Length:x} bytes)",
            FsxOpKind.Truncate => $"{(Offset < SizeBefore ? "down" : "up")} to 0x{Offset:x}",
            _ => "",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{Index,9} {Name(Kind),-9} {what,-44} size 0x{SizeBefore:x} -> 0x{sizeAfter:x}");
    }

    public static string Name(FsxOpKind kind) => kind switch
    {
        FsxOpKind.PunchHole => "punch",
        FsxOpKind.PowerCut => "powercut",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether the operation changed bytes at <paramref name="offset"/> (a truncate: the bytes it cut or exposed).</summary>
    public bool Touches(long offset) => Kind switch
    {
        FsxOpKind.Write or FsxOpKind.PunchHole or FsxOpKind.Allocate or FsxOpKind.BufWrite or FsxOpKind.MapWrite => offset >= Offset && offset < End,
        FsxOpKind.Truncate => offset >= Math.Min(Offset, SizeBefore),
        FsxOpKind.Remount or FsxOpKind.PowerCut => true,
        _ => false,
    };
}
