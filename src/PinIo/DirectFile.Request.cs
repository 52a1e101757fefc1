using System.Runtime.InteropServices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo;

public sealed partial class DirectFile
{
    /// <summary>
    /// The reusable state of one request: its iterator and, for pool memory, its vecs. Memory
    /// from <see cref="AllocateBuffer"/> becomes a bvec of pool pages (no pin by PinIo, fixed
    /// buffers for the ring), whether it came alone or in a list; any other memory is user
    /// memory, pinned for the request. Pooled, so a request allocates nothing; a one-buffer
    /// request goes back to its file's cache as its completion hook, when the I/O ends.
    /// </summary>
    private sealed class Request(DirectFile owner) : IReadOnlyList<BioVec>, IDioCompletionHook
    {
        private readonly Memory<byte>[] _one = new Memory<byte>[1];
        private readonly WritableView _view = new();
        private BioVec[] _vecs = new BioVec[4];
        private int _count;

        public IovIter Iter { get; } = IovIter.CreateReusable();

        public int Count => _count;

        public BioVec this[int index] => (uint)index < (uint)_count ? _vecs[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public void SetOne(IterDirection direction, Memory<byte> buffer)
        {
            _one[0] = buffer;
            Set(direction, _one);
        }

        public void SetList(IterDirection direction, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
        {
            _view.Buffers = buffers;
            Set(direction, _view);
        }

        public void SetList(IterDirection direction, IReadOnlyList<Memory<byte>> buffers) => Set(direction, buffers);

        /// <summary>After the request ended (every bio of it): drops the page references it held and forgets its memory.</summary>
        public void Clear()
        {
            Iter.Clear();
            _one[0] = default;
            _view.Buffers = null;
            ReleaseVecs();
        }

        void IDioCompletionHook.OnDioComplete() => owner.ReturnRequest(this);

        public IEnumerator<BioVec> GetEnumerator()
        {
            for (int i = 0; i < _count; i++)
            {
                yield return _vecs[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private void Set(IterDirection direction, IReadOnlyList<Memory<byte>> buffers)
        {
            if (TryPoolVecs(buffers, out long total))
            {
                Iter.ResetPages(direction, this, total);
            }
            else
            {
                Iter.ResetUser(direction, buffers);
            }
        }

        /// <summary>
        /// True when every non-empty buffer is pool memory: then the vecs describe them all, and
        /// the request holds a reference on each of their pages until <see cref="Clear"/>, so a
        /// buffer disposed while its I/O runs stays out of the pool until the I/O ends.
        /// Memory of a disposed buffer throws <see cref="ObjectDisposedException"/>: its pages
        /// may already be another buffer's.
        /// </summary>
        private bool TryPoolVecs(IReadOnlyList<Memory<byte>> buffers, out long total)
        {
            total = 0;
            _count = 0;
            for (int i = 0; i < buffers.Count; i++)
            {
                if (buffers[i].IsEmpty)
                {
                    continue;
                }
                if (!MemoryMarshal.TryGetMemoryManager<byte, PoolMemory>(buffers[i], out PoolMemory? pool, out int start, out int length))
                {
                    ReleaseVecs();
                    return false;
                }
                if (!pool!.TryGetPages(start, length))
                {
                    ReleaseVecs();
                    throw new ObjectDisposedException(nameof(AllocateBuffer),
                        "I/O into memory of a buffer from DirectFile.AllocateBuffer after it was disposed: its pages may already belong to another buffer; use memory you still own");
                }
                if (_count == _vecs.Length)
                {
                    Array.Resize(ref _vecs, _vecs.Length * 2);
                }
                _vecs[_count++] = new BioVec(pool.PageAt(start), start & (int)PageSize.OffsetMask, length);
                total += length;
            }
            return _count > 0;
        }

        private void ReleaseVecs()
        {
            for (int i = 0; i < _count; i++)
            {
                BioVec vec = _vecs[i];
                PoolMemory.PutPages(vec.Page.Pool!, vec.Page.PoolIndex, PageSize.PagesSpanned(vec.Offset, vec.Length));
            }
            Array.Clear(_vecs, 0, _count);
            _count = 0;
        }
    }

    /// <summary>
    /// A write's read-only buffers seen as the iterator's memory list without copying the list.
    /// The iterator of a write only reads from them.
    /// </summary>
    private sealed class WritableView : IReadOnlyList<Memory<byte>>
    {
        public IReadOnlyList<ReadOnlyMemory<byte>>? Buffers { get; set; }

        public int Count => Buffers!.Count;

        public Memory<byte> this[int index] => MemoryMarshal.AsMemory(Buffers![index]);

        public IEnumerator<Memory<byte>> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
