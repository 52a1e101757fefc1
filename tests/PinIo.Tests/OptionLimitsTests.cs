using PinIo.Devices;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests;

/// <summary>
/// Every public size or count option refuses an impossible value with an
/// <see cref="ArgumentOutOfRangeException"/> naming the option and its limit, before anything
/// is opened or allocated — never a silent wrap or clamp (a 16 TiB pool cast to int was 8 KiB).
/// </summary>
public sealed class OptionLimitsTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    public static TheoryData<string, DirectFileOptions> ImpossibleDirectFileOptions() => new()
    {
        { "BufferPoolBytes", new DirectFileOptions { BufferPoolBytes = (1L << 44) + 8192 } },
        { "BufferPoolBytes", new DirectFileOptions { BufferPoolBytes = -4096 } },
        { "BufferPoolBytes", new DirectFileOptions { BufferPoolBytes = long.MaxValue } },
        { "QueueDepth", new DirectFileOptions { QueueDepth = 0 } },
        { "QueueDepth", new DirectFileOptions { QueueDepth = -1 } },
        { "QueueDepth", new DirectFileOptions { QueueDepth = int.MaxValue } },
        { "SyncWorkers", new DirectFileOptions { SyncWorkers = -1 } },
        { "SyncWorkers", new DirectFileOptions { SyncWorkers = 1025 } },
        { "InitialSize", new DirectFileOptions { InitialSize = -1 } },
        { "SubmissionPollIdleMs", new DirectFileOptions { SubmissionPollIdleMs = -1 } },
    };

    [Theory]
    [MemberData(nameof(ImpossibleDirectFileOptions))]
    public void DirectFileOpen_WithAnImpossibleSize_ThrowsNamingTheOptionAndItsLimit(string option, DirectFileOptions options)
    {
        string path = _dir.File("f");
        var options2 = new DirectFileOptionsWrapper(options, path);

        var e = Assert.Throws<ArgumentOutOfRangeException>(options2.Open);

        Assert.Equal(option, e.ParamName);
        string said = e.Message[..e.Message.IndexOf("(Parameter", StringComparison.Ordinal)];
        Assert.Matches("[0-9]", said);
        Assert.False(File.Exists(path), "the file was created before the options were checked");
    }

    public static TheoryData<string, FileDeviceOptions> ImpossibleFileDeviceOptions() => new()
    {
        { "BufferPoolBytes", new FileDeviceOptions { BufferPoolBytes = (1L << 44) + 8192 } },
        { "BufferPoolBytes", new FileDeviceOptions { BufferPoolBytes = -1 } },
        { "QueueDepth", new FileDeviceOptions { QueueDepth = 0 } },
        { "QueueDepth", new FileDeviceOptions { QueueDepth = 1 << 20 } },
        { "SyncWorkers", new FileDeviceOptions { SyncWorkers = -3 } },
        { "InitialSize", new FileDeviceOptions { InitialSize = -4096 } },
        { "SubmitBatch", new FileDeviceOptions { SubmitBatch = 0 } },
        { "SubmitBatch", new FileDeviceOptions { SubmitBatch = -5 } },
    };

    [Theory]
    [MemberData(nameof(ImpossibleFileDeviceOptions))]
    public void FileDeviceOpen_WithAnImpossibleSize_ThrowsNamingTheOptionAndItsLimit(string option, FileDeviceOptions options)
    {
        string path = _dir.File("d");

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FileDevice.Open(path, options with { Create = true }));

        Assert.Equal(option, e.ParamName);
        Assert.False(File.Exists(path), "the file was created before the options were checked");
    }

    [Fact]
    public void ABufferPoolThatIsNotAWholeNumberOfPages_IsRoundedUp_NeverDown()
    {
        using DirectFile file = DirectFile.Open(_dir.File("p"), new DirectFileOptions { Create = true, InitialSize = 1 << 20, BufferPoolBytes = 6000 });

        Assert.Equal(2, file.Device.BufferPool!.Capacity);
        using var buffer = file.AllocateBuffer(6000);
    }

    [Fact]
    public void PagePool_LargerThanItsPageArrayCanHold_IsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PagePool(int.MaxValue));

        Assert.Equal("pageCount", e.ParamName);
        Assert.Contains(Array.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PipeBuffer_WithMorePagesThanItsPoolHas_IsRefused()
    {
        using var pool = new PagePool(4);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PinIo.Iov.PipeBuffer(pool, maxPages: 5));

        Assert.Equal("maxPages", e.ParamName);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Keeps the theory data free of the path, which only exists per test.</summary>
    private sealed class DirectFileOptionsWrapper(DirectFileOptions options, string path)
    {
        public void Open()
        {
            var withCreate = new DirectFileOptions
            {
                Engine = options.Engine, QueueDepth = options.QueueDepth, Create = true, InitialSize = options.InitialSize,
                SyncWorkers = options.SyncWorkers, BufferPoolBytes = options.BufferPoolBytes, SubmissionPollIdleMs = options.SubmissionPollIdleMs,
            };
            using DirectFile file = DirectFile.Open(path, withCreate);
        }
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
