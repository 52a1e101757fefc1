using PinIo.Block;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

public sealed class QueueLimitsTests : PinBalancedTest
{
    public static TheoryData<string, QueueLimits> NonsenseLimits => new()
    {
        { "LogicalBlockSize", new QueueLimits { LogicalBlockSize = 1000 } },
        { "LogicalBlockSize", new QueueLimits { LogicalBlockSize = 256 } },
        { "LogicalBlockSize", new QueueLimits { LogicalBlockSize = 0 } },
        { "LogicalBlockSize", new QueueLimits { LogicalBlockSize = 128 * 1024, PhysicalBlockSize = 128 * 1024 } },
        { "PhysicalBlockSize", new QueueLimits { LogicalBlockSize = 4096, PhysicalBlockSize = 512 } },
        { "PhysicalBlockSize", new QueueLimits { PhysicalBlockSize = 3000 } },
        { "MaxSectorsBytes", new QueueLimits { MaxSectorsBytes = 512 } },
        { "MaxSectorsBytes", new QueueLimits { LogicalBlockSize = 4096, MaxSectorsBytes = 6144 } },
        { "MaxSegments", new QueueLimits { MaxSegments = 0 } },
        { "MaxSegments", new QueueLimits { MaxSegments = -3 } },
        { "MaxSegmentSize", new QueueLimits { MaxSegmentSize = 1024 } },
        { "DmaAlignment", new QueueLimits { DmaAlignment = 0 } },
        { "DmaAlignment", new QueueLimits { DmaAlignment = 3 } },
        { "DmaAlignment", new QueueLimits { DmaAlignment = 8192 } },
    };

    [Theory]
    [MemberData(nameof(NonsenseLimits))]
    public void ValidateRejectsNonsenseNamingTheLimit(string limit, QueueLimits limits)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => limits.Validate());

        Assert.Equal(limit, e.ParamName);
        Assert.Contains(limit, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(NonsenseLimits))]
    public void RamDiskRefusesNonsenseLimits(string limit, QueueLimits limits)
    {
        _ = limit;
        Assert.ThrowsAny<ArgumentException>(() => new RamDisk(1 << 20, limits));
    }

    [Fact]
    public void ValidateAcceptsTheDefaultsAndSensibleLimits()
    {
        Assert.Same(QueueLimits.Default, QueueLimits.Default.Validate());
        var limits = new QueueLimits { LogicalBlockSize = 4096, PhysicalBlockSize = 4096, MaxSectorsBytes = 8192, MaxSegments = 1, MaxSegmentSize = 4096, DmaAlignment = 8 };
        Assert.Same(limits, limits.Validate());
    }
}
