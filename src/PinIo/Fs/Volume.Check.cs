// Follows fs/xfs/scrub (and xfs_repair's phase checks): every invariant, in memory and on the device.
namespace PinIo.Fs;

public sealed partial class Volume
{
    /// <summary>
    /// fsck. Commits the journal, then checks the metadata in memory (every extent inside the
    /// data blocks, no block owned twice or both owned and free, free = data blocks − owned,
    /// no written block past a file's size) and on the device (both superblock checksums; the
    /// log re-read and replayed must pass every transaction's checksum up to the committed end
    /// and rebuild exactly the state in memory). Returns one line per finding; empty when the
    /// volume is consistent.
    /// </summary>
    public IReadOnlyList<string> Check()
    {
        ThrowIfDisposed();
        var findings = new List<string>();
        // Commit, then hold commits off and check with nothing pending, so that the log on
        // the device must describe memory exactly. Changes racing in between mean another round.
        for (int round = 0; ; round++)
        {
            RunSync(_journal.CommitAsync(forceCompaction: false, CancellationToken.None));
            _journal.Gate.Wait();
            try
            {
                lock (_lock)
                {
                    if (_journal.PendingBytes > 0 && round < 10)
                    {
                        continue;
                    }
                    VolumeCheck.CheckMemory(_metadata, findings);
                    // Under the metadata lock: the device's log is compared with a still state.
                    CheckDevice(findings);
                }
                return findings;
            }
            finally
            {
                _journal.Gate.Release();
            }
        }
    }

    /// <summary>The on-device half; the journal gate keeps commits out, so the log is what <see cref="Journal.Committed"/> says.</summary>
    private void CheckDevice(List<string> findings)
    {
        Superblock current = _journal.Superblock;
        var copies = RunSync(Journal.ReadSuperblocksAsync(_io, CancellationToken.None));
        for (int copy = 0; copy < 2; copy++)
        {
            if (copies[copy].Sb is null)
            {
                findings.Add($"superblock copy {copy}: {copies[copy].Problem}");
            }
        }
        Superblock? onDevice = copies[Superblock.CopyOf(current.Generation)].Sb;
        if (onDevice is not null && onDevice != current)
        {
            findings.Add($"superblock copy {Superblock.CopyOf(current.Generation)} holds generation {onDevice.Generation}, not the mounted {current.Generation}");
        }
        byte[] area = new byte[current.LogAreaBlocks * current.BlockSize];
        RunSync(_io.ReadAsync(current.LogAreaStart(current.ActiveArea) * current.BlockSize, area, CancellationToken.None));
        var replayed = new VolumeMetadata(current);
        ReplayResult replay;
        try
        {
            replay = JournalTransaction.Replay(area, current, replayed, _io.LogicalBlock);
        }
        catch (DirectIoException e)
        {
            findings.Add($"log area {current.ActiveArea}: {e.Message}");
            return;
        }
        (long tail, long nextSequence) = _journal.Committed;
        if (replay.EndOffset != tail || replay.NextSequence != nextSequence)
        {
            findings.Add($"log area {current.ActiveArea}: replay stops at byte {replay.EndOffset} before transaction {replay.NextSequence} ({replay.StopReason}); " +
                $"the committed log ends at byte {tail} before transaction {nextSequence}");
        }
        VolumeCheck.Compare(_metadata, replayed, findings);
    }
}
