// Follows fs/iomap/direct-io.c (iomap_dio_complete_work: an async request ends by calling the kiocb's ki_complete).
using PinIo.Block;
using PinIo.Iov;

namespace PinIo.Fs;

public static partial class DirectIo
{
    /// <summary>
    /// The request with a kiocb's completion instead of a ValueTask (<see cref="DioCompletion"/>):
    /// true when it ended within the call, its bytes in <paramref name="result"/> or its failure in
    /// <paramref name="error"/>; false when it is in flight, and <paramref name="completion"/> is
    /// called once when it ends, on the completing thread. Argument, alignment and direction errors
    /// throw, before any bio, as from <see cref="ReadAsync(IBlockDevice, long, IovIter, DirectIoFlags, CancellationToken)"/>;
    /// the memory must fit the device (no bouncing), and nothing cancels the request.
    /// </summary>
    internal static bool Start(IBlockDevice device, BioOp op, long offset, IovIter iter, IoPriority priority, DioCompletion completion, out long result, out Exception? error)
    {
        ArgumentNullException.ThrowIfNull(completion);
        result = 0;
        error = null;
        const DirectIoFlags Inline = DirectIoFlags.InlineCompletion;
        if (Prepare(device, op, offset, iter, Inline, CancellationToken.None, out QueueLimits limits, out long hidden, out long reportLimit) == Route.Nothing)
        {
            return true;
        }
        DioRequest dio = SubmitBios(device, limits, op, offset, iter, hidden, reportLimit, Inline, completionHook: null, priority, CancellationToken.None, completion: completion);
        if (!dio.ReleaseSubmitter())
        {
            return false;
        }
        result = dio.TakeResult(out error);
        return true;
    }
}
