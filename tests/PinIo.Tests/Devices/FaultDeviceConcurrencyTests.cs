using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>
/// Every behaviour at once, from many tasks, over a device that completes on its own threads:
/// each request ends (with its bytes or EIO naming the fault), nothing is left in flight, and
/// pins and pool pages balance (base class).
/// </summary>
public sealed class FaultDeviceConcurrencyTests : PinBalancedTest
{
    [Theory]
    [InlineData(RamDiskCompletion.Worker)]
    [InlineData(RamDiskCompletion.Inline)]
    public async Task ManyTasks_UnderEveryFaultAtOnce_EveryRequestEnds(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(4 << 20, new RamDiskOptions { Completion = completion, Limits = new QueueLimits { MaxSectorsBytes = 8192 } });
        var device = new FaultDevice(disk, new FaultOptions
        {
            Seed = 5,
            Flakey = new FlakeyOptions { Up = FaultInterval.Count(7), Down = FaultInterval.Count(3), Corrupt = new CorruptOptions { Byte = 0, Writes = false } },
            Dust = new DustOptions { BlockSize = 4096, BadBlocks = [.. Enumerable.Range(0, 1024).Where(b => b % 17 == 0).Select(b => (long)b)], WriteFailures = 1 },
            Delay = new DelayOptions { Read = TimeSpan.FromMilliseconds(0.2), Flush = TimeSpan.FromMilliseconds(0.5) },
            PowerCut = new PowerCutOptions { EarlyWriteBack = 0.3 },
        }, leaveInnerOpen: true);
        int ended = 0, failed = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(task => Task.Run(async () =>
        {
            var random = new Random(task);
            Memory<byte> buffer = BlockMemory.Aligned(32 * 1024);
            for (int i = 0; i < 60; i++)
            {
                int length = random.Next(1, 9) * 4096;
                long offset = random.Next(0, ((4 << 20) - length) / 4096) * 4096L;
                try
                {
                    switch (random.Next(5))
                    {
                        case 0:
                            await DirectIo.FlushAsync(device);
                            break;
                        case 1 or 2:
                            await DirectIo.WriteAsync(device, offset, IovIter.User(IterDirection.Source, buffer[..length]));
                            break;
                        default:
                            await DirectIo.ReadAsync(device, offset, IovIter.User(IterDirection.Dest, buffer[..length]));
                            break;
                    }
                }
                // DirectIo.FlushAsync reports a failed flush without the device's reason, so only data requests are asked to name it.
                catch (DirectIoException e) when (e.Errno == Errno.EIO && (e.Message.Contains("FaultDevice", StringComparison.Ordinal) || e.Message.StartsWith("flush failed", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref failed);
                }
                Interlocked.Increment(ref ended);
                if (task == 0 && i % 20 == 19)
                {
                    device.Cut();
                }
            }
        })));
        device.Dispose();

        Assert.Equal(8 * 60, ended);
        Assert.True(failed > 0, "no request met a fault");
        Assert.Equal(0, device.InFlight);
        Assert.Equal(0, device.UnflushedBytes);
    }
}
