using System.Buffers;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;
using static PinIo.Tests.Infrastructure.PolledCompletions;

namespace PinIo.Tests.Devices;

/// <summary>
/// The ring features the io_uring engine takes by default (issue 12): a registered ring
/// descriptor, no SQ index array, deferred task work, registered file, and a buffer pool in
/// huge pages. Each is used when the kernel has it, each falls back cleanly (and says why in
/// the device's description) when the kernel refuses it, each can be switched off, and data
/// round-trips through the pool and through managed memory in every combination.
/// </summary>
public sealed class IoUringRingFeatureTests(ITestOutputHelper output) : PinBalancedTest
{
    private const int Block = 64 * 1024;

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Defaults_TakeEveryRingFeature_AndRoundTripData(bool polled)
    {
        using FileDevice device = Open("defaults", new FileDeviceOptions { PolledCompletions = polled, PolledOwnerRegistersRingFd = polled });
        RoundTrip(device);

        IoUringEngine engine = EngineOf(device);
        output.WriteLine(device.EngineDescription);
        Assert.Equal(Interop.IORING_SETUP_SINGLE_ISSUER | Interop.IORING_SETUP_DEFER_TASKRUN | Interop.IORING_SETUP_NO_SQARRAY,
            engine.SetupFlags & (Interop.IORING_SETUP_SINGLE_ISSUER | Interop.IORING_SETUP_DEFER_TASKRUN | Interop.IORING_SETUP_NO_SQARRAY
                | Interop.IORING_SETUP_COOP_TASKRUN));
        Assert.Contains("ring fd registered", device.EngineDescription, StringComparison.Ordinal);
        Assert.Contains("file registered", device.EngineDescription, StringComparison.Ordinal);
        Assert.DoesNotContain("refused", device.EngineDescription, StringComparison.Ordinal);
        Assert.True(device.UsesFixedBuffers);
        if (polled)
        {
            Assert.True(engine.EntersRegisteredRing, "the polled ring's owner (this thread) should enter through the registered index");
        }
        else
        {
            Assert.False(engine.EntersRegisteredRing, "only the owner thread may enter through the index; this thread is not it");
        }
    }

