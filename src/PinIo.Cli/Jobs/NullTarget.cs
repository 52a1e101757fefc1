// Follows fio's engines/null.c in purpose: I/O that goes nowhere, to measure the I/O path itself.
using PinIo.Block;
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// ioengine=null: no file is opened or created (the filename is only a name) and no device
/// does I/O. Each I/O still goes through PinIo's Direct I/O path — its buffer pinned or
/// referenced, built into bios, released — to a <see cref="NullDevice"/> that ends every bio
/// at once without touching memory, so a null job measures PinIo's own cost per I/O (fio's
/// null engine skips even that). A read leaves its buffer as it was: nothing to verify.
/// </summary>
internal sealed record NullTarget(string Filename, long Bytes) : Target(Filename)
{
    public override long Capacity => Bytes;

    public override int LogicalBlockSize => QueueLimits.SectorSize;

    public override bool NeedsLayout => false;

    public override string DeviceKey => $"null|{Filename}";

    public override bool CompletesOnJobThread => true;

    public override IBlockDevice Open(long fixedBufferBytes) => new NullDevice(Bytes);

    public static NullTarget Parse(string jobName, string filename, JobOptions o)
    {
        long bytes = (o.Get(Opt.FileSize)?.Max ?? (o.Size is long size ? o.Get(Opt.Offset).Bytes + size : 0)) / QueueLimits.SectorSize * QueueLimits.SectorSize;
        if (bytes <= 0)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=null has no file to take a size from: give size= (or filesize=)");
        }
        if (o.Get(Opt.Verify) != VerifyKind.None || o.Get(Opt.VerifyPattern) is not null)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=null stores nothing, so there is nothing to verify: drop verify=, or pick an engine that does I/O");
        }
        return new NullTarget(filename, bytes);
    }
}

/// <summary>A block device of <paramref name="capacity"/> bytes that ends every bio as done, at once, touching no memory.</summary>
internal sealed class NullDevice(long capacity) : IBlockDevice
{
    public QueueLimits Limits { get; } = QueueLimits.Default;

    public long Capacity => capacity;

    public void Submit(Bio bio) => bio.Complete(BlkStatus.Ok);

    public void Dispose()
    {
    }
}
