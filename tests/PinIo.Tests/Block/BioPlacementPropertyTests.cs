using CsCheck;
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>
/// The vecs a bio builds over one range of memory, for any start within a page, any length and
/// any MaxSegmentSize: the range cut into page pieces, packed in order into vecs of at most
/// MaxSegmentSize (a piece joins the vec before it when it fits). The contiguous placement
/// works the packing out rather than walking it page by page; the model walks it.
/// </summary>
public sealed class BioPlacementPropertyTests : PinBalancedTest
{
    private const int MaxPages = 48;

    [Fact]
    public void OneRangeOfMemoryBecomesPagePiecesPackedIntoSegments()
    {
        Memory<byte> buffer = BlockMemory.Aligned((MaxPages + 1) * PageSize.Bytes);
        Gen.Select(Gen.Int[0, 7], Gen.Int[1, MaxPages * 8], Gen.Int[8, 128]).Sample((startSectors, lengthSectors, segmentSectors) =>
        {
            int start = startSectors * 512;
            int length = lengthSectors * 512;
            var limits = new QueueLimits { MaxSegmentSize = segmentSectors * 512, MaxSegments = 256 };
            Memory<byte> range = buffer.Slice(start, length);
            var bio = new Bio(BioOp.Read, 0, limits);
            try
            {
                Assert.Equal(length, bio.AddPagesFrom(IovIter.User(IterDirection.Dest, range)));
                List<(nint Address, int Length)> expected = Packed(BlockMemory.AddressOf(range), length, limits.MaxSegmentSize);
                Assert.Equal(expected, [.. bio.Vecs.Select(v => (v.Address, v.Length))]);
                Assert.Equal(length, bio.Size);
            }
            finally
            {
                bio.ReleasePages(markDirty: false);
            }
        }, iter: 300);
    }

    internal static List<(nint Address, int Length)> Packed(nint address, int length, int maxSegment)
    {
        var vecs = new List<(nint Address, int Length)>();
        nint at = address;
        nint end = address + length;
        while (at < end)
        {
            int piece = (int)Math.Min(end - at, PageSize.Bytes - PageSize.OffsetIn(at));
            if (vecs.Count > 0 && vecs[^1].Length + piece <= maxSegment)
            {
                vecs[^1] = (vecs[^1].Address, vecs[^1].Length + piece);
            }
            else
            {
                vecs.Add((at, piece));
            }
            at += piece;
        }
        return vecs;
    }
}