    [Theory]
    [InlineData(Interop.IORING_SETUP_NO_SQARRAY, "IORING_SETUP_NO_SQARRAY", false)]
    [InlineData(Interop.IORING_SETUP_NO_SQARRAY, "IORING_SETUP_NO_SQARRAY", true)]
    [InlineData(Interop.IORING_SETUP_DEFER_TASKRUN, "IORING_SETUP_DEFER_TASKRUN", false)]
    [InlineData(Interop.IORING_SETUP_DEFER_TASKRUN, "IORING_SETUP_DEFER_TASKRUN", true)]
    [InlineData(Interop.IORING_SETUP_SINGLE_ISSUER, "IORING_SETUP_SINGLE_ISSUER", true)]
    public void ARefusedSetupFlag_IsDropped_WithTheReasonInTheDescription(uint refused, string name, bool polled)
    {
        using FileDevice device = Open("refused", new FileDeviceOptions { PolledCompletions = polled, PolledOwnerRegistersRingFd = polled, RefusedSetupFlags = refused });
        RoundTrip(device);

        output.WriteLine(device.EngineDescription);
        Assert.Equal(0u, EngineOf(device).SetupFlags & refused);
        Assert.Contains($"the kernel refused {name}", device.EngineDescription, StringComparison.Ordinal);
        Assert.Contains("ring fd registered", device.EngineDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryOptionalFlagRefused_LeavesAPlainRing_ThatStillWorks()
    {
        const uint All = Interop.IORING_SETUP_NO_SQARRAY | Interop.IORING_SETUP_DEFER_TASKRUN | Interop.IORING_SETUP_SINGLE_ISSUER
            | Interop.IORING_SETUP_COOP_TASKRUN;
        using FileDevice device = Open("plain", new FileDeviceOptions
        {
            PolledCompletions = true,
            TaskRun = IoUringTaskRun.Cooperative,
            RefusedSetupFlags = All,
        });
        RoundTrip(device);

        Assert.Equal(0u, EngineOf(device).SetupFlags & (All | Interop.IORING_SETUP_R_DISABLED | Interop.IORING_SETUP_TASKRUN_FLAG));
        Assert.Equal(3, device.EngineDescription.Split("the kernel refused").Length - 1); // NO_SQARRAY, SINGLE_ISSUER, COOP_TASKRUN
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ARefusedRingFdRegistration_EntersByDescriptor_WithTheReason(bool polled)
    {
        using FileDevice device = Open("ringfd", new FileDeviceOptions { PolledCompletions = polled, PolledOwnerRegistersRingFd = polled, RefuseRingFdRegistration = true });
        RoundTrip(device);

        Assert.False(EngineOf(device).EntersRegisteredRing);
        Assert.DoesNotContain("ring fd registered", device.EngineDescription, StringComparison.Ordinal);
        Assert.Contains("the kernel refused IORING_REGISTER_RING_FDS (EINVAL)", device.EngineDescription, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(IoUringTaskRun.Deferred, false, false)]
    [InlineData(IoUringTaskRun.Cooperative, false, true)]
    [InlineData(IoUringTaskRun.Interrupt, true, false)]
    [InlineData(IoUringTaskRun.Cooperative, true, true)]
    [InlineData(IoUringTaskRun.Interrupt, false, true)]
    public void EachFeatureSwitchedOff_IsNotUsed_AndDataStillRoundTrips(IoUringTaskRun taskRun, bool registerRingFd, bool noSqArray)
    {
        foreach (bool polled in new[] { false, true })
        {
            using FileDevice device = Open($"off-{polled}", new FileDeviceOptions
            {
                PolledCompletions = polled,
                PolledOwnerRegistersRingFd = polled,
                TaskRun = taskRun,
                RegisterRingFd = registerRingFd,
                NoSqArray = noSqArray,
                HugePagePool = false,
            });
            RoundTrip(device);

            uint flags = EngineOf(device).SetupFlags;
            uint expected = taskRun switch
            {
                IoUringTaskRun.Deferred => Interop.IORING_SETUP_DEFER_TASKRUN,
                IoUringTaskRun.Cooperative => Interop.IORING_SETUP_COOP_TASKRUN | Interop.IORING_SETUP_TASKRUN_FLAG,
                _ => 0u,
            };
            const uint TaskRunFlags = Interop.IORING_SETUP_DEFER_TASKRUN | Interop.IORING_SETUP_COOP_TASKRUN | Interop.IORING_SETUP_TASKRUN_FLAG;
            Assert.Equal(expected, flags & TaskRunFlags);
            Assert.Equal(noSqArray, (flags & Interop.IORING_SETUP_NO_SQARRAY) != 0);
            Assert.Equal(registerRingFd, device.EngineDescription.Contains("ring fd registered", StringComparison.Ordinal));
            Assert.False(device.BufferPool!.HugePagesAdvised || device.BufferPool.HugeTlbBacked, "HugePagePool = false must leave the pool on 4 KiB pages");
        }
    }

    /// <summary>
    /// A polled ring's owner is whichever thread polls first — a pool thread, perhaps, that
    /// never disposes it: by default it does not register the ring, so the ring (and its pinned
    /// buffer pool) is freed when the device is disposed on any thread.
    /// </summary>
    [Fact]
    public async Task APolledRing_ByDefault_IsNotRegisteredWithItsOwner_AndIsFreedWhenDisposedElsewhere()
    {
        FileDevice device = Open("unregistered", new FileDeviceOptions { PolledCompletions = true, BufferPoolBytes = 1 << 20 });
        RoundTrip(device);
        Assert.False(EngineOf(device).EntersRegisteredRing, device.EngineDescription);
        Assert.DoesNotContain("ring fd registered", device.EngineDescription, StringComparison.Ordinal);
        await Task.Run(device.Dispose);
    }

    /// <summary>
    /// A thread's table holds 16 rings. Each polled device registers its ring on its owner (this
    /// thread): without the unregistration in Dispose the 17th would be refused (EBUSY), and
    /// the closed rings would live on in the kernel, their buffer pools still pinned.
    /// </summary>
    [Fact]
    public void DisposingAPolledRing_OnItsOwner_FreesItsSlotInTheThreadsTable()
    {
        for (int i = 0; i < 24; i++)
        {
            using FileDevice device = Open("slots", new FileDeviceOptions { PolledCompletions = true, PolledOwnerRegistersRingFd = true, BufferPoolBytes = 1 << 20 });
            RoundTrip(device);
            Assert.True(EngineOf(device).EntersRegisteredRing, $"device {i}: {device.EngineDescription}");
        }
    }

    [Fact]
    public void TheRing_EnteredFromANonOwnerThread_UsesTheDescriptor_NotTheIndex()
    {
        using IoUringRing ring = IoUringRing.Create(8);
        Assert.Equal(0, ring.RegisterRingFd());
        Assert.True(ring.EntersRegistered);
        Assert.Equal(-(int)Errno.EBUSY, ring.RegisterRingFd());
        NopRoundTrip(ring);

        var other = new Thread(() =>
        {
            Assert.False(ring.EntersRegistered);
            NopRoundTrip(ring);
        });
        other.Start();
        other.Join();

        Assert.Equal(0, ring.UnregisterRingFd());
        Assert.False(ring.EntersRegistered);
        NopRoundTrip(ring);
    }

    /// <summary>
    /// .NET hands a dead thread's managed id to a new thread: that thread must not take the
    /// ring's registered index (an index into its own, different table) for its own.
    /// </summary>
    [SkippableFact]
    public void ANewThreadWithTheRegisteringThreadsRecycledId_EntersByDescriptor()
    {
        using IoUringRing ring = IoUringRing.Create(8);
        int registeringId = RegisterOnAThreadThatExits(ring);

        bool? entersRegistered = null;
        int submitted = 0;
        // Each probe stays referenced, so keeps its id: .NET hands out the lowest free id, and
        // a lower one freed by an earlier test's thread would otherwise go to every probe.
        List<Thread> probes = [];
        for (int i = 0; i < 2000 && entersRegistered is null; i++)
        {
            // The id goes back to .NET's free list when the dead thread's object is finalized.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var probe = new Thread(() =>
            {
                if (Environment.CurrentManagedThreadId == registeringId)
                {
                    entersRegistered = ring.EntersRegistered;
                    submitted = SubmitNop(ring);
                }
            });
            probes.Add(probe);
            probe.Start();
            probe.Join();
        }

        output.WriteLine($"managed id {registeringId} came back to probe {probes.Count}");
        Requires.That(entersRegistered is not null, $"not checked: no new thread got managed id {registeringId} again in 2000 tries");
        Assert.False(entersRegistered, $"a new thread with recycled managed id {registeringId} took the dead thread's registered ring index");
        Assert.Equal(1, submitted);
    }

    [Fact]
    public void TheBufferPool_IsInHugePages_HugeTlbWhenReserved_ElseTransparent()
    {
        const int PoolBytes = 4 << 20;
        long freeHugeTlb = HugeTlbPagesFree();
        using FileDevice device = Open("huge", new FileDeviceOptions { PolledCompletions = true, BufferPoolBytes = PoolBytes });
        RoundTrip(device);

        output.WriteLine($"HugePages_Free {freeHugeTlb}: {device.EngineDescription}");
        PagePoolAssert(device.BufferPool!, expectHugeTlb: freeHugeTlb * HugePageMemory.HugePageBytes >= PoolBytes);
        Assert.True(device.UsesFixedBuffers);
        Assert.Equal(0, device.BufferPool!.BaseAddress & (HugePageMemory.HugePageBytes - 1));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int RegisterOnAThreadThatExits(IoUringRing ring)
    {
        int id = 0;
        var registering = new Thread(() =>
        {
            id = Environment.CurrentManagedThreadId;
            Assert.Equal(0, ring.RegisterRingFd());
        });
        registering.Start();
        registering.Join();
        return id;
    }

    private static void PagePoolAssert(PinIo.Mm.PagePool pool, bool expectHugeTlb)
    {
        Assert.Equal(expectHugeTlb, pool.HugeTlbBacked);
        if (!expectHugeTlb)
        {
            Assert.Equal(HugePageMemory.IsAvailable, pool.HugePagesAdvised);
        }
    }

    private static long HugeTlbPagesFree()
    {
        string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("HugePages_Free:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>One NOP submitted and reaped; the submit's result (1, or -errno), for a thread that must not assert.</summary>
    private static unsafe int SubmitNop(IoUringRing ring)
    {
        ring.TryGetSqe(out IoUringSqe* sqe);
        IoUringRing.PrepNop(sqe, 7);
        int res = ring.SubmitAndWait(1);
        if (res == 1 && ring.WaitCqe(out _) == 0)
        {
            ring.CqeSeen();
        }
        return res;
    }

    private static unsafe void NopRoundTrip(IoUringRing ring)
    {
        Assert.True(ring.TryGetSqe(out IoUringSqe* sqe));
        IoUringRing.PrepNop(sqe, 42);
        Assert.Equal(1, ring.SubmitAndWait(1));
        Assert.Equal(0, ring.WaitCqe(out IoUringCqe cqe));
        Assert.Equal(42ul, cqe.UserData);
        ring.CqeSeen();
    }

    /// <summary>Writes from pool and managed memory, flushes, reads each back through the other; polled devices are polled on this thread.</summary>
    private static void RoundTrip(FileDevice device)
    {
        using IMemoryOwner<byte> pool = device.BufferPool!.AllocateMemory(Block);
        Memory<byte> managed = FileBuffers.PinnedAligned(Block);
        FileWorkload.Data(Block, seed: 1).CopyTo(pool.Memory);
        FileWorkload.Data(Block, seed: 2).CopyTo(managed);

        Assert.Equal(Block, Wait(device, DirectIo.WriteAsync(device, 0, IovIter.User(IterDirection.Source, pool.Memory))));
        Assert.Equal(Block, Wait(device, DirectIo.WriteAsync(device, Block, IovIter.User(IterDirection.Source, managed))));
        Wait(device, DirectIo.FlushAsync(device));
        pool.Memory.Span.Clear();
        managed.Span.Clear();
        Assert.Equal(Block, Wait(device, DirectIo.ReadAsync(device, Block, IovIter.User(IterDirection.Dest, pool.Memory))));
        Assert.Equal(Block, Wait(device, DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, managed))));

        FileModel.AssertSame(FileWorkload.Data(Block, seed: 2), pool.Memory.Span, Block, "the managed write, read into pool memory");
        FileModel.AssertSame(FileWorkload.Data(Block, seed: 1), managed.Span, 0, "the pool write, read into managed memory");
        Assert.Equal(0, EngineOf(device).StaleCompletions);
    }

    private FileDevice Open(string name, FileDeviceOptions options) =>
        FileDevice.Open(_dir.File(name), options with { Create = true, InitialSize = 2 * Block });

    private static IoUringEngine EngineOf(FileDevice device) => (IoUringEngine)device.EngineCore;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
