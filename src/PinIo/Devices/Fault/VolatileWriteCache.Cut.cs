// Follows a disk's volatile write cache at power loss: unflushed writes survive whole, in part (torn) or not at all.
using System.Globalization;
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>What <see cref="FaultDevice.Cut"/> did with the writes that were not yet flushed.</summary>
public sealed record FaultCutResult(int WritesKept, int WritesTorn, int WritesDropped, long BlocksKept, long BlocksDropped, int FlushesFailed)
{
    /// <summary>Unflushed writes the cut decided on: kept whole, torn or dropped.</summary>
    public int Writes => WritesKept + WritesTorn + WritesDropped;
}

internal sealed partial class VolatileWriteCache
{
    private const string CutFailure = "FaultDevice: the power was cut before this flush ended, so data acknowledged before it may be lost";

    private int _cuts;

    /// <summary>
    /// Loses the cache as a power cut would: each unflushed write, oldest first, is kept whole,
    /// dropped, or torn (a random subset of its logical blocks kept), the choice made by the
    /// seed and the number of this cut; what is kept is written to the device before this
    /// returns. Flushes still waiting end with EIO. The cache then starts empty.
    /// </summary>
    public FaultCutResult Cut()
    {
        (List<CachedWrite> entries, List<FaultIo> flushes) = TakeEverything();
        var random = new Random((int)FaultRandom.Mix(seed, ++_cuts, salt: 4));
        int unit = Math.Max(QueueLimits.SectorSize, device.Inner.Limits.LogicalBlockSize);
        int kept = 0, torn = 0, dropped = 0;
        long blocksKept = 0, blocksDropped = 0;
        try
        {
            foreach (CachedWrite entry in entries)
            {
                bool[] survives = ChooseSurvivors(random, entry.Data.Length / unit);
                int survivors = survives.Count(s => s);
                blocksKept += survivors;
                blocksDropped += survives.Length - survivors;
                FaultAction action = survivors == survives.Length ? FaultAction.CutKept : survivors == 0 ? FaultAction.CutDropped : FaultAction.CutTorn;
                kept += action == FaultAction.CutKept ? 1 : 0;
                torn += action == FaultAction.CutTorn ? 1 : 0;
                dropped += action == FaultAction.CutDropped ? 1 : 0;
                WriteSurvivors(entry, survives, unit);
                device.Log.Add(entry.Sequence, BioOp.Write, entry.Sector, entry.Sectors, action, action == FaultAction.CutTorn ? Describe(survives, entry.Sector, unit) : null);
            }
        }
        finally
        {
            foreach (CachedWrite entry in entries)
            {
                entry.Release();
            }
            foreach (FaultIo io in flushes)
            {
                device.Log.Add(io.Sequence, BioOp.Flush, 0, 0, FaultAction.FlushFailed, "power cut");
                device.Finish(io, BlkStatus.IoError, Errno.EIO, CutFailure);
            }
            lock (_lock)
            {
                _cutting = false;
            }
            Kick();
        }
        return new FaultCutResult(kept, torn, dropped, blocksKept, blocksDropped, flushes.Count);
    }

    /// <summary>Waits for the write-back in flight to end, then empties the cache and its waiting flushes.</summary>
    private (List<CachedWrite>, List<FaultIo>) TakeEverything()
    {
        SpinWait spin = default;
        while (true)
        {
            lock (_lock)
            {
                if (!_busy && !_cutting)
                {
                    _cutting = true;
                    List<CachedWrite> entries = [.. _entries];
                    List<FaultIo> flushes = [.. _flushes.Select(f => f.Io)];
                    _entries.Clear();
                    _flushes.Clear();
                    _earlyDue = 0;
                    _unflushedBytes = 0;
                    return (entries, flushes);
                }
            }
            spin.SpinOnce();
        }
    }

    /// <summary>Kept whole, dropped, or torn: a third each; a torn write keeps at least one block and loses at least one.</summary>
    private static bool[] ChooseSurvivors(Random random, int blocks)
    {
        var survives = new bool[blocks];
        int choice = random.Next(3);
        if (choice == 0 || (choice == 2 && blocks == 1))
        {
            Array.Fill(survives, true);
            return survives;
        }
        if (choice == 1)
        {
            return survives;
        }
        int kept;
        do
        {
            kept = 0;
            for (int i = 0; i < blocks; i++)
            {
                survives[i] = random.Next(2) == 0;
                kept += survives[i] ? 1 : 0;
            }
        }
        while (kept == 0 || kept == blocks);
        return survives;
    }

    /// <summary>Writes each run of surviving blocks to the device and waits for it.</summary>
    private void WriteSurvivors(CachedWrite entry, bool[] survives, int unit)
    {
        foreach ((int start, int end) in SurvivingRuns(survives))
        {
            WriteNow(entry, start * unit, (end - start) * unit);
        }
    }

    /// <summary>The runs of surviving units, as [start, end) index pairs.</summary>
    private static IEnumerable<(int Start, int End)> SurvivingRuns(bool[] survives)
    {
        int i = 0;
        while (i < survives.Length)
        {
            if (!survives[i])
            {
                i++;
                continue;
            }
            int start = i;
            while (i < survives.Length && survives[i])
            {
                i++;
            }
            yield return (start, i);
        }
    }

    private void WriteNow(CachedWrite entry, int offset, int length)
    {
        using var done = new ManualResetEventSlim();
        Bio bio = BioPool.Rent(BioOp.Write, entry.Sector + (offset / QueueLimits.SectorSize), device.Inner.Limits);
        entry.Data.AddTo(bio, offset, length);
        bio.Private = done;
        bio.EndIo = static b => ((ManualResetEventSlim)b.Private!).Set();
        FaultDevice.SubmitOrFail(device.Inner, bio);
        done.Wait();
        BlkStatus status = bio.Status;
        Errno errno = bio.Error;
        bio.ReleasePages(markDirty: false);
        BioPool.Return(bio);
        if (status != BlkStatus.Ok)
        {
            throw new DirectIoException(errno == Errno.None ? Errno.EIO : errno,
                string.Create(CultureInfo.InvariantCulture, $"FaultDevice.Cut: writing the surviving blocks at sector {entry.Sector + (offset / QueueLimits.SectorSize)} to the device failed"));
        }
    }

    /// <summary>The surviving sector ranges of a torn write, as "kept 8-15,24-31".</summary>
    private static string Describe(bool[] survives, long sector, int unit)
    {
        int perUnit = unit / QueueLimits.SectorSize;
        var runs = new List<string>();
        foreach ((int start, int end) in SurvivingRuns(survives))
        {
            runs.Add(string.Create(CultureInfo.InvariantCulture, $"{sector + ((long)start * perUnit)}-{sector + ((long)end * perUnit) - 1}"));
        }
        return "kept sectors " + string.Join(',', runs);
    }
}
