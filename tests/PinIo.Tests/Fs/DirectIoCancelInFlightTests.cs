using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Fs;

/// <summary>
/// A token that fires while a request is in flight (issue 13 item 4), on a device that holds
/// bios until the test releases them: the request ends with ECANCELED as a
/// <see cref="DirectIoCanceledException"/> carrying the token, or — when some bios had already
/// been done — with the bytes before the first canceled one, correct; every page comes back
/// once (base class).
/// </summary>
public sealed class DirectIoCancelInFlightTests(ITestOutputHelper output) : PinBalancedTest
{
    private const int BioBytes = 16 * 1024;
    private static readonly QueueLimits Limits = QueueLimits.Default with { MaxSectorsBytes = BioBytes };

    /// <summary>Failed before: the token was looked at only before submission; the held request waited for the device.</summary>
    [Fact]
    public async Task TokenFiredWhileHeld_EndsTheRequestWithEcanceled_WithoutTheDevice()
    {
        using var disk = new RamDisk(1 << 20, Limits);
        var device = new BlockHoldingDevice(disk);
        Memory<byte> memory = FileBuffers.PinnedAligned(4 * BioBytes);
        using var cts = new CancellationTokenSource();

        ValueTask<long> pending = DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, memory), cts.Token);
        Assert.Equal(4, device.Held);
        cts.Cancel();

        Assert.True(pending.IsCompleted, "the canceled request still waits for its bios");
        DirectIoCanceledException e = await Assert.ThrowsAsync<DirectIoCanceledException>(async () => await pending);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(Errno.ECANCELED, e.Errno);
        Assert.Equal(0, device.Held);
    }

    [Fact]
    public async Task ATokenThatFiresAfterTheRequestEnded_ReachesNoDevice_TheRegistrationWasDisposed()
    {
        using var disk = new RamDisk(1 << 20, Limits);
        var device = new BlockHoldingDevice(disk);
        Memory<byte> memory = FileBuffers.PinnedAligned(2 * BioBytes);
        using var cts = new CancellationTokenSource();

        for (int i = 0; i < 10; i++)
        {
            ValueTask<long> pending = DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, memory), cts.Token);
            device.Release();
            Assert.Equal(2L * BioBytes, await pending);
        }
        cts.Cancel();

        Assert.Equal(0, device.CancelRequests);
    }

    [Fact]
    public async Task TokenFiredAfterSomeBiosRan_ReturnsTheBytesBeforeTheFirstCanceled()
    {
        using var disk = new RamDisk(1 << 20, Limits);
        byte[] data = FileWorkload.Data(4 * BioBytes, seed: 2);
        Memory<byte> source = FileBuffers.PinnedAligned(data.Length);
        data.CopyTo(source);
        await DirectIo.WriteAsync(disk, 0, IovIter.User(IterDirection.Source, source));
        var device = new BlockHoldingDevice(disk);
        Memory<byte> memory = FileBuffers.PinnedAligned(data.Length);
        using var cts = new CancellationTokenSource();

        ValueTask<long> pending = DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, memory), cts.Token);
        device.Release(2);
        cts.Cancel();

        Assert.Equal(2L * BioBytes, await pending);
        FileModel.AssertSame(data.AsSpan(0, 2 * BioBytes), memory.Span[..(2 * BioBytes)], 0, "the bytes before the canceled bios");
        Assert.Equal(2, device.Canceled);
    }

    /// <summary>
    /// Thousands of requests, each canceled at a random moment: before submission, while every
    /// bio is held, after some ran, after all ran, or never; reads and writes of user memory and
    /// pool pages. Each ends canceled or with correct bytes; the pins balance.
    /// </summary>
    [Fact]
    public async Task RandomMoments_EveryRequestEndsCanceledOrCorrect_AndEveryPageComesBack()
    {
        const int Requests = 3000;
        const int Capacity = 1 << 20;
        using var disk = new RamDisk(Capacity, Limits);
        var device = new BlockHoldingDevice(disk);
        var model = new byte[Capacity];
        var random = new Random(1313);
        var outcomes = new int[3];

        using (FilePinRecording.Suspend())
        {
            for (int i = 0; i < Requests; i++)
            {
                int bios = random.Next(1, 5);
                int length = bios * BioBytes - (random.Next(2) * 4096);
                long offset = random.Next(0, (Capacity - length) / 4096) * 4096L;
                bool write = random.Next(2) == 0;
                int moment = random.Next(5);
                Memory<byte> memory = FileBuffers.PinnedAligned(length);
                if (write)
                {
                    random.NextBytes(memory.Span);
                }
                using var cts = new CancellationTokenSource();
                if (moment == 0)
                {
                    cts.Cancel();
                }
                var iter = IovIter.User(write ? IterDirection.Source : IterDirection.Dest, memory);
                ValueTask<long> pending;
                try
                {
                    pending = write ? DirectIo.WriteAsync(device, offset, iter, cts.Token) : DirectIo.ReadAsync(device, offset, iter, cts.Token);
                }
                catch (DirectIoCanceledException) when (moment == 0)
                {
                    outcomes[0]++;
                    continue;
                }
                int released = moment switch { 2 => random.Next(0, bios), 3 => int.MaxValue, _ => 0 };
                device.Release(released);
                if (moment != 4)
                {
                    cts.Cancel();
                }
                device.Release();
                try
                {
                    long done = await pending;
                    Assert.True(done > 0 && done % BioBytes is 0 || done == length, $"request {i}: {done} bytes is not a whole number of bios");
                    if (write)
                    {
                        memory.Span[..(int)done].CopyTo(model.AsSpan((int)offset));
                    }
                    else
                    {
                        FileModel.AssertSame(model.AsSpan((int)offset, (int)done), memory.Span[..(int)done], offset, $"request {i}");
                    }
                    outcomes[done == length ? 2 : 1]++;
                }
                catch (DirectIoCanceledException e)
                {
                    Assert.True(moment is 1 or 2, $"request {i} was canceled at moment {moment}, when nothing was held any more");
                    Assert.Equal(cts.Token, e.CancellationToken);
                    outcomes[0]++;
                }
            }
        }

        output.WriteLine($"{outcomes[0]} canceled, {outcomes[1]} partial, {outcomes[2]} whole; {device.Canceled} bios canceled in flight");
        Assert.True(outcomes[0] > Requests / 10 && outcomes[1] > 0 && outcomes[2] > Requests / 10, "the moments did not cover every outcome");
        Memory<byte> back = FileBuffers.PinnedAligned(Capacity);
        Assert.Equal(Capacity, await DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, back)));
        FileModel.AssertSame(model, back.Span, 0, "the device after every request");
    }
}
