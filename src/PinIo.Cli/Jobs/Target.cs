using PinIo.Cli.Options;
using PinIo.Devices;

namespace PinIo.Cli.Jobs;

/// <summary>
/// Where a job does its I/O. For now only <c>ram:SIZE</c>: PinIo's <see cref="RamDisk"/>,
/// driven through <see cref="Fs.DirectIo"/>. The engine decides how the disk completes:
/// synchronous engines (psync, sync, pvsync2) complete each bio inside the submitting call,
/// as a synchronous syscall does (so fio's depth cap of 1 holds); asynchronous ones
/// (io_uring, libaio) complete on a device thread, concurrently with submission, as a real
/// device's interrupt would, so <c>iodepth</c> requests are in flight.
/// </summary>
internal sealed record Target(string Filename, long Capacity, RamDiskCompletion Completion)
{
    public const string RamPrefix = "ram:";

    /// <summary>Parses a job's filename; throws <see cref="OptionException"/> for a target pinio cannot open yet.</summary>
    public static Target Parse(string jobName, string? filename, IoEngineKind engine)
    {
        if (filename is null)
        {
            throw new OptionException($"pinio: job '{jobName}': no filename; use --filename=ram:SIZE (files and block devices come with the real-I/O engines)");
        }
        if (!filename.StartsWith(RamPrefix, StringComparison.OrdinalIgnoreCase))
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: only ram:SIZE targets are supported yet (files and block devices come with the real-I/O engines)");
        }
        if (engine == IoEngineKind.Dotnet)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=dotnet runs .NET RandomAccess on a file, not on a ram: target");
        }
        long capacity;
        try
        {
            capacity = ValueParsers.ParseSize(filename[RamPrefix.Length..]);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new OptionException($"pinio: failed parsing filename={filename}: {e.Message}", e);
        }
        if (capacity < 4096 || capacity % 4096 != 0)
        {
            throw new OptionException($"pinio: filename={filename}: a RAM disk needs a size that is a positive multiple of 4 KiB");
        }
        return new Target(filename, capacity, engine.IsSynchronous() ? RamDiskCompletion.Inline : RamDiskCompletion.Worker);
    }

    public RamDisk Open() => new(Capacity, new RamDiskOptions { Completion = Completion });
}
