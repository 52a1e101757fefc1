// Follows fio's verify.c (verify_save_state, verify_load_state, struct verify_state_hdr) in purpose; pinio's own format.
using System.Buffers.Binary;
using System.Globalization;

namespace PinIo.Cli.Verify;

/// <summary>
/// verify_state_save / verify_state_load: the writes a job made (its <see cref="BlockLog"/>),
/// saved when it ends so that a later verify_only run checks exactly those. fio's file name,
/// <c>local-NAME-N-verify.state</c> in the current directory; pinio's own contents,
/// little-endian:
/// <code>
///  0 8 bytes "pinvst01"     8 u64 seed of the job     16 u32 grain (bytes)   20 u32 zero
/// 24 u64 region offset     32 u64 region grains      40 u64 number of writes W
/// 48 W x 24 bytes: u64 first grain, u32 grains, u32 length in bytes, u64 sequence
/// 48 + 24W: u32 crc32c of every byte before it
/// </code>
/// A file that is not one, is torn or corrupted (its crc), or was saved by a job with another
/// seed, block grain or region is refused by name.
/// </summary>
internal static class VerifyState
{
    private const int HeaderBytes = 48;
    private const int RecordBytes = 24;
    private static ReadOnlySpan<byte> Magic => "pinvst01"u8;

    /// <summary>fio's state file name for job <paramref name="name"/> with thread index <paramref name="index"/> (from 0).</summary>
    public static string PathOf(string name, int index) => string.Create(CultureInfo.InvariantCulture, $"local-{name}-{index}-verify.state");

    public static void Save(string path, ulong seed, int grain, long regionOffset, BlockLog log)
    {
        var writes = new List<(long First, int Count, int Length, long Sequence)>();
        for (long g = 0; g < log.Grains; g++)
        {
            if (log.TryGetWrite(g, out long sequence, out int length, out int count))
            {
                writes.Add((g, count, length, sequence));
                g += count - 1;
            }
        }
        byte[] bytes = new byte[HeaderBytes + (writes.Count * RecordBytes) + 4];
        Span<byte> s = bytes;
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], seed);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)grain);
        BinaryPrimitives.WriteInt64LittleEndian(s[24..], regionOffset);
        BinaryPrimitives.WriteInt64LittleEndian(s[32..], log.Grains);
        BinaryPrimitives.WriteInt64LittleEndian(s[40..], writes.Count);
        int at = HeaderBytes;
        foreach ((long first, int count, int length, long sequence) in writes)
        {
            BinaryPrimitives.WriteInt64LittleEndian(s[at..], first);
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 8)..], count);
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 12)..], length);
            BinaryPrimitives.WriteInt64LittleEndian(s[(at + 16)..], sequence);
            at += RecordBytes;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(s[at..], PinIo.Crc32C.Compute(s[..at]));
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DirectIoException(Errno.EIO, $"verify_state_save: cannot write {path}: {e.Message}", e);
        }
    }

    /// <summary>Logs in <paramref name="log"/> the writes of the state file at <paramref name="path"/>; throws, naming the file and what is wrong, when it is not the state of this job.</summary>
    public static void Load(string path, ulong seed, int grain, long regionOffset, BlockLog log)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DirectIoException(Errno.ENOENT, $"verify_state_load: cannot read {path} ({e.Message}): run the writing job with verify_state_save=1 first, in this directory", e);
        }
        ReadOnlySpan<byte> s = bytes;
        if (s.Length < HeaderBytes + 4 || !s[..8].SequenceEqual(Magic))
        {
            throw Corrupt(path, "not a pinio verify state file (no \"pinvst01\" at its start)");
        }
        long writes = BinaryPrimitives.ReadInt64LittleEndian(s[40..]);
        if (writes < 0 || writes > (s.Length - HeaderBytes - 4) / RecordBytes || s.Length != HeaderBytes + (writes * RecordBytes) + 4)
        {
            throw Corrupt(path, FormattableString.Invariant($"{s.Length} bytes, which does not hold its {writes} writes: a torn or truncated file"));
        }
        int end = s.Length - 4;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(s[end..]);
        uint computed = PinIo.Crc32C.Compute(s[..end]);
        if (stored != computed)
        {
            throw Corrupt(path, FormattableString.Invariant($"crc32c mismatch: stored 0x{stored:x}, computed 0x{computed:x}"));
        }
        ulong savedSeed = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
        uint savedGrain = BinaryPrimitives.ReadUInt32LittleEndian(s[16..]);
        long savedOffset = BinaryPrimitives.ReadInt64LittleEndian(s[24..]);
        long savedGrains = BinaryPrimitives.ReadInt64LittleEndian(s[32..]);
        if (savedSeed != seed || savedGrain != grain || savedOffset != regionOffset || savedGrains != log.Grains)
        {
            throw new DirectIoException(Errno.EINVAL, FormattableString.Invariant(
                $"verify_state_load: {path} was saved by a job with seed 0x{savedSeed:x}, {savedGrain}-byte grains, region {savedOffset}+{savedGrains * savedGrain}; this job has seed 0x{seed:x}, {grain}-byte grains, region {regionOffset}+{log.Grains * grain}: verify with the writing job's options (randseed, bs, offset, size)"));
        }
        for (int at = HeaderBytes; at < end; at += RecordBytes)
        {
            long first = BinaryPrimitives.ReadInt64LittleEndian(s[at..]);
            int count = BinaryPrimitives.ReadInt32LittleEndian(s[(at + 8)..]);
            int length = BinaryPrimitives.ReadInt32LittleEndian(s[(at + 12)..]);
            long sequence = BinaryPrimitives.ReadInt64LittleEndian(s[(at + 16)..]);
            if (first < 0 || count <= 0 || first + count > log.Grains || length <= 0 || length > (long)count * grain)
            {
                throw Corrupt(path, FormattableString.Invariant($"write {(at - HeaderBytes) / RecordBytes} (grain {first}, {count} grains, {length} bytes) lies outside the region"));
            }
            log.Record(first, count, length, sequence);
        }
    }

    private static DirectIoException Corrupt(string path, string what) =>
        new(Errno.EINVAL, $"verify_state_load: {path} is corrupted: {what}: run the writing job with verify_state_save=1 again");
}
