using PinIo.Block;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>The <see cref="FaultDevice"/> log: bounded, oldest first, written to a file at Dispose when asked.</summary>
public sealed class FaultDeviceLogTests : PinBalancedTest, IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task ABoundedLog_KeepsTheNewestRecordsAndCountsTheRest()
    {
        using var device = new FaultDevice(new RamDisk(1 << 20), new FaultOptions { LogCapacity = 100, LogEveryBio = true });
        for (int i = 0; i < 250; i++)
        {
            await FaultDeviceFlakeyTests.SubmitOne(device, i % 2 == 0 ? BioOp.Write : BioOp.Read, i * 8);
        }

        IReadOnlyList<FaultRecord> records = device.Log.Snapshot();
        Assert.Equal(Enumerable.Range(151, 100).Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.All(records, r => Assert.Equal(FaultAction.Passed, r.Action));
        Assert.Equal(250, device.Log.Count);
        Assert.Equal(150, device.Log.Discarded);
    }

    [Fact]
    public async Task LogPath_GetsTheLogAtDispose()
    {
        string path = _dir.File("faults.log");
        var device = new FaultDevice(new RamDisk(1 << 20), new FaultOptions { LogPath = path, Flakey = FaultDeviceFlakeyTests.AlwaysDown });
        await FaultDeviceFlakeyTests.SubmitOne(device, BioOp.Write, 16);

        device.Dispose();

        string[] lines = File.ReadAllLines(path);
        Assert.StartsWith("# FaultDevice log: 1 records", lines[0], StringComparison.Ordinal);
        Assert.Contains("Write sector 16 +8 Failed", lines[1], StringComparison.Ordinal);
    }

    void IDisposable.Dispose()
    {
        _dir.Dispose();
        Dispose();
    }
}
