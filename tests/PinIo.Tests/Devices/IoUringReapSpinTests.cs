using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using static PinIo.Tests.Infrastructure.PolledCompletions;

namespace PinIo.Tests.Devices;

/// <summary>
/// FileDeviceOptions.ReapSpinMicroseconds: a polled ring's reap looks for its completions by
/// entering without a wait before it sleeps. The spin runs when asked for and never otherwise,
/// the data round-trips through it, nothing is left pinned, and impossible values are refused
/// by name. (Whether it is faster is bench/'s to say.)
/// </summary>
public sealed class IoUringReapSpinTests : PinBalancedTest
{
    private const int Block = 64 * 1024;
    private const int Blocks = 32;

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(0)]
    [InlineData(1_000_000)]
    public void ReapSpin_RoundTripsData_AndSpinsOnlyWhenAskedFor(int spinUs)
    {
        using FileDevice device = FileDevice.Open(_dir.File($"spin{spinUs}"), new FileDeviceOptions
        {
            Create = true,
            InitialSize = Blocks * Block,
            QueueDepth = 4,
            PolledCompletions = true,
            ReapSpinMicroseconds = spinUs,
        });
        Memory<byte> buffer = FileBuffers.PinnedAligned(Block);
        for (int i = 0; i < Blocks; i++)
        {
            FileWorkload.Data(Block, seed: i).CopyTo(buffer);
            Assert.Equal(Block, Wait(device, DirectIo.WriteAsync(device, (long)i * Block, IovIter.User(IterDirection.Source, buffer))));
        }
        for (int i = 0; i < Blocks; i++)
        {
            buffer.Span.Clear();
            Assert.Equal(Block, Wait(device, DirectIo.ReadAsync(device, (long)i * Block, IovIter.User(IterDirection.Dest, buffer))));
            FileModel.AssertSame(FileWorkload.Data(Block, seed: i), buffer.Span, (long)i * Block, $"block {i}, reaped {(spinUs > 0 ? "by spinning" : "by sleeping")}");
        }

        var engine = (IoUringEngine)device.EngineCore;
        if (spinUs > 0)
        {
            Assert.True(engine.Spins > 0, "a reap with ReapSpinMicroseconds set and I/O in flight never spun");
        }
        else
        {
            Assert.Equal(0, engine.Spins);
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(FileDeviceOptions.MaxReapSpinMicroseconds + 1)]
    public void ReapSpin_OutOfRange_IsRefusedByName(int spinUs)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FileDevice.Open(_dir.File("refused"), new FileDeviceOptions
        {
            Create = true,
            InitialSize = Block,
            PolledCompletions = true,
            ReapSpinMicroseconds = spinUs,
        }));
        Assert.Contains(nameof(FileDeviceOptions.ReapSpinMicroseconds), e.Message, StringComparison.Ordinal);
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
