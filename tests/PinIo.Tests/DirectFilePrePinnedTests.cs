using System.Runtime.InteropServices;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests;

/// <summary>
/// A .NET caller's own async loop over <see cref="DirectFile.ReadAsync(long, Memory{byte}, CancellationToken)"/>
/// (issue 12): memory its owner keeps pinned (MemoryMarshal.CreateFromPinnedArray over a
/// pinned-object-heap array) costs no GC pin per request, and an awaited one-buffer request
/// allocates nothing, whatever the build — the caller awaits the Direct I/O request itself.
/// </summary>
public sealed class DirectFilePrePinnedTests(ITestOutputHelper output) : PinBalancedTest
{
    private const int Block = 4096;
    private const int Ios = 2000;

    // 8 bytes per I/O on average, in a Debug build too: a one-off (a queue segment grown, a
    // pool thread made under load) fits; an object per request (an async frame) does not.
    private const long Bound = 8L * Ios;

    private readonly TempDirectory _dir = new();

    [Fact]
    public void PinUserPages_OfPrePinnedArrayMemory_TakesNoGcPin_WhilePlainMemoryOfTheSameArrayTakesOne()
    {
        byte[] array = GC.AllocateArray<byte>(4 * Block, pinned: true);
        int start = FileBuffers.AlignedStart(array, Block);
        var pages = new Page[4];
        long gcPinned = PinStats.GcPinnedBuffers;

        int n = Gup.PinUserPages(MemoryMarshal.CreateFromPinnedArray(array, start, 2 * Block), GupFlags.Write, pages);
        Assert.Equal(2, n);
        Assert.Equal(gcPinned, PinStats.GcPinnedBuffers);
        Gup.UnpinUserPages(pages.AsSpan(0, n));

        n = Gup.PinUserPages(array.AsMemory(start, 2 * Block), GupFlags.Write, pages);
        Assert.Equal(gcPinned + 1, PinStats.GcPinnedBuffers);
        Gup.UnpinUserPages(pages.AsSpan(0, n));
        Assert.Equal(gcPinned, PinStats.GcPinnedBuffers);
    }

    [Theory]
    [InlineData(IoEngine.IoUring, true)]
    [InlineData(IoEngine.IoUring, false)]
    [InlineData(IoEngine.Libaio, true)]
    public async Task AwaitedReads_IntoPrePinnedMemory_ReadTheFile_AndAllocateNothingPerIo(IoEngine engine, bool inlineCompletions)
    {
        await using DirectFile file = DirectFile.Open(_dir.File("f"), new DirectFileOptions
        {
            Engine = engine,
            Create = true,
            InitialSize = 256 * Block,
            BufferPoolBytes = 0,
            InlineCompletions = inlineCompletions,
        });
        Assert.Equal(engine, file.Engine);
        byte[] array = GC.AllocateArray<byte>(2 * Block, pinned: true);
        Memory<byte> buffer = MemoryMarshal.CreateFromPinnedArray(array, FileBuffers.AlignedStart(array, Block), Block);
        for (int i = 0; i < 256; i++)
        {
            buffer.Span.Fill((byte)i);
            Assert.Equal(Block, await file.WriteAsync(i * (long)Block, buffer));
        }

        (long threadBytes, long totalBytes, bool oneThread) = (0, 0, false);
        // The balance check's pin-owner stacks allocate per pin: off while measuring.
        using FilePinRecording recording = FilePinRecording.Suspend();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            // The least of three: a one-off (a pool thread made under load) does not recur.
            (threadBytes, totalBytes, oneThread) = await ReadLoopAsync(file, buffer);
            output.WriteLine($"{engine}, inline {inlineCompletions}: {(double)totalBytes / Ios:F2} B/IO in the process, " +
                $"{(oneThread ? $"{(double)threadBytes / Ios:F2} B/IO on the awaiting thread" : "continuations moved between threads")}");
            if (totalBytes < Bound && (!oneThread || threadBytes < Bound))
            {
                break;
            }
        }
        Assert.True(totalBytes < Bound, $"{totalBytes} bytes allocated in the process over {Ios} reads");
        Assert.True(!oneThread || threadBytes < Bound, $"{threadBytes} bytes allocated on the awaiting thread over {Ios} reads");
    }

    [Fact]
    public async Task ReadAsync_Refused_FailsInTheValueTask_AndTheNextReadStillWorks()
    {
        await using DirectFile file = DirectFile.Open(_dir.File("g"), new DirectFileOptions
        {
            Create = true,
            InitialSize = 16 * Block,
            BufferPoolBytes = 0,
            InlineCompletions = true,
        });
        byte[] array = GC.AllocateArray<byte>(2 * Block, pinned: true);
        Memory<byte> buffer = MemoryMarshal.CreateFromPinnedArray(array, FileBuffers.AlignedStart(array, Block), Block);

        ValueTask<int> misaligned = file.ReadAsync(1, buffer);
        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await misaligned);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(0, await file.ReadAsync(16 * Block, buffer));
        Assert.Equal(Block, await file.ReadAsync(15 * Block, buffer));
    }

    /// <summary>Warms up, then awaits <see cref="Ios"/> reads one after another, checking each one's data.</summary>
    private static async Task<(long ThreadBytes, long TotalBytes, bool OneThread)> ReadLoopAsync(DirectFile file, Memory<byte> buffer)
    {
        for (int i = 0; i < 500; i++)
        {
            await file.ReadAsync(i % 256 * (long)Block, buffer).ConfigureAwait(false);
        }
        int threadId = Environment.CurrentManagedThreadId;
        bool oneThread = true;
        int wrong = 0;
        long thread0 = GC.GetAllocatedBytesForCurrentThread();
        long total0 = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Ios; i++)
        {
            int n = await file.ReadAsync(i % 256 * (long)Block, buffer).ConfigureAwait(false);
            wrong += n == Block && buffer.Span[0] == (byte)(i % 256) && buffer.Span[Block - 1] == (byte)(i % 256) ? 0 : 1;
            oneThread &= Environment.CurrentManagedThreadId == threadId;
        }
        long total = GC.GetTotalAllocatedBytes(precise: true) - total0;
        long thread = GC.GetAllocatedBytesForCurrentThread() - thread0;
        Assert.Equal(0, wrong);
        return (thread, total, oneThread);
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
