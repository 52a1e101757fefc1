using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Byte ranges in a 1 MiB buffer that start and end at odd offsets across page edges, as
/// lib/tests/kunit_iov_iter.c's kvec_test_ranges do.
/// </summary>
public static class KunitRanges
{
    public static TheoryData<int, int> All => new()
    {
        { 0x00002, 0x00002 },
        { 0x00027, 0x03000 },
        { 0x05193, 0x18794 },
        { 0x20000, 0x20000 },
        { 0x20000, 0x24000 },
        { 0x24000, 0x27001 },
        { 0x29000, 0xffffb },
        { 0xffffd, 0xfffff },
    };
}
