using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Content for buffers under test, as kunit_iov_iter.c's pattern(): every byte depends on its
/// index, and the high byte of the index is folded in so that data shifted by a whole page
/// (or by 256 bytes) does not compare equal. A seed tells two fills apart.
/// </summary>
internal static class TestPattern
{
    public static byte Pattern(long i, int seed = 0) =>
        (byte)((i & 0xff) ^ ((i >> 8) & 0xff) ^ ((i >> 16) & 0xff) ^ (seed * 0x5b) ^ 0xa5);

    public static void Fill(Span<byte> span, long start = 0, int seed = 0)
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = Pattern(start + i, seed);
        }
    }

    public static byte[] Make(int length, long start = 0, int seed = 0)
    {
        byte[] bytes = new byte[length];
        Fill(bytes, start, seed);
        return bytes;
    }

    /// <summary>Compares byte by byte and names the first differing index, as kunit's "at i=%x".</summary>
    public static void AssertBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what = "bytes")
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        int i = expected.CommonPrefixLength(actual);
        if (i != expected.Length)
        {
            Assert.Fail($"{what}: wrong byte at i=0x{i:x}: 0x{actual[i]:x2}, expected 0x{expected[i]:x2}");
        }
    }
}
