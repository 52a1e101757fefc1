using PinIo.Block;
using PinIo.Devices;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Devices;

/// <summary>
/// Cancellation of requests in the io_uring engine (issue 13 item 4), on a real file opened with
/// O_DIRECT: a token that fires after submission ends the request's bios still waiting for a
/// slot with ECANCELED and sends IORING_OP_ASYNC_CANCEL for its pieces in the ring; the request
/// ends canceled or with correct bytes, and every page comes back once (base class).
/// </summary>
public sealed class IoUringCancelInFlightTests(ITestOutputHelper output) : PinBalancedTest
{
    private const int FileBytes = 16 << 20;
    private readonly TempDirectory _dir = new(Environment.CurrentDirectory);

    /// <summary>
    /// Failed before: a request whose bios were queued behind a full ring ran to the end although
    /// its token had fired. Now those not yet in the ring end at once with ECANCELED.
    /// </summary>
    [SkippableFact]
    public async Task ABurstBehindAFullRing_CanceledAfterSubmission_EndsWithEcanceled_ExceptWhatAlreadyRan()
    {
        (string path, byte[] content) = PatternFile("burst");
        await using DirectFile file = DirectFile.Open(path, new DirectFileOptions { QueueDepth = 1 });
        IoUringEngine ring = RingOf(file);
        const int Requests = 64;
        const int Length = 256 << 10;
        var buffers = new Memory<byte>[Requests];
        var pending = new Task<int>[Requests];
        using var cts = new CancellationTokenSource();

        for (int i = 0; i < Requests; i++)
        {
            buffers[i] = FileBuffers.PinnedAligned(Length);
        }
        using (FilePinRecording.Suspend())
        {
            for (int i = 0; i < Requests; i++)
            {
                pending[i] = file.ReadAsync(buffers[i], (long)i * Length, cts.Token).AsTask();
            }
            cts.Cancel();
        }
        int canceled = 0;
        for (int i = 0; i < Requests; i++)
        {
            canceled += await CanceledOrCorrect(pending[i], buffers[i], content, (long)i * Length, cts.Token) ? 1 : 0;
        }

        output.WriteLine($"{canceled} of {Requests} canceled; ring: {ring.CanceledWaiting} bios canceled waiting, {ring.CancelsSent} cancels sent, {ring.CancelsFound} found, {ring.CanceledInFlight} ended -ECANCELED");
        Assert.True(canceled > 0, "no request of the burst was canceled");
        Assert.True(ring.CanceledWaiting > 0);
        Assert.Equal(0, ring.StaleCompletions);
    }

    /// <summary>
    /// Appending writes: ext4 refuses an extending O_DIRECT write without waiting (IOCB_NOWAIT), so
    /// io_uring runs each in its io-wq, where writes to one regular file wait in line behind each
    /// other (hashed work). The kernel finds the ones still in line and cancels them: they end
    /// with -ECANCELED from the ring, and nothing of them reaches the file. The token fires when
    /// the first write completes — the others are then in line behind it — not after a fixed
    /// delay, which a loaded machine stretches past the whole line (CI once saw 0 of 32 left).
    /// </summary>
    [SkippableFact]
    public async Task AppendingWritesQueuedInTheKernel_CanceledAfterSubmission_TheKernelCancelsThoseNotStarted()
    {
        const int Attempts = 4;
        long canceledInFlight = 0;
        for (int attempt = 0; attempt < Attempts && canceledInFlight == 0; attempt++)
        {
            canceledInFlight += await CancelAppendingWritesAfterTheFirst($"append-{attempt}");
        }
        Assert.True(canceledInFlight > 0, $"the kernel canceled no queued write in {Attempts} attempts");
    }

