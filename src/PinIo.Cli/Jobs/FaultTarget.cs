using PinIo.Block;
using PinIo.Cli.Options;
using PinIo.Devices;

namespace PinIo.Cli.Jobs;

/// <summary>
/// <c>faulty:SPEC:TARGET</c>: any other target behind PinIo's <see cref="FaultDevice"/> — dm-flakey,
/// dm-dust, dm-delay, a volatile write cache — so that a verify job can be run against a flaky
/// device. SPEC is <see cref="FaultSpec"/>'s text (no colon in it); TARGET is everything after
/// the second colon, parsed as a filename of its own (<c>ram:64m</c>, a path, a block device).
/// </summary>
internal sealed record FaultTarget(string Filename, FaultOptions Fault, Target Inner) : Target(Filename)
{
    public const string Prefix = "faulty:";

    public override long Capacity => Inner.Capacity;

    public override int LogicalBlockSize => Inner.LogicalBlockSize;

    public override bool NeedsLayout => Inner.NeedsLayout;

    public override string DeviceKey => $"faulty|{Filename}|{Inner.DeviceKey}";

    /// <summary>A delayed bio ends on the delay thread, not the job's.</summary>
    public override bool CompletesOnJobThread => Inner.CompletesOnJobThread && Fault.Delay is null;

    public override IBlockDevice Open(long fixedBufferBytes) => new FaultDevice(Inner.Open(fixedBufferBytes), Fault);

    public static FaultTarget Parse(string jobName, string filename, JobOptions o)
    {
        string rest = filename[Prefix.Length..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || colon == rest.Length - 1)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: expected faulty:SPEC:TARGET, as faulty:flakey,up=9io,down=1io,drop_writes:ram:64m (see README, \"Faulty devices\")");
        }
        if (o.Get(Opt.IoEngine) == IoEngineKind.Dotnet)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=dotnet runs .NET RandomAccess on a file; a faulty: target needs PinIo's Direct I/O path (pick psync or io_uring)");
        }
        FaultOptions fault;
        try
        {
            fault = FaultSpec.Parse(rest[..colon]);
        }
        catch (FormatException e)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: {e.Message}", e);
        }
        Target inner = ParseName(jobName, rest[(colon + 1)..], o);
        if (inner is FileTarget file)
        {
            // The job polls only a ring it holds itself; behind a FaultDevice the ring reaps on its own thread.
            inner = file with { Unpolled = true, CompletionPolling = false };
        }
        return new FaultTarget(filename, fault, inner);
    }
}
