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
}

/// <summary>One operation: what, where (<see cref="Offset"/>; for a truncate the new length), how many bytes, and the file's length before it.</summary>
internal readonly record struct FsxOp(long Index, FsxOpKind Kind, long Offset, long Length, long SizeBefore)
{
    public long End => Offset + Length;

    public string Describe(long sizeAfter)
    {
        string what = Kind switch
        {
            FsxOpKind.Read or FsxOpKind.Write or FsxOpKind.Allocate or FsxOpKind.PunchHole =>
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
        FsxOpKind.Write or FsxOpKind.PunchHole or FsxOpKind.Allocate => offset >= Offset && offset < End,
        FsxOpKind.Truncate => offset >= Math.Min(Offset, SizeBefore),
        FsxOpKind.Remount or FsxOpKind.PowerCut => true,
        _ => false,
    };
}
