using System.Globalization;

namespace PinIo.Cli.Verify;

/// <summary>
/// A block that did not read back as written: where, which check failed, and the expected and
/// actual values, so that a person can tell a flipped bit from a misplaced or stale block.
/// </summary>
internal sealed record VerifyFailure(long Offset, int Length, string Check, string Expected, string Actual, string? Detail = null)
{
    public string Message => string.Create(CultureInfo.InvariantCulture,
        $"verify: {Check} at offset {Offset}, length {Length}: expected {Expected}, actual {Actual}{(Detail is null ? "" : $" ({Detail})")}");
}
