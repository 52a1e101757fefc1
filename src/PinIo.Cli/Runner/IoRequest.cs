using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>The phases a job's I/O loop runs: laying out the region, the main I/O, the read-back of what was written.</summary>
internal enum Phase
{
    Layout,
    Main,
    Verify,
}

/// <summary>
/// One I/O to issue: direction, bytes from the region's start, length, and the write sequence a
/// read must find (<see cref="Verify.BlockLog.NeverWritten"/>: unchecked).
/// </summary>
internal readonly record struct IoRequest(IoDir Dir, long Offset, int Length, long Expected, bool CountsToBudget)
{
    public bool Write => Dir == IoDir.Write;
}
