using PinIo.Block;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>
/// BlkLib.IssueDiscardAsync on the RAM disk: a range becomes discard bios no larger than the
/// queue's MaxDiscardBytes, each after the first starting on the discard granularity; the
/// range reads as zeroes after; misaligned ranges, ranges past the end and devices that
/// cannot discard are refused before any bio goes out.
/// </summary>
public sealed class BlkLibDiscardTests : PinBalancedTest
{
    private const long DiskBytes = 4L << 20;

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task Discard_ZeroesTheRange_AndLeavesTheRestAlone(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = completion });
        byte[] pattern = TestPattern.Make((int)DiskBytes, seed: 3);
        disk.WriteRaw(0, pattern);

        await BlkLib.IssueDiscardAsync(disk, 1 << 20, 512 * 1024 + 512);

        byte[] after = new byte[DiskBytes];
        disk.ReadRaw(0, after);
        int start = 1 << 20;
        int end = start + (512 * 1024) + 512;
        TestPattern.AssertBytes(pattern.AsSpan(0, start), after.AsSpan(0, start), "before the range");
        Assert.True(after.AsSpan(start, end - start).IndexOfAnyExcept((byte)0) < 0, "the discarded range reads as zeroes");
        TestPattern.AssertBytes(pattern.AsSpan(end), after.AsSpan(end), "after the range");
        Assert.Equal(0, disk.LimitViolations);
    }

    [Fact]
    public async Task ADiscardEndedOnACompletionThread_ResumesOnThePool_UnderTheCallersExecutionContext()
    {
        // A worker RAM disk ends bios on its completion thread; the caller's continuation must not run there.
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        for (int i = 0; i < 20; i++)
        {
            s_flowed.Value = i + 1;
            (int flowed, bool onCompletionThread) = await ResumeAfter(BlkLib.IssueDiscardAsync(disk, 0, 64 * 1024)).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(i + 1, flowed);
            Assert.False(onCompletionThread, "a discard's caller resumed on the device's completion thread");
        }
    }

    private static readonly AsyncLocal<int> s_flowed = new();

    /// <summary>Registers a continuation as an awaiter's OnCompleted does (flowing the ExecutionContext), and reports what it saw where it ran.</summary>
    private static Task<(int Flowed, bool OnCompletionThread)> ResumeAfter(ValueTask discard)
    {
        var resumed = new TaskCompletionSource<(int, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
        System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter awaiter = discard.ConfigureAwait(false).GetAwaiter();
        awaiter.OnCompleted(() =>
        {
            awaiter.GetResult();
            resumed.SetResult((s_flowed.Value, CompletionContext.IsCurrent));
        });
        return resumed.Task;
    }

    [Fact]
    public async Task ABigRange_SplitsByMaxDiscardBytes_LaterBiosStartOnTheGranularity()
    {
        QueueLimits limits = QueueLimits.Default with { MaxDiscardBytes = 64 * 1024, DiscardGranularity = 4096 };
        using var disk = new RamDisk(DiskBytes, limits);
        var bios = new List<(long Position, int Size, BioOp Op, int Vecs)>();
        disk.OnSubmit = bio => bios.Add((bio.Position, bio.Size, bio.Op, bio.VecCount));
        const long offset = 512;
        const long length = (1L << 20) + (3 * 4096);

        await BlkLib.IssueDiscardAsync(disk, offset, length);

        // 3,584 bytes to the first 4 KiB boundary, then 64 KiB bios, then the rest.
        Assert.Equal(4096 - 512, bios[0].Size);
        Assert.Equal(offset, bios[0].Position);
        Assert.All(bios, b => Assert.Equal(BioOp.Discard, b.Op));
        Assert.All(bios, b => Assert.Equal(0, b.Vecs));
        Assert.All(bios, b => Assert.InRange(b.Size, 1, limits.MaxDiscardBytes));
        Assert.All(bios.Skip(1), b => Assert.Equal(0, b.Position % 4096));
        Assert.Equal(length, bios.Sum(b => (long)b.Size));
        for (int i = 1; i < bios.Count; i++)
        {
            Assert.Equal(bios[i - 1].Position + bios[i - 1].Size, bios[i].Position);
        }
        Assert.Equal(1 + 16 + 1, bios.Count);
        Assert.Equal(0, disk.LimitViolations);
    }

    [Fact]
    public async Task AGranularityThatDoesNotDivideTheMaximum_StillKeepsEveryBioWithinIt()
    {
        QueueLimits limits = QueueLimits.Default with { MaxDiscardBytes = 12 * 1024, DiscardGranularity = 8192 };
        using var disk = new RamDisk(DiskBytes, limits);
        var sizes = new List<int>();
        disk.OnSubmit = bio => sizes.Add(bio.Size);

        await BlkLib.IssueDiscardAsync(disk, 0, 64 * 1024);

        Assert.All(sizes, size => Assert.Equal(8192, size));
        Assert.Equal(8, sizes.Count);
    }

    [Theory]
    [InlineData(100, 4096, "offset 100")]
    [InlineData(4096, 1000, "length 1000")]
    public async Task AMisalignedRange_IsEinval_AndNoBioGoesOut(long offset, long length, string named)
    {
        using var disk = new RamDisk(DiskBytes);

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await BlkLib.IssueDiscardAsync(disk, offset, length));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Contains("logical block size 512", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, disk.BiosSubmitted);
    }

    [Fact]
    public async Task ARangePastTheEnd_IsEinval()
    {
        using var disk = new RamDisk(DiskBytes);

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await BlkLib.IssueDiscardAsync(disk, DiskBytes - 4096, 8192));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("passes the end", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, disk.BiosSubmitted);
    }

    [Fact]
    public async Task ADeviceWithoutDiscard_IsEopnotsupp_NamingTheDevice()
    {
        using var disk = new RamDisk(DiskBytes, QueueLimits.Default);

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await BlkLib.IssueDiscardAsync(disk, 0, 4096));

        Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
        Assert.Contains(disk.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Equal(0, disk.BiosSubmitted);
    }

    [Fact]
    public async Task ADiscardBioThatReachesADeviceWithoutDiscard_EndsNotSupported()
    {
        using var disk = new RamDisk(DiskBytes, QueueLimits.Default);
        var bio = new Bio(BioOp.Discard, 0, RamDisk.DefaultLimits);
        bio.SetDiscardSize(4096);
        var done = new TaskCompletionSource<BlkStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        bio.EndIo = b => done.SetResult(b.Status);

        disk.Submit(bio);

        Assert.Equal(BlkStatus.NotSupported, await done.Task);
    }

    [Fact]
    public async Task TheFirstFailingBioByPosition_IsTheError()
    {
        QueueLimits limits = QueueLimits.Default with { MaxDiscardBytes = 4096, DiscardGranularity = 4096 };
        using var disk = new RamDisk(DiskBytes, limits);
        disk.FaultInjector = bio => bio.Position >= 8192 ? BlkStatus.IoError : BlkStatus.Ok;

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await BlkLib.IssueDiscardAsync(disk, 0, 16384));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains("failed at offset 8192", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, disk.BiosSubmitted);
    }

    [Fact]
    public async Task ACanceledToken_SubmitsNothing()
    {
        using var disk = new RamDisk(DiskBytes);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAsync<DirectIoCanceledException>(async () => await BlkLib.IssueDiscardAsync(disk, 0, 4096, cts.Token));

        Assert.Equal(0, disk.BiosSubmitted);
    }

    [Fact]
    public async Task AFaultDevice_ForwardsADiscard_ButItsPowerCutCacheRefusesIt()
    {
        using var disk = new RamDisk(DiskBytes);
        disk.WriteRaw(0, TestPattern.Make(8192, seed: 5));
        using (var plain = new FaultDevice(disk, leaveInnerOpen: true))
        {
            await BlkLib.IssueDiscardAsync(plain, 0, 8192);
        }
        byte[] after = new byte[8192];
        disk.ReadRaw(0, after);
        Assert.True(after.AsSpan().IndexOfAnyExcept((byte)0) < 0, "the inner device's range reads as zeroes");

        using var cached = new FaultDevice(disk, new FaultOptions { PowerCut = new PowerCutOptions() }, leaveInnerOpen: true);
        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await BlkLib.IssueDiscardAsync(cached, 0, 4096));
        Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
        Assert.Contains("PowerCut", e.Message, StringComparison.Ordinal);
        Assert.Contains("FaultDevice over RamDisk", e.Message, StringComparison.Ordinal);
    }

    /// <summary>fio's trim jobs issue one discard per I/O: in steady state, one allocates nothing (bios and requests are pooled).</summary>
    [Fact]
    public void ADiscard_AllocatesNothingInSteadyState()
    {
        using var disk = new RamDisk(DiskBytes);
        const int warmup = 500;
        const int measured = 2000;
        int notDone = Issue(disk, warmup);
        long before = GC.GetAllocatedBytesForCurrentThread();
        notDone += Issue(disk, measured);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, notDone);
        Assert.Equal(warmup + measured, disk.BiosSubmitted);
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {measured} discards ({(double)allocated / measured:F1} per discard)");

        static int Issue(RamDisk disk, int count)
        {
            int notDone = 0;
            for (int i = 0; i < count; i++)
            {
                ValueTask pending = BlkLib.IssueDiscardAsync(disk, (i % 64) * 16384L, 16384);
                notDone += pending.IsCompletedSuccessfully ? 0 : 1;
                pending.GetAwaiter().GetResult();
            }
            return notDone;
        }
    }

    [Fact]
    public void LimitsThatCannotDiscardSensibly_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (QueueLimits.Default with { MaxDiscardBytes = 1000 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (QueueLimits.Default with { MaxDiscardBytes = 4096, DiscardGranularity = 8192 }).Validate());
        Assert.False(QueueLimits.Default.SupportsDiscard);
        Assert.True(RamDisk.DefaultLimits.SupportsDiscard);
    }
}
