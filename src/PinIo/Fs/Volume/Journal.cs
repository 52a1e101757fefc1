// Follows BlueFS's _flush_and_sync_log / _compact_log and fs/jbd2/commit.c (ordered mode: data, flush, log, flush).
namespace PinIo.Fs;

/// <summary>
/// The metadata log. Changes are applied in memory and their records appended to the
/// pending transaction (under the metadata lock); a commit writes it durably:
/// <list type="number">
/// <item>a flush bio, so that the data of every write whose conversion or size the records
/// hold is durable before them (ordered mode);</item>
/// <item>the transaction at the log's tail;</item>
/// <item>a flush bio; then the blocks the transaction freed leave the busy list.</item>
/// </list>
/// When the transaction does not fit, the log is compacted instead: a snapshot of the whole
/// state goes to the other log area, a flush, the superblock switches to it (next
/// generation, other copy), a flush. Commits are serialized; metadata changes continue while
/// one is in flight and go into the next.
/// </summary>
internal sealed class Journal : IDisposable
{
    private readonly Lock _metadataLock;
    private readonly VolumeMetadata _metadata;
    private readonly MetadataIo _io;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private List<byte> _pending = [];
    private int _pendingRecords;
    private long _tail;
    private long _nextSequence;
    private string? _shutDown;

    public Journal(Lock metadataLock, VolumeMetadata metadata, MetadataIo io, Superblock superblock, long tail, long nextSequence)
    {
        _metadataLock = metadataLock;
        _metadata = metadata;
        _io = io;
        Superblock = superblock;
        _tail = tail;
        _nextSequence = nextSequence;
    }

    public Superblock Superblock { get; private set; }

    public long AreaBytes => Superblock.LogAreaBlocks * Superblock.BlockSize;

    /// <summary>Bytes of records waiting for a commit.</summary>
    public int PendingBytes => _pending.Count;

    /// <summary>The committed log's end in the active area, and the next sequence (for Check).</summary>
    public (long Tail, long NextSequence) Committed => (_tail, _nextSequence);

    /// <summary>Serializes a commit against readers of the on-device log (Check).</summary>
    public SemaphoreSlim Gate => _gate;

    /// <summary>Applies a change and logs it. Caller holds the metadata lock.</summary>
    public void Apply(in JournalRecord record)
    {
        ThrowIfShutDown();
        if (_metadata.Apply(record, replaying: false) is { } problem)
        {
            ThrowHelper.ThrowMisuse($"volume metadata change refused: {problem}");
        }
        record.Encode(_pending);
        _pendingRecords++;
    }

