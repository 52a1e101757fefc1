using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>
/// pinio peak's loop (<see cref="PeakLoop"/>): on a temp file holding <see cref="PeakPattern"/>
/// every read brings the right bytes from the right offset with each trick on or off and on
/// several threads; the check fails on a file that does not hold the pattern; the loop thread
/// allocates nothing once warm; the kernel pins a page per read without fixed buffers; bad
/// settings are refused with named errors. No timing is asserted (bench/peak.sh measures).
/// </summary>
public sealed class PeakLoopTests : PinBalancedTest
{
    private const int FileBytes = 4 << 20;

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(true, true, false, 1)]
    [InlineData(false, true, false, 1)]
    [InlineData(true, false, false, 1)]
    [InlineData(false, false, false, 2)]
    [InlineData(true, true, true, 1)]
    public void Verify_EveryReadHoldsThePatternOfItsOffset(bool fixedBuffers, bool registeredFile, bool submissionPolling, int threads)
    {
        string path = PatternFile(shift: 0);
        PeakOptions options = Options() with
        {
            FixedBuffers = fixedBuffers,
            RegisteredFile = registeredFile,
            SubmissionPolling = submissionPolling,
            Threads = threads,
            Verify = true,
        };

        PeakResult result = PeakLoop.Run(path, options);

        Assert.Equal(options.IosPerThread * threads, result.Ios);
        Assert.All(result.Threads, t => Assert.Equal(options.IosPerThread, t.Ios));
    }

    /// <summary>NO_SQARRAY is taken where the kernel has it (Linux 6.6) and left off when asked; the reads are right either way.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NoSqArray_IsTakenOrLeft_AsAsked(bool noSqArray)
    {
        string path = PatternFile(shift: 0);

        PeakResult result = PeakLoop.Run(path, Options() with { NoSqArray = noSqArray, Verify = true });

        Assert.Equal(Options().IosPerThread, result.Ios);
        bool kernelHasIt = Environment.OSVersion.Version >= new Version(6, 6);
        Assert.Equal(noSqArray && kernelHasIt, (result.SetupFlags & PinIo.Linux.Interop.IORING_SETUP_NO_SQARRAY) != 0);
        Assert.NotEqual(0u, result.SetupFlags & PinIo.Linux.Interop.IORING_SETUP_DEFER_TASKRUN);
    }

    [Fact]
    public void Verify_FailsOnAFileThatDoesNotHoldThePattern_NamingTheOffset()
    {
        // Every block holds the pattern of the block after it: a read from the wrong offset looks just like this.
        string path = PatternFile(shift: 4096);

        var e = Assert.Throws<DirectIoException>(() => PeakLoop.Run(path, Options() with { Verify = true }));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains("differs from the pattern at byte 0", e.Message, StringComparison.Ordinal);
        Assert.Contains("write the pattern to the target first", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheLoopAllocatesNothing(bool fixedBuffers)
    {
        string path = PatternFile(shift: 0);
        PeakOptions options = Options() with { FixedBuffers = fixedBuffers, Verify = true, IosPerThread = 20_000 };

        (long fewest, string readings) = AllocationReadings.Fewest(() =>
        {
            PeakResult result = PeakLoop.Run(path, options);
            Assert.Equal(20_000, result.Ios);
            return result.AllocatedBytes;
        });

        Assert.True(fewest == 0, $"the peak loop allocated {readings} bytes over 20,000 reads (one run per reading)");
    }

    [Fact]
    public void WithoutFixedBuffers_TheKernelPinsAPagePerRead()
    {
        string path = PatternFile(shift: 0);

        PeakResult result = PeakLoop.Run(path, Options() with { FixedBuffers = false, IosPerThread = 20_000 });

        Assert.NotNull(result.KernelPinsPerIo);
        // System-wide and batched per CPU, so only a floor: other processes only add pins.
        Assert.True(result.KernelPinsPerIo >= 0.9, $"kernel pins per read {result.KernelPinsPerIo}");
    }

    [Fact]
    public void ReadsStayInsideSize()
    {
        string path = PatternFile(shift: 0);

        // The last 1 MiB is garbage: reads inside the first 3 MiB must never meet it.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = 3 << 20;
            file.Write(new byte[1 << 20]);
        }
        PeakResult result = PeakLoop.Run(path, Options() with { Size = 3 << 20, Verify = true });

        Assert.Equal(Options().IosPerThread, result.Ios);
        Assert.Throws<DirectIoException>(() => PeakLoop.Run(path, Options() with { Verify = true, IosPerThread = 20_000 }));
    }

    [Theory]
    [InlineData(4096, 0, 32, 32, "depth 0")]
    [InlineData(4096, 32, 64, 32, "submit batch 64")]
    [InlineData(4096, 32, 32, 0, "complete batch 0")]
    [InlineData(3000, 32, 32, 32, "block size 3000")]
    [InlineData(1 << 20, 4096, 32, 32, "one registered buffer")]
    public void BadSettings_AreRefusedByName(int blockSize, int depth, int submitBatch, int completeBatch, string named)
    {
        string path = PatternFile(shift: 0);
        PeakOptions options = Options() with { BlockSize = blockSize, Depth = depth, SubmitBatch = submitBatch, CompleteBatch = completeBatch };

        var e = Assert.Throws<DirectIoException>(() => PeakLoop.Run(path, options));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASizePastTheTarget_AndAMissingTarget_AreRefusedByName()
    {
        string path = PatternFile(shift: 0);

        var tooBig = Assert.Throws<DirectIoException>(() => PeakLoop.Run(path, Options() with { Size = 2L * FileBytes }));
        var missing = Assert.Throws<DirectIoException>(() => PeakLoop.Run(_dir.File("absent"), Options()));

        Assert.Contains("give a smaller size", tooBig.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.ENOENT, missing.Errno);
    }

    /// <summary>IOPOLL on a file of a disk without poll queues: it runs, or it fails with a named error; never silently.</summary>
    [Fact]
    public void Polled_RunsOrIsRefusedByName()
    {
        string path = PatternFile(shift: 0);
        try
        {
            PeakResult result = PeakLoop.Run(path, Options() with { Polled = true, Verify = true });
            Assert.Equal(Options().IosPerThread, result.Ios);
        }
        catch (DirectIoException e)
        {
            Assert.True(e.Errno is Errno.EOPNOTSUPP or Errno.EINVAL, e.ToString());
            Assert.Contains("poll", e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    private static PeakOptions Options() => new() { Depth = 32, SubmitBatch = 8, CompleteBatch = 4, IosPerThread = 5000, Runtime = TimeSpan.FromMinutes(1), Cpus = [0] };

    private string PatternFile(int shift)
    {
        string path = _dir.File("peak.dat");
        var bytes = new byte[FileBytes];
        PeakPattern.Fill(bytes, shift);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
