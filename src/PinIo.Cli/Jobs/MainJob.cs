using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// The job <c>pinio</c> runs without a <c>--name</c>: 4 KiB random reads at depth 32 on a
/// 1 GiB embedded RAM disk (laid out first, so reads return data) for 5 seconds. Options given
/// without a <c>--name</c> change this job; as a fio job file it reads:
/// <code>
/// [main]
/// filename=ram:1g
/// rw=randread
/// bs=4k
/// iodepth=32
/// ioengine=io_uring
/// direct=1
/// runtime=5s
/// time_based
/// </code>
/// </summary>
internal static class MainJob
{
    public static JobOptions Options()
    {
        var job = new JobOptions();
        job.Set(Opt.Name.Name, "main");
        job.Set(Opt.Filename.Name, "ram:1g");
        job.Set(Opt.Rw.Name, "randread");
        job.Set(Opt.Bs.Name, "4k");
        job.Set(Opt.IoDepth.Name, "32");
        job.Set(Opt.IoEngine.Name, "io_uring");
        job.Set(Opt.Direct.Name, "1");
        job.Set(Opt.Runtime.Name, "5s");
        job.Set(Opt.TimeBased.Name, null);
        return job;
    }
}
