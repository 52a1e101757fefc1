// Follows fio's engines/splice.c in meaning: the data goes through a pipe, in pipe-sized pieces.
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=splice through PinIo's <see cref="PipeBuffer"/>, in pieces of at most the pipe's
/// size, as fio splices: a read is a Direct I/O read into the pipe (an
/// <see cref="IterKind.Pipe"/> iterator, each pipe page pinned for the read on top of the
/// pipe's own reference — the seed's ITER_PIPE rule), then the pipe drained into the slot's
/// buffer (fio's vmsplice to user memory); a write is the buffer copied into the pipe (fio's
/// vmsplice) and a Direct I/O write from the pipe's pages (fio's splice to the file). Each piece
/// completes before the next starts, as fio's splice is synchronous. One pipe iterator is
/// reused, so steady state allocates nothing per I/O.
/// </summary>
internal sealed class SpliceEngine : IJobEngine, IDisposable
{
    /// <summary>A Linux pipe's default capacity: 16 pages.</summary>
    public const int PipePages = 16;

    private readonly IJobIo _io;
    private readonly IoClock _clock;
    private readonly PagePool _pool;
    private readonly PipeBuffer _pipe;
    private readonly IovIter _iter = IovIter.Discard(0);
    private readonly long[] _moved;

    /// <summary>An engine whose pipe pages' pins are counted in <paramref name="pins"/> (the job's pins line) besides PinStats.</summary>
    public SpliceEngine(IJobIo io, IoClock clock, int slots, PinCounter pins)
    {
        _iter.PinCounter = pins;
        _io = io;
        _clock = clock;
        _moved = new long[slots];
        _pool = new PagePool(PipePages);
        _pipe = new PipeBuffer(_pool, PipePages);
    }

    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        long moved = 0;
        try
        {
            while (moved < slot.Length)
            {
                int piece = (int)Math.Min(slot.Length - moved, (long)PipePages * PageSize.Bytes);
                Span<byte> bytes = slot.Buffer.Span.Slice((int)moved, piece);
                long done = slot.IsWrite ? WritePiece(slot.Offset + moved, bytes) : ReadPiece(slot.Offset + moved, bytes);
                Empty();
                moved += done;
                if (done < piece)
                {
                    break;
                }
            }
        }
        catch (DirectIoException e)
        {
            error = e;
            return IoStart.Failed;
        }
        finally
        {
            Empty();
        }
        _moved[slot.Index] = moved;
        slot.SubmittedAt = _clock.Stamp(slot);
        return IoStart.Completed;
    }

    public long Finish(IoSlot slot) => _moved[slot.Index];

    public ValueTask FlushAsync() => _io.FlushAsync();

    public void Dispose()
    {
        _pipe.Dispose();
        _pool.Dispose();
    }

    /// <summary>The file's bytes into the pipe by Direct I/O, then out of the pipe into <paramref name="destination"/>.</summary>
    private long ReadPiece(long offset, Span<byte> destination)
    {
        _iter.ResetPipe(IterDirection.Dest, _pipe, destination.Length);
        long read = Wait(_io.ReadAsync(offset, _iter));
        return _pipe.Read(destination[..(int)read]);
    }

    /// <summary><paramref name="source"/> into the pipe, then from the pipe's pages to the file by Direct I/O.</summary>
    private long WritePiece(long offset, ReadOnlySpan<byte> source)
    {
        int queued = _pipe.Write(source);
        _iter.ResetPipe(IterDirection.Source, _pipe, queued);
        return Wait(_io.WriteAsync(offset, _iter));
    }

    /// <summary>Whatever a piece left in the pipe (a written piece, a failed read's partial bytes) is consumed, so the next piece starts on an empty pipe.</summary>
    private void Empty()
    {
        Span<byte> sink = stackalloc byte[PageSize.Bytes];
        while (_pipe.Length > 0)
        {
            _pipe.Read(sink);
        }
    }

    /// <summary>The engine is synchronous (its targets complete inside the call); anything else is waited for here.</summary>
    private static long Wait(ValueTask<long> pending) => pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}
