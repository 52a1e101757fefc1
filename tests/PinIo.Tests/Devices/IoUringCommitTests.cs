using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using static PinIo.Tests.Infrastructure.PolledCompletions;

namespace PinIo.Tests.Devices;

/// <summary>
/// A polled ring's Commit under DEFER_TASKRUN (issue 12, task "file"): the kernel posts a
/// completion to the CQ only in an io_uring_enter that asks for events, so Commit asks (no
/// wait), as fio's commit does — a completion that arrived before a commit is in the CQ after
/// it, and Poll takes it from there without an io_uring_enter of its own; a Poll's max
/// (fio's iodepth_batch_complete_max) leaves the completions past it in the CQ. Data
/// round-trips and nothing stays pinned.
/// </summary>
public sealed class IoUringCommitTests : PinBalancedTest
{
    private const int Block = 4096;

    private readonly TempDirectory _dir = new();

    [Fact]
    public void Commit_UnderDeferredTaskRun_PostsTheCompletionsThatArrived()
    {
        using FileDevice device = FileDevice.Open(_dir.File("commit"), new FileDeviceOptions
        {
            Create = true,
            InitialSize = 2 * Block,
            QueueDepth = 4,
            PolledCompletions = true,
            TaskRun = IoUringTaskRun.Deferred,
        });
        var engine = (IoUringEngine)device.EngineCore;
        Assert.True((engine.SetupFlags & Interop.IORING_SETUP_DEFER_TASKRUN) != 0, $"the ring has no DEFER_TASKRUN here: {device.EngineDescription}");
        Memory<byte> first = FileBuffers.PinnedAligned(Block);
        Memory<byte> second = FileBuffers.PinnedAligned(Block);
        for (int i = 0; i < 2; i++)
        {
            FileWorkload.Data(Block, seed: i).CopyTo(first);
            Assert.Equal(Block, Wait(device, DirectIo.WriteAsync(device, (long)i * Block, IovIter.User(IterDirection.Source, first))));
        }

        ValueTask<long> firstRead = DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, first));
        device.Commit();
        // The premise: this file system completes Direct I/O from the device's interrupt, after
        // the submitting enter returned (ext4 or xfs on a disk). One that completes inside the
        // submission (tmpfs) posts at once whatever Commit asks, and could not show the difference.
        Assert.True(device.CompletionsReady == 0, $"'{_dir.Path}' completed a Direct I/O read inside its submission: this test needs a disk-backed file system");
        Thread.Sleep(200); // the read ends in the kernel meanwhile, and waits there as deferred task work

        ValueTask<long> secondRead = DirectIo.ReadAsync(device, Block, IovIter.User(IterDirection.Dest, second));
        device.Commit();
        Assert.True(device.CompletionsReady >= 1, "Commit left the first read's completion in the kernel: under DEFER_TASKRUN its enter must ask for events");
        Assert.False(firstRead.IsCompleted, "Commit ended a bio: it only posts, Poll reaps");

        Assert.Equal(Block, Wait(device, firstRead));
        Assert.Equal(Block, Wait(device, secondRead));
        FileModel.AssertSame(FileWorkload.Data(Block, seed: 0), first.Span, 0, "the read whose completion a Commit posted");
        FileModel.AssertSame(FileWorkload.Data(Block, seed: 1), second.Span, Block, "the read after it");
    }

    [Fact]
    public void Poll_TakesNoMoreThanItsMax_AndLeavesTheRestInTheCq()
    {
        const int Reads = 4;
        using FileDevice device = FileDevice.Open(_dir.File("max"), new FileDeviceOptions
        {
            Create = true,
            InitialSize = Reads * Block,
            QueueDepth = 8,
            PolledCompletions = true,
        });
        var buffers = new Memory<byte>[Reads];
        var reads = new Task<long>[Reads];
        for (int i = 0; i < Reads; i++)
        {
            buffers[i] = FileBuffers.PinnedAligned(Block);
            FileWorkload.Data(Block, seed: 10 + i).CopyTo(buffers[i]);
            Assert.Equal(Block, Wait(device, DirectIo.WriteAsync(device, (long)i * Block, IovIter.User(IterDirection.Source, buffers[i]))));
        }
        for (int i = 0; i < Reads; i++)
        {
            buffers[i].Span.Clear();
            reads[i] = DirectIo.ReadAsync(device, (long)i * Block, IovIter.User(IterDirection.Dest, buffers[i])).AsTask();
        }
        device.Commit();
        Thread.Sleep(200); // every read ends in the kernel meanwhile

        Assert.Equal(1, device.Poll(1, maxComplete: 1));
        Assert.True(device.CompletionsReady == Reads - 1, $"the other {Reads - 1} completions should wait in the CQ; it holds {device.CompletionsReady}");
        Assert.Equal(2, device.Poll(2, maxComplete: 2));
        Assert.True(device.CompletionsReady == 1, $"one completion should be left in the CQ; it holds {device.CompletionsReady}");
        Assert.Equal(1, device.Poll(1));
        Assert.Equal(0, device.CompletionsReady);
        for (int i = 0; i < Reads; i++)
        {
            Assert.Equal(Block, Wait(device, new ValueTask<long>(reads[i])));
            FileModel.AssertSame(FileWorkload.Data(Block, seed: 10 + i), buffers[i].Span, (long)i * Block, $"read {i}, reaped a few at a time");
        }
    }

    [Fact]
    public void CompletionsReady_IsForAPolledRing()
    {
        using FileDevice device = FileDevice.Open(_dir.File("unpolled"), new FileDeviceOptions { Create = true, InitialSize = Block });

        var e = Assert.Throws<InvalidOperationException>(() => device.CompletionsReady);
        Assert.Contains("PolledCompletions", e.Message, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
