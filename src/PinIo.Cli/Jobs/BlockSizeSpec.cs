using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// How one direction of a job picks the size of each I/O: a fixed size (<c>Min == Max</c>),
/// a uniform draw between <see cref="Min"/> and <see cref="Max"/> in multiples of
/// <see cref="Min"/> (bsrange), or a weighted choice (bssplit).
/// </summary>
internal sealed record BlockSizeSpec(int Min, int Max, BsSplitEntry[]? Split)
{
    public bool IsFixed => Split is null && Min == Max;

    public static BlockSizeSpec FromSplit(BsSplitEntry[] entries)
    {
        int min = int.MaxValue;
        int max = 0;
        foreach (BsSplitEntry entry in entries)
        {
            min = Math.Min(min, entry.Size);
            max = Math.Max(max, entry.Size);
        }
        return new BlockSizeSpec(min, max, entries);
    }

    /// <summary>Every size the spec can produce that has to fit the target (for checks).</summary>
    public IEnumerable<int> Sizes()
    {
        if (Split is not null)
        {
            foreach (BsSplitEntry entry in Split)
            {
                yield return entry.Size;
            }
            yield break;
        }
        yield return Min;
        yield return Max;
    }

    /// <summary>fio's job-header form: 4096B-4096B.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Min}B-{Max}B");
}
