using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// What a file should hold: an in-memory copy that tests update after every acknowledged
/// write and compare every read against, byte for byte, naming the first file offset that
/// differs.
/// </summary>
internal sealed class FileModel(long size)
{
    private byte[] _bytes = new byte[size];

    public long Size { get; private set; } = size;

    public ReadOnlySpan<byte> Slice(long offset, int length) => _bytes.AsSpan(checked((int)offset), length);

    /// <summary>Records an acknowledged write; a write past the end extends the model (with zeroes in between).</summary>
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        long end = offset + data.Length;
        if (end > _bytes.Length)
        {
            Array.Resize(ref _bytes, checked((int)end));
        }
        Size = Math.Max(Size, end);
        data.CopyTo(_bytes.AsSpan(checked((int)offset)));
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/>, read at <paramref name="offset"/>, equals the
    /// model; the failure names the first differing file offset and both bytes.
    /// </summary>
    public void AssertRead(long offset, ReadOnlySpan<byte> actual, string what) =>
        AssertSame(Slice(offset, actual.Length), actual, offset, what);

    public static void AssertSame(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, long offset, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} bytes compared with {expected.Length} expected");
        int same = expected.CommonPrefixLength(actual);
        if (same < expected.Length)
        {
            Assert.Fail($"{what}: first difference at file offset {offset + same} (byte {same} of {expected.Length} read at {offset}): " +
                $"expected 0x{expected[same]:x2}, found 0x{actual[same]:x2}");
        }
    }
}

/// <summary>One random request of an integrity run; <see cref="Seed"/> makes a write's data.</summary>
internal readonly record struct FileOp(long Offset, int Length, bool Write, int Seed);

/// <summary>Batches of random requests over non-overlapping ranges, so a batch may run in any order.</summary>
internal static class FileWorkload
{
    /// <summary>
    /// Up to <paramref name="count"/> requests inside [0, <paramref name="size"/>): offsets and
    /// lengths are multiples of <paramref name="alignment"/>, lengths up to
    /// <paramref name="maxLength"/> (mostly small), and no two ranges overlap.
    /// </summary>
    public static List<FileOp> Batch(Random rng, long size, int alignment, int maxLength, int count)
    {
        var batch = new List<FileOp>(count);
        for (int attempt = 0; batch.Count < count && attempt < count * 8; attempt++)
        {
            int length = RandomLength(rng, alignment, maxLength);
            long offset = alignment * rng.NextInt64(0, ((size - length) / alignment) + 1);
            if (batch.TrueForAll(op => offset + length <= op.Offset || op.Offset + op.Length <= offset))
            {
                batch.Add(new FileOp(offset, length, rng.Next(2) == 0, rng.Next()));
            }
        }
        return batch;
    }

    /// <summary>A length that is a multiple of <paramref name="alignment"/>: half small, some up to the maximum.</summary>
    public static int RandomLength(Random rng, int alignment, int maxLength)
    {
        int maxUnits = Math.Max(1, maxLength / alignment);
        int cap = rng.Next(4) switch
        {
            0 or 1 => Math.Min(maxUnits, 16),
            2 => Math.Min(maxUnits, 128),
            _ => maxUnits,
        };
        return alignment * rng.Next(1, cap + 1);
    }

    /// <summary>Deterministic content for a write.</summary>
    public static byte[] Data(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
