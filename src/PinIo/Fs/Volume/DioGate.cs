// Follows include/linux/fs.h (inode_dio_begin, inode_dio_end, inode_dio_wait) with i_rwsem held for truncate.
namespace PinIo.Fs;

/// <summary>
/// Keeps Direct I/O out of a file while its layout changes (truncate, punch, allocate) or a
/// sub-block write runs: a
/// change waits for the requests in flight to end and holds new ones back, so that no
/// request writes into blocks that a truncate freed (and another file may get once the
/// freeing commits). Direct I/O pays two interlocked operations; changes are serialized
/// among themselves.
/// </summary>
internal sealed class DioGate : IDisposable, IDioCompletionHook
{
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private int _inFlight;
    private int _blocking;
    private TaskCompletionSource? _drained;

    /// <summary>inode_dio_begin: false while a layout change holds the file (then wait with <see cref="EnterDioAsync"/>).</summary>
    public bool TryEnterDio()
    {
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _blocking) == 0)
        {
            return true;
        }
        ExitDio();
        return false;
    }

    public async ValueTask EnterDioAsync(CancellationToken ct)
    {
        while (!TryEnterDio())
        {
            await _exclusive.WaitAsync(ct).ConfigureAwait(false);
            _exclusive.Release();
        }
    }

    /// <summary>inode_dio_end: the last request out wakes a waiting layout change.</summary>
    public void ExitDio()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _blocking) != 0)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    /// <summary>A request that took the gate along leaves here when it ends.</summary>
    void IDioCompletionHook.OnDioComplete() => ExitDio();

    /// <summary>Takes the file for a layout change once no Direct I/O is in flight; dispose the result to give it back.</summary>
    public async ValueTask<Releaser> EnterLayoutChangeAsync(CancellationToken ct)
    {
        await _exclusive.WaitAsync(ct).ConfigureAwait(false);
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        Interlocked.Exchange(ref _blocking, 1);
        if (Volatile.Read(ref _inFlight) == 0)
        {
            drained.TrySetResult();
        }
        await drained.Task.ConfigureAwait(false);
        return new Releaser(this);
    }

    private void ExitLayoutChange()
    {
        Interlocked.Exchange(ref _blocking, 0);
        _exclusive.Release();
    }

    public void Dispose() => _exclusive.Dispose();

    internal readonly struct Releaser(DioGate gate) : IDisposable
    {
        public void Dispose() => gate.ExitLayoutChange();
    }
}
