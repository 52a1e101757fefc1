// Follows mm/mempool.c (a reserve of buffers kept by their user, refilled from the allocator).
using System.Buffers;
using PinIo.Mm;

namespace PinIo;

public sealed partial class DirectFileStream
{
    /// <summary>
    /// The stream's staging chunks: registered pool memory, taken from the pool as first
    /// needed and then kept and reused, so that a steady sequential stream allocates nothing
    /// per request; all of it goes back to the pool on <see cref="Dispose"/>. One extra
    /// logical block serves the reads of read-modify-writes.
    /// A chunk handed to a request is returned here only after that request ended.
    /// </summary>
    private sealed class StagingBuffers(DirectFile file, int chunkBytes) : IDisposable
    {
        private readonly Stack<IMemoryOwner<byte>> _free = new();
        private IMemoryOwner<byte>? _block;

        public IMemoryOwner<byte> Rent() => _free.TryPop(out IMemoryOwner<byte>? chunk) ? chunk : file.AllocateBuffer(chunkBytes);

        public void Return(IMemoryOwner<byte> chunk) => _free.Push(chunk);

        /// <summary>The read-modify-write block, <paramref name="bytes"/> long (at most a page or a chunk).</summary>
        public Memory<byte> Block(int bytes) =>
            (_block ??= file.AllocateBuffer(Math.Max(bytes, PageSize.Bytes))).Memory[..bytes];

        public void Dispose()
        {
            while (_free.TryPop(out IMemoryOwner<byte>? chunk))
            {
                chunk.Dispose();
            }
            _block?.Dispose();
            _block = null;
        }
    }
}
