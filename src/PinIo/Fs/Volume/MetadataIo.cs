// Follows fs/buffer.c's role for metadata (sb_bread / submit_bh + blkdev_issue_flush), over Direct I/O.
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// Reads and writes the volume's own blocks (superblocks, log, the zeroing of partial
/// blocks) through pool pages, a chunk at a time: pool memory is a bvec, so these bios pin
/// nothing. One transfer at a time: the pool is small and its pages are shared.
/// </summary>
internal sealed class MetadataIo : IDisposable
{
    private const int ChunkBytes = 256 * 1024;

    private readonly IBlockDevice _device;
    private readonly PagePool _pool = new(ChunkBytes / PageSize.Bytes);
    private readonly SemaphoreSlim _one = new(1, 1);

    public MetadataIo(IBlockDevice device) => _device = device;

    public int LogicalBlock => _device.Limits.LogicalBlockSize;

    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken ct)
    {
        await _one.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            using System.Buffers.IMemoryOwner<byte> chunk = _pool.AllocateMemory(ChunkBytes);
            for (int done = 0; done < destination.Length;)
            {
                int n = Math.Min(ChunkBytes, destination.Length - done);
                Memory<byte> part = chunk.Memory[..n];
                long got = await DirectIo.ReadAsync(_device, offset + done, IovIter.User(IterDirection.Dest, part), ct).ConfigureAwait(false);
                ThrowIfShort(BioOp.Read, offset + done, got, n);
                part.CopyTo(destination[done..]);
                done += n;
            }
        }
        finally
        {
            _one.Release();
        }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, CancellationToken ct)
    {
        await _one.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            using System.Buffers.IMemoryOwner<byte> chunk = _pool.AllocateMemory(ChunkBytes);
            for (int done = 0; done < source.Length;)
            {
                int n = Math.Min(ChunkBytes, source.Length - done);
                Memory<byte> part = chunk.Memory[..n];
                source.Slice(done, n).CopyTo(part);
                long got = await DirectIo.WriteAsync(_device, offset + done, IovIter.User(IterDirection.Source, part), ct).ConfigureAwait(false);
                ThrowIfShort(BioOp.Write, offset + done, got, n);
                done += n;
            }
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>A flush bio: everything the device completed before it is durable.</summary>
    public ValueTask FlushAsync(CancellationToken ct) => DirectIo.FlushAsync(_device, ct);

    public void Dispose()
    {
        _pool.Dispose();
        _one.Dispose();
    }

    private static void ThrowIfShort(BioOp op, long offset, long got, int wanted)
    {
        if (got != wanted)
        {
            ThrowHelper.ThrowDirectIo(Errno.EIO, $"volume metadata {op} at device offset {offset} transferred {got} of {wanted} bytes: the device is smaller than the volume or failing");
        }
    }
}
