// Follows fio's verify.c (dump_buf, __dump_verify_buffers) in meaning: the same file names.
using System.Buffers.Binary;
using System.Globalization;
using PinIo.Cli.Options;

namespace PinIo.Cli.Verify;

/// <summary>
/// verify_dump: a block that failed its check is written out twice, as read and as it should
/// have been, to <c>FILE.OFFSET.received</c> and <c>FILE.OFFSET.expected</c> in the current
/// directory (FILE the target's base name, OFFSET the headed piece's byte offset), as fio
/// names them, so that the two can be compared (<c>cmp -l</c>). A dump that cannot be written
/// is said on stderr and does not fail the job.
/// </summary>
internal static class VerifyDump
{
    /// <summary>Dumps <paramref name="received"/> and its expected bytes; an unknown seed and sequence (a block checked against its own header) are taken from the header read.</summary>
    public static void Write(VerifyFailure failure, ReadOnlySpan<byte> received, ulong? seed, long? sequence, VerifyKind kind, ReadOnlySpan<byte> pattern)
    {
        byte[] expected = new byte[received.Length];
        if (kind == VerifyKind.Pattern)
        {
            VerifyHeader.WritePattern(expected, pattern);
        }
        else if (received.Length >= VerifyHeader.Size + 8)
        {
            ulong writtenSeed = seed ?? BinaryPrimitives.ReadUInt64LittleEndian(received[24..]);
            long writtenSequence = sequence ?? BinaryPrimitives.ReadInt64LittleEndian(received[32..]);
            VerifyHeader.Write(expected, failure.Offset, writtenSeed, writtenSequence, kind, pattern);
        }
        string stem = Path.GetFileName(failure.File ?? "pinio") + "." + failure.Offset.ToString(CultureInfo.InvariantCulture);
        Save(stem + ".received", received);
        Save(stem + ".expected", expected);
    }

    private static void Save(string name, ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var file = new FileStream(name, FileMode.Create, FileAccess.Write);
            file.Write(bytes);
            Console.Error.WriteLine($"       {name[(name.LastIndexOf('.') + 1)..]} data dumped as {name}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"pinio: verify_dump: cannot write {name}: {e.Message}");
        }
    }
}
