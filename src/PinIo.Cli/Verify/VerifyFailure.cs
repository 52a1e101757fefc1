using System.Globalization;

namespace PinIo.Cli.Verify;

/// <summary>
/// A block that did not read back as written: where, which check failed, and the expected and
/// actual values, so that a person can tell a flipped bit from a misplaced or stale block.
/// <see cref="Source"/> is the checksum whose check failed (fio's "crc32c: verify failed at
/// file F offset N"), else "verify" or "pattern"; <see cref="File"/> the target, once known.
/// </summary>
internal sealed record VerifyFailure(long Offset, int Length, string Check, string Expected, string Actual, string? Detail = null)
{
    public string Source { get; init; } = "verify";

    public string? File { get; init; }

    public string Message => string.Create(CultureInfo.InvariantCulture,
        $"{Source}: verify failed at {(File is null ? "" : $"file {File} ")}offset {Offset}, length {Length}: {Check}: expected {Expected}, actual {Actual}{(Detail is null ? "" : $" ({Detail})")}");
}