    /// <summary>
    /// Replays the records still waiting for a commit onto <paramref name="target"/> (Check: the
    /// device's log plus these must rebuild memory). Caller holds the metadata lock, so none is
    /// added meanwhile. Returns the first problem, or null.
    /// </summary>
    public string? ApplyPendingTo(VolumeMetadata target) =>
        JournalTransaction.ApplyRecords(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending), _pendingRecords, target);

    public bool IsShutDown => Volatile.Read(ref _shutDown) is not null;

    public void ThrowIfShutDown()
    {
        if (_shutDown is not null)
        {
            ThrowHelper.ThrowDirectIo(Errno.EIO, $"the volume is shut down: {_shutDown}; dispose it and mount the device again (the journal replays what was committed)");
        }
    }

    /// <summary>Makes every change so far durable, with the data it depends on (see the type's summary).</summary>
    public async ValueTask CommitAsync(bool forceCompaction, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfShutDown();
            Prepared p = Prepare(forceCompaction);
            try
            {
                await _io.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                if (p.Transaction is not null)
                {
                    await (p.Compact ? WriteCompactedAsync(p.Transaction) : AppendAsync(p.Transaction)).ConfigureAwait(false);
                    _nextSequence++;
                }
            }
            catch (Exception e) when (e is DirectIoException or OperationCanceledException)
            {
                lock (_metadataLock)
                {
                    _shutDown = $"a journal commit failed ({e.Message})";
                    _metadata.FreeSpace.RequeueBusy(p.Busy);
                }
                throw new DirectIoException(Errno.EIO, $"the volume's journal could not be written: {e.Message}; the volume is shut down, mount the device again", e);
            }
            lock (_metadataLock)
            {
                _metadata.FreeSpace.ReleaseBusy(p.Busy);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private readonly record struct Prepared(byte[]? Transaction, bool Compact, List<BlockRange> Busy);

    /// <summary>Takes the pending records (or a snapshot) and the busy blocks, atomically with respect to changes.</summary>
    private Prepared Prepare(bool forceCompaction)
    {
        lock (_metadataLock)
        {
            Superblock sb = Superblock;
            int block = _io.LogicalBlock;
            bool compact = forceCompaction || _tail + JournalTransaction.PaddedBytes(_pending.Count, block) > AreaBytes;
            if (!compact && _pendingRecords == 0)
            {
                return new Prepared(null, false, _metadata.FreeSpace.TakeBusy());
            }
            byte[] transaction;
            if (compact)
            {
                var snapshot = new List<byte>();
                int records = 0;
                foreach (JournalRecord r in _metadata.Snapshot())
                {
                    r.Encode(snapshot);
                    records++;
                }
                if (JournalTransaction.PaddedBytes(snapshot.Count, block) > AreaBytes)
                {
                    _shutDown = $"the metadata ({snapshot.Count} bytes) no longer fits a log area of {AreaBytes} bytes";
                    ThrowHelper.ThrowDirectIo(Errno.ENOSPC, $"the volume's metadata ({snapshot.Count} bytes) no longer fits its log area of {AreaBytes} bytes: " +
                        "the volume is shut down; format a larger device (the log areas are 1/32 of it, up to 64 MiB) or keep fewer extents");
                }
                transaction = JournalTransaction.Encode(snapshot, records, _nextSequence, sb, sb.Generation + 1, block);
            }
            else
            {
                transaction = JournalTransaction.Encode(_pending, _pendingRecords, _nextSequence, sb, sb.LogEpoch, block);
            }
            _pending = [];
            _pendingRecords = 0;
            return new Prepared(transaction, compact, _metadata.FreeSpace.TakeBusy());
        }
    }

    private async Task AppendAsync(byte[] transaction)
    {
        Superblock sb = Superblock;
        await _io.WriteAsync(sb.LogAreaStart(sb.ActiveArea) * sb.BlockSize + _tail, transaction, CancellationToken.None).ConfigureAwait(false);
        await _io.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        _tail += transaction.Length;
    }

    private async Task WriteCompactedAsync(byte[] snapshot)
    {
        Superblock old = Superblock;
        Superblock next = old with
        {
            Generation = old.Generation + 1,
            LogEpoch = old.Generation + 1,
            ActiveArea = 1 - old.ActiveArea,
            LogStartSequence = _nextSequence,
        };
        await _io.WriteAsync(next.LogAreaStart(next.ActiveArea) * next.BlockSize, snapshot, CancellationToken.None).ConfigureAwait(false);
        await _io.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await WriteSuperblockAsync(_io, next, CancellationToken.None).ConfigureAwait(false);
        await _io.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        Superblock = next;
        _tail = snapshot.Length;
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Writes <paramref name="sb"/> into its copy (generation parity).</summary>
    public static ValueTask WriteSuperblockAsync(MetadataIo io, Superblock sb, CancellationToken ct)
    {
        byte[] block = new byte[io.LogicalBlock];
        sb.Encode(block);
        return io.WriteAsync(Superblock.CopyOffset(Superblock.CopyOf(sb.Generation)), block, ct);
    }

    /// <summary>Reads both superblock copies: each decoded, or the reason it is not valid.</summary>
    public static async ValueTask<(Superblock? Sb, string? Problem)[]> ReadSuperblocksAsync(MetadataIo io, CancellationToken ct)
    {
        var copies = new (Superblock?, string?)[2];
        byte[] block = new byte[Math.Max(io.LogicalBlock, Superblock.EncodedBytes)];
        for (int copy = 0; copy < 2; copy++)
        {
            await io.ReadAsync(Superblock.CopyOffset(copy), block, ct).ConfigureAwait(false);
            Superblock? sb = Superblock.Decode(block, out string? problem);
            if (sb is not null && Superblock.CopyOf(sb.Generation) != copy)
            {
                problem = $"generation {sb.Generation} in the wrong copy";
                sb = null;
            }
            copies[copy] = (sb, problem);
        }
        return copies;
    }
}
