// Follows fio's flow.c (flow_threshold_exceeded) and zbd.c (zbd_reset_zone) in meaning, not in code.
namespace PinIo.Cli.Runner;

/// <summary>What a job shares with other jobs while it runs: its flow (flow_id) and a target's zones (zonemode=zbd).</summary>
internal sealed partial class JobRunner
{
    /// <summary>The flow (flow_id) the job's flow weight counts in from its start (<see cref="Prepare"/>) to its end; null: in no flow.</summary>
    public FlowCounter? Flow { get; init; }

    /// <summary>zonemode=zbd: the target's zones, shared with the other jobs on it for the whole run (checked with <see cref="ZonedDevice.Check"/> first).</summary>
    public ZonedDevice? SharedZones
    {
        init
        {
            if (value is not null)
            {
                Zoned = value.Attach(_plan, DiscardZone);
                _source.AttachZones(Zoned);
            }
        }
    }

    /// <summary>zonemode=zbd: the job's side of its zones (its resets); null otherwise.</summary>
    public ZonedJob? Zoned { get; private set; }

    /// <summary>The job's count and weight taken out of its flow, so the jobs still running share it alone.</summary>
    private void LeaveFlow()
    {
        _loop.Flow?.Dispose();
        _loop.Flow = null;
    }

    /// <summary>A zone reset's discard, once the job's I/O in flight has ended; a failed one fails the job.</summary>
    private void DiscardZone(long offset, long length)
    {
        if (!_discards)
        {
            return;
        }
        _loop.Quiesce();
        try
        {
            for (long done = 0; done < length;)
            {
                int piece = (int)Math.Min(length - done, 1L << 30);
                _loop.Completions.Wait(_io!.TrimAsync(offset + done, piece));
                done += piece;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _loop.Fail(e);
        }
    }
}
