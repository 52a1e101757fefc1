using System.Text;
using PinIo.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Linux;

public sealed class ProcVmstatTests(ITestOutputHelper output)
{
    [Fact]
    public void TryRead_FindsBothCountersOnThisKernel()
    {
        Assert.True(ProcVmstat.TryRead(out long acquired, out long released));

        Assert.True(acquired >= 0);
        Assert.True(released >= 0);
    }

    [Fact]
    public void TryRead_MissingFile_ReturnsFalse()
    {
        Assert.False(ProcVmstat.TryRead("/nonexistent/vmstat", out _, out _));
    }

    [Fact]
    public void TryParse_ReadsValuesOnlyAtTheStartOfALine()
    {
        byte[] text = Encoding.ASCII.GetBytes(
            "nr_free_pages 10\nxnr_foll_pin_acquired 999\nnr_foll_pin_acquired 1234\nnr_foll_pin_released 1200\npgfault 5\n");

        Assert.True(ProcVmstat.TryParse(text, out long acquired, out long released));

        Assert.Equal(1234, acquired);
        Assert.Equal(1200, released);
    }

    [Theory]
    [InlineData("nr_free_pages 10\n")]
    [InlineData("nr_foll_pin_acquired 5\n")]
    [InlineData("nr_foll_pin_released 5\n")]
    [InlineData("")]
    public void TryParse_WithoutBothLines_ReturnsFalse(string content)
    {
        Assert.False(ProcVmstat.TryParse(Encoding.ASCII.GetBytes(content), out _, out _));
    }

    [Fact]
    public void ODirectPread_From64KiBOfOrdinaryMemory_PinsAboutOnePagePer4KiB()
    {
        const int Reads = 16;
        const int PagesPerRead = 65536 / 4096;
        using var dir = new TempDirectory(); // the root fs: tmpfs O_DIRECT copies and pins nothing
        using FileDescriptor fd = FileDescriptor.Open(dir.File("pins.bin"), Interop.O_RDWR | Interop.O_CREAT | Interop.O_DIRECT);
        using var buffer = new AlignedBuffer(65536);
        Assert.Equal(65536, Interop.Pwritev2(fd, [buffer.AsIoVec()], 0, 0));

        // The kernel folds per-CPU counter deltas only past a threshold, so one 16-page read
        // may not show at all: measure over several reads, and retry against unlucky folding.
        long perRead = 0;
        for (int attempt = 0; attempt < 5 && perRead < PagesPerRead / 2; attempt++)
        {
            Assert.True(ProcVmstat.TryRead(out long before, out _));
            for (int i = 0; i < Reads; i++)
            {
                Assert.Equal(65536, Interop.Preadv2(fd, [buffer.AsIoVec()], 0, 0));
            }

            Assert.True(ProcVmstat.TryRead(out long after, out _));
            perRead = (after - before) / Reads;
            output.WriteLine($"attempt {attempt}: nr_foll_pin_acquired +{after - before} over {Reads} reads");
        }

        Assert.True(perRead >= PagesPerRead / 2, $"expected about {PagesPerRead} pins per 64 KiB read, saw {perRead}");
    }
}
