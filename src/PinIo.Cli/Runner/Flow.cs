// Follows fio's flow.c (flow_threshold_exceeded, flow_init_job, flow_exit_job) in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// One flow_id's shared count: the I/Os its running jobs have issued (from 1, as fio's) and
/// the sum of their weights. A job joins when its measured run starts and leaves, taking its
/// count and weight out, when it ends, so the jobs still running share the flow alone.
/// </summary>
internal sealed class FlowCounter
{
    private long _count = 1;
    private long _totalWeight;

    public long Count => Volatile.Read(ref _count);

    public long TotalWeight => Volatile.Read(ref _totalWeight);

    /// <summary>The flow of each flow_id among <paramref name="plans"/>' jobs with a flow weight, by job index (null: not in a flow).</summary>
    public static FlowCounter?[] ForJobs(IReadOnlyList<JobPlan> plans)
    {
        var flows = new Dictionary<int, FlowCounter>();
        var byJob = new FlowCounter?[plans.Count];
        for (int i = 0; i < plans.Count; i++)
        {
            if (plans[i].Get(Opt.Flow) > 0)
            {
                int id = plans[i].Get(Opt.FlowId);
                if (!flows.TryGetValue(id, out FlowCounter? flow))
                {
                    flows.Add(id, flow = new FlowCounter());
                }
                byJob[i] = flow;
            }
        }
        return byJob;
    }

    public void Join(int weight) => Interlocked.Add(ref _totalWeight, weight);

    public void Leave(long count, int weight)
    {
        Interlocked.Add(ref _count, -count);
        Interlocked.Add(ref _totalWeight, -weight);
    }

    public void Add() => Interlocked.Increment(ref _count);
}

/// <summary>
/// One job in a flow: before each I/O it asks whether its share of the flow's I/Os is above
/// its share of the weights; if so it waits flow_sleep (nothing in flight) and asks again,
/// else it counts the I/O. Job thread only; one atomic add per I/O.
/// </summary>
internal sealed class FlowMember : IDisposable
{
    private readonly FlowCounter _flow;
    private readonly int _weight;
    private readonly long _sleepUs;
    private long _count;

    private FlowMember(FlowCounter flow, int weight, long sleepUs)
    {
        _flow = flow;
        _weight = weight;
        _sleepUs = sleepUs;
        flow.Join(weight);
    }

    /// <summary>Joins <paramref name="flow"/> with the job's flow weight; null when the job is in no flow.</summary>
    public static FlowMember? Join(FlowCounter? flow, JobPlan plan) => flow is null ? null : new FlowMember(flow, plan.Get(Opt.Flow), plan.Get(Opt.FlowSleep));

    /// <summary>The I/Os this job counted in the flow.</summary>
    public long Count => _count;

    /// <summary>True when the job is ahead of its share and must wait (<see cref="Wait"/>); false when it may issue, the I/O counted.</summary>
    public bool Ahead()
    {
        if ((double)_count / _flow.Count > (double)_weight / _flow.TotalWeight)
        {
            return true;
        }
        _flow.Add();
        _count++;
        return false;
    }

    /// <summary>flow_sleep, or with flow_sleep=0 the CPU given up once (fio retries at once).</summary>
    public void Wait(CancellationToken ct)
    {
        if (_sleepUs > 0)
        {
            Pause.Until(System.Diagnostics.Stopwatch.GetTimestamp() + IoClock.UsToTicks(_sleepUs), ct);
        }
        else if (!Thread.Yield())
        {
            Thread.Sleep(0);
        }
    }

    public void Dispose() => _flow.Leave(_count, _weight);
}