    /// <summary>One round: 32 appending writes, the token fired when the first ends; checks the file; returns the pieces the kernel canceled.</summary>
    private async Task<long> CancelAppendingWritesAfterTheFirst(string name)
    {
        await using DirectFile file = DirectFile.Open(_dir.File(name), new DirectFileOptions { Create = true, QueueDepth = 32 });
        IoUringEngine ring = RingOf(file);
        const int Requests = 32;
        const int Length = 1 << 20;
        Memory<byte> memory = FileBuffers.PinnedAligned(Length);
        memory.Span.Fill(0x5A);
        var pending = new Task<int>[Requests];
        using var cts = new CancellationTokenSource();

        using (FilePinRecording.Suspend())
        {
            for (int i = 0; i < Requests; i++)
            {
                pending[i] = file.WriteAsync(memory, (long)i * Length, cts.Token).AsTask();
            }
            await Task.WhenAny(pending);
            cts.Cancel();
            await Task.Yield(); // off the ring's thread, where the first write's completion may have resumed us
        }
        var wasCanceled = new bool[Requests];
        for (int i = 0; i < Requests; i++)
        {
            wasCanceled[i] = await CanceledOrWhole(pending[i], Length, cts.Token);
        }
        Memory<byte> back = FileBuffers.PinnedAligned(Length);
        for (int i = 0; i < Requests && (long)i * Length < file.Length; i++)
        {
            Assert.Equal(Length, await file.ReadAsync(back, (long)i * Length));
            byte expected = wasCanceled[i] ? (byte)0 : (byte)0x5A;
            Assert.True(back.Span.IndexOfAnyExcept(expected) < 0, $"write {i} ({(wasCanceled[i] ? "canceled" : "done")}) left other bytes than 0x{expected:x2}");
        }

        output.WriteLine($"{name}: {wasCanceled.Count(c => c)} of {Requests} canceled; ring: {ring.CanceledWaiting} waiting, {ring.CancelsSent} cancels sent, {ring.CancelsFound} found, {ring.CanceledInFlight} ended -ECANCELED");
        return ring.CanceledInFlight;
    }

