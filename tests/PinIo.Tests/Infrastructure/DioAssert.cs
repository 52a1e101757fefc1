using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>Byte-by-byte comparisons that name the first differing index (as kunit_iov_iter.c's "at i=%x").</summary>
internal static class DioAssert
{
    public static void SameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} bytes, got {actual.Length}");
        int same = expected.CommonPrefixLength(actual);
        if (same != expected.Length)
        {
            Assert.Fail($"{what}: first difference at index {same} (0x{same:x}): expected 0x{expected[same]:x2}, got 0x{actual[same]:x2}");
        }
    }
}
