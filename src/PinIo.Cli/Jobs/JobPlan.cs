using System.Security.Cryptography;
using PinIo.Block;
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// One job thread as it will run: its options resolved against its target and checked, with
/// fio's derived values (size from the target, the region rounded down to whole blocks, a
/// clone's own seed). <see cref="Resolve"/> turns a <see cref="JobSet"/> into plans, one per
/// <c>numjobs</c> clone.
/// </summary>
internal sealed record JobPlan
{
    public required string Name { get; init; }

    /// <summary>1-based number of this thread among all jobs (fio's thread_number).</summary>
    public required int Number { get; init; }

    public int GroupId { get; init; }

    public required JobOptions Options { get; init; }

    public required Target Target { get; init; }

    public required RwMode Rw { get; init; }

    public required int BlockSize { get; init; }

    public required int IoDepth { get; init; }

    public required long Offset { get; init; }

    /// <summary>Bytes of the region, a whole number of blocks.</summary>
    public required long Size { get; init; }

    /// <summary>Bytes to transfer before the job ends when it is not time based (size × loops).</summary>
    public required long IoBudget { get; init; }

    public required long RuntimeUs { get; init; }

    public required bool TimeBased { get; init; }

    public required VerifyKind Verify { get; init; }

    public required bool DoVerify { get; init; }

    /// <summary>The job's seed; a clone's differs from the others'.</summary>
    public required ulong Seed { get; init; }

    public required bool RandomMap { get; init; }

    public required IoEngineKind Engine { get; init; }

    public required bool FixedBufs { get; init; }

    public required int RwMixRead { get; init; }

    public required IReadOnlyList<double> Percentiles { get; init; }

    public long Blocks => Size / BlockSize;

    public static IReadOnlyList<JobPlan> Resolve(JobSet set)
    {
        var plans = new List<JobPlan>();
        foreach (JobOptions job in set.Jobs)
        {
            for (int clone = 0; clone < job.NumJobs; clone++)
            {
                plans.Add(ResolveOne(job, plans.Count + 1));
            }
        }
        return plans;
    }

    private static JobPlan ResolveOne(JobOptions o, int number)
    {
        string name = o.Name ?? throw new OptionException("pinio: a job needs a name (--name=NAME)");
        Target target = Target.Parse(name, o);
        int bs = o.BlockSize;
        int logical = target.LogicalBlockSize;
        if (bs % logical != 0)
        {
            throw new OptionException($"pinio: job '{name}': bs={bs} is not a multiple of the target's logical block size {logical} (Direct I/O needs whole blocks)");
        }
        if (o.Offset % bs != 0 || o.Offset >= target.Capacity)
        {
            throw new OptionException($"pinio: job '{name}': offset={o.Offset} must be a multiple of bs={bs} inside the {target.Capacity}-byte target");
        }
        long size = o.Size ?? target.Capacity - o.Offset;
        if (o.Offset + size > target.Capacity)
        {
            throw new OptionException($"pinio: job '{name}': offset={o.Offset} plus size={size} runs past the end of {target.Filename} ({target.Capacity} bytes)");
        }
        size -= size % bs;
        if (size == 0)
        {
            throw new OptionException($"pinio: job '{name}': size is smaller than one block of bs={bs}");
        }
        ulong seed = o.RandRepeat || o.IsSet("randseed") ? o.RandSeed : BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        return new JobPlan
        {
            Name = name,
            Number = number,
            Options = o,
            Target = target,
            Rw = o.Rw,
            BlockSize = bs,
            IoDepth = o.IoDepth,
            Offset = o.Offset,
            Size = size,
            IoBudget = checked(size * o.Loops),
            RuntimeUs = o.RuntimeUs,
            TimeBased = o.TimeBased,
            Verify = o.Verify,
            DoVerify = o.DoVerify,
            Seed = Runner.Taus88.DeriveSeed(seed, number, 0),
            RandomMap = !o.NoRandomMap,
            Engine = o.IoEngine,
            FixedBufs = o.FixedBufs,
            RwMixRead = o.RwMixRead,
            Percentiles = o.PercentileList,
        };
    }
}