    /// <summary>
    /// Thousands of requests — reads, and writes of the bytes the file already holds, so that any
    /// subset of them leaves it as it was — eight at a time, each canceled at a random moment:
    /// before submission, right after it, after a random spin, after it completed, or never.
    /// </summary>
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RandomMoments_EveryRequestEndsCanceledOrCorrect(bool poolMemory)
    {
        (string path, byte[] content) = PatternFile("random");
        await using DirectFile file = DirectFile.Open(path, new DirectFileOptions { QueueDepth = 16, BufferPoolBytes = 32 << 20 });
        IoUringEngine ring = RingOf(file);
        const int Workers = 8;
        const int PerWorker = 400;
        var outcomes = new int[Workers, 2];

        using (FilePinRecording.Suspend())
        {
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
            {
                var random = new Random(700 + w);
                using System.Buffers.IMemoryOwner<byte>? owner = poolMemory ? file.AllocateBuffer(1 << 20) : null;
                Memory<byte> whole = owner?.Memory ?? FileBuffers.PinnedAligned(1 << 20);
                for (int i = 0; i < PerWorker; i++)
                {
                    int length = random.Next(1, 257) * 4096;
                    long offset = random.Next(0, (FileBytes - length) / 4096) * 4096L;
                    Memory<byte> memory = whole[..length];
                    bool write = random.Next(3) == 0;
                    if (write)
                    {
                        content.AsMemory((int)offset, length).CopyTo(memory);
                    }
                    int moment = random.Next(5);
                    using var cts = new CancellationTokenSource();
                    if (moment == 0)
                    {
                        cts.Cancel();
                    }
                    Task<int> request;
                    try
                    {
                        request = write ? file.WriteAsync(memory, offset, cts.Token).AsTask() : file.ReadAsync(memory, offset, cts.Token).AsTask();
                    }
                    catch (DirectIoCanceledException) when (moment == 0)
                    {
                        outcomes[w, 0]++;
                        continue;
                    }
                    if (moment == 2)
                    {
                        Thread.SpinWait(random.Next(0, 20_000));
                    }
                    if (moment is 1 or 2)
                    {
                        cts.Cancel();
                    }
                    bool canceled = write
                        ? await CanceledOrWhole(request, length, cts.Token)
                        : await CanceledOrCorrect(request, memory, content, offset, cts.Token);
                    Assert.False(canceled && moment is 3 or 4, $"worker {w} request {i}: canceled at moment {moment}");
                    outcomes[w, canceled ? 0 : 1]++;
                    if (moment == 3)
                    {
                        cts.Cancel();
                    }
                }
            })));
        }

        int canceledCount = Enumerable.Range(0, Workers).Sum(w => outcomes[w, 0]);
        output.WriteLine($"{canceledCount} canceled, {(Workers * PerWorker) - canceledCount} completed; ring: {ring.CanceledWaiting} bios canceled waiting, " +
            $"{ring.CancelsSent} cancels sent, {ring.CancelsFound} found, {ring.CanceledInFlight} ended -ECANCELED; stale {ring.StaleCompletions}");
        Assert.True(ring.CancelsSent > 0, "no cancellation reached a request in the ring: the in-flight path was never taken");
        Assert.Equal(0, ring.StaleCompletions);
        Memory<byte> back = FileBuffers.PinnedAligned(FileBytes);
        Assert.Equal(FileBytes, await file.ReadAsync(back, 0));
        FileModel.AssertSame(content, back.Span, 0, "the file after every request");
    }

    /// <summary>
    /// Failed before (RandomMoments once saw "worker 2 request 1: canceled at moment 3": request 0,
    /// a read canceled just after submission, then request 1 on the same pooled DioRequest). A
    /// cancellation queued for a request that has ended reaches the ring as the request object is
    /// reused: the ring reads the old generation, then the object takes its next generation and
    /// hands its new bio over from another thread. The ring took the hand-over queue after
    /// reading the generation and ended that bio with ECANCELED; it must run and read the file.
    /// </summary>
    [SkippableFact]
    public async Task ACancelForAnEndedRequest_ReadAsItsObjectIsReused_LeavesTheNewUsesBioAlone()
    {
        (string path, byte[] content) = PatternFile("reused");
        await using DirectFile file = DirectFile.Open(path, new DirectFileOptions { QueueDepth = 4 });
        IoUringEngine ring = RingOf(file);
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        try
        {
            var ended = new TaskCompletionSource<Bio>(TaskCreationOptions.RunContinuationsAsynchronously);
            var target = new ReusedAsTheRingReadsIt(owner =>
            {
                var bio = new Bio(BioOp.Read, 8, file.Device.Limits) { Private = owner, EndIo = b => ended.TrySetResult(b) };
                Assert.True(bio.AddPage(page, 4096, 0));
                file.Device.Submit(bio);
            });

            ((IBioCanceler)file.Device).CancelInFlight(target, ReusedAsTheRingReadsIt.EndedGeneration);
            Bio newUse = await ended.Task.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(target.Reused, "the ring never read the target's generation");
            Assert.Equal(BlkStatus.Ok, newUse.Status);
            FileModel.AssertSame(content.AsSpan(4096, 4096), page.AsSpan(), 4096, "the new use's read");
            Assert.Equal(0, ring.CanceledWaiting);
            Assert.Equal(0, ring.CancelsSent);
        }
        finally
        {
            page.Put();
        }
    }

    /// <summary>
    /// A request object (a DioRequest back in its cache) whose last use, <see cref="EndedGeneration"/>,
    /// has ended, reused at the moment the ring reads its generation: the read returns the ended
    /// generation, and before it returns the object has taken its next one and handed the new use's
    /// bio to the device from another thread (through the ring's hand-over queue), as the thread
    /// that canceled the ended use does when it rents the object again for its next request.
    /// </summary>
    private sealed class ReusedAsTheRingReadsIt(Action<IBioCancelTarget> submitNextUse) : IBioCancelTarget
    {
        public const int EndedGeneration = 1;

        private int _generation = EndedGeneration;
        private int _reused;

        public bool Reused => Volatile.Read(ref _reused) != 0;

        public int CancelGeneration
        {
            get
            {
                int seen = Volatile.Read(ref _generation);
                if (Interlocked.Exchange(ref _reused, 1) == 0)
                {
                    Interlocked.Increment(ref _generation);
                    Task.Run(() => submitNextUse(this)).Wait();
                }
                return seen;
            }
        }
    }

    /// <summary>True when the request ended canceled (with the token); otherwise asserts it read the file's bytes.</summary>
    private static async Task<bool> CanceledOrCorrect(Task<int> request, Memory<byte> memory, byte[] content, long offset, CancellationToken token)
    {
        try
        {
            int done = await request;
            Assert.True(done > 0 && done % 4096 == 0, $"read at {offset}: {done} bytes");
            FileModel.AssertSame(content.AsSpan((int)offset, done), memory.Span[..done], offset, $"read at {offset}");
            return false;
        }
        catch (DirectIoCanceledException e)
        {
            Assert.Equal(token, e.CancellationToken);
            Assert.Equal(Errno.ECANCELED, e.Errno);
            return true;
        }
    }

    private static async Task<bool> CanceledOrWhole(Task<int> request, int length, CancellationToken token)
    {
        try
        {
            int done = await request;
            Assert.True(done > 0 && done % 4096 == 0 && done <= length, $"write of {length}: {done} bytes");
            return false;
        }
        catch (DirectIoCanceledException e)
        {
            Assert.Equal(token, e.CancellationToken);
            return true;
        }
    }

    private (string Path, byte[] Content) PatternFile(string name)
    {
        string path = _dir.File(name);
        byte[] content = FileWorkload.Data(FileBytes, seed: 31);
        File.WriteAllBytes(path, content);
        return (path, content);
    }

    private static IoUringEngine RingOf(DirectFile file) =>
        Requires.Available(file.Device.EngineCore as IoUringEngine, "io_uring is unavailable here (the engine fell back to sync)");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
