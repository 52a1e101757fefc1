using System.Buffers;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests;

/// <summary>
/// Memory from <see cref="DirectFile.AllocateBuffer"/> after its owner let go of it: no I/O
/// may use it (it may already be someone else's), and a buffer given back while its I/O is in
/// flight stays out of the pool until that I/O ends (DESIGN.md, PagePool).
/// </summary>
public sealed class DirectFilePoolMemoryTests : PinBalancedTest
{
    private const int Bytes = 16 * 1024;

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task IoOnTheMemoryOfADisposedBuffer_ThrowsObjectDisposed_AndTouchesNoOtherOwner(IoEngine engine)
    {
        await using DirectFile file = Open(engine, "disposed");
        Memory<byte> content = FileBuffers.PinnedAligned(Bytes);
        content.Span.Fill(0xAB);
        Assert.Equal(Bytes, await file.WriteAsync(0, content));
        IMemoryOwner<byte> gone = file.AllocateBuffer(Bytes);
        Memory<byte> stale = gone.Memory;
        gone.Dispose();
        // The pool hands the same pages to the next owner, who fills them.
        using IMemoryOwner<byte> next = file.AllocateBuffer(Bytes);
        next.Memory.Span.Fill(0x5A);

        foreach (Func<Task> call in new Func<Task>[]
        {
            async () => await file.ReadAsync(0, stale),
            async () => await file.WriteAsync(0, stale),
            async () => await file.ReadAsync(0, [stale]),
            async () => await file.WriteAsync(0, [(ReadOnlyMemory<byte>)stale]),
            async () => await Task.Run(() => file.Read(0, stale)),
            // Through an iterator of user memory (the pinning path) as well.
            async () => await file.ReadAsync(0, PinIo.Iov.IovIter.User(PinIo.Iov.IterDirection.Dest, stale)),
            async () => await PinIo.Fs.DirectIo.ReadAsync(file.Device, 0, PinIo.Iov.IovIter.User(PinIo.Iov.IterDirection.Dest, [Memory<byte>.Empty, stale])),
        })
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(call);
        }

        Assert.True(next.Memory.Span.IndexOfAnyExcept((byte)0x5A) < 0, "I/O through a disposed buffer wrote into its pages' next owner");
        Memory<byte> back = FileBuffers.PinnedAligned(Bytes);
        Assert.Equal(Bytes, await file.ReadAsync(0, back));
        Assert.True(back.Span.IndexOfAnyExcept((byte)0xAB) < 0, "a write through a disposed buffer reached the file");
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ABufferDisposedWhileItsReadIsInFlight_StaysOutOfThePoolUntilTheReadEnds(IoEngine engine)
    {
        DirectFile file = Open(engine, "inflight", inlineCompletions: true);
        PagePool pool = file.Device.BufferPool!;
        Memory<byte> content = FileBuffers.PinnedAligned(Bytes);
        content.Span.Fill(0xC3);
        // Synchronously: an await here could continue on the completion thread this test holds.
        Assert.Equal(Bytes, file.Write(Bytes, content));
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        // Holds the engine's only completion thread in an inline continuation, so that the next
        // read cannot end until the gate opens: it is in flight for as long as the test needs.
        Task holder = HoldCompletionThreadAsync(file, entered, gate);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)), "the holding continuation never ran");
        int freeBefore = pool.FreeCount;
        IMemoryOwner<byte> buffer = file.AllocateBuffer(Bytes);
        nint address = AddressOf(buffer.Memory);
        Task<int> read = file.ReadAsync(Bytes, buffer.Memory).AsTask();

        buffer.Dispose();
        Assert.False(read.IsCompleted);
        int freeWhileInFlight = pool.FreeCount;
        using IMemoryOwner<byte> next = file.AllocateBuffer(Bytes);
        nint nextAddress = AddressOf(next.Memory);
        gate.Set();
        await holder;
        Assert.Equal(Bytes, await read);

        Assert.Equal(freeBefore - (Bytes / PageSize.Bytes), freeWhileInFlight);
        Assert.NotEqual(address, nextAddress);
        next.Dispose();
        Assert.Equal(freeBefore, pool.FreeCount);
        await file.DisposeAsync();
    }

    private static async Task HoldCompletionThreadAsync(DirectFile file, ManualResetEventSlim entered, ManualResetEventSlim gate)
    {
        Memory<byte> memory = FileBuffers.PinnedAligned(4096);
        await Task.Yield();
        await Devices.FileDeviceDisposeTests.OnTheCompletionThreadAsync(file, memory, () =>
        {
            entered.Set();
            return gate.Wait(TimeSpan.FromSeconds(60));
        }).ConfigureAwait(false);
    }

    private static unsafe nint AddressOf(Memory<byte> memory)
    {
        using System.Buffers.MemoryHandle handle = memory.Pin();
        return (nint)handle.Pointer;
    }

    private DirectFile Open(IoEngine engine, string name, bool inlineCompletions = false) =>
        DirectFile.Open(_dir.File(name), new DirectFileOptions
        {
            Engine = engine, Create = true, InitialSize = 1 << 20, BufferPoolBytes = 1 << 20, SyncWorkers = 1, InlineCompletions = inlineCompletions,
        });

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
