using PinIo.Block;
using PinIo.Devices;
using PinIo.Mm;
using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Raw bios of pool pages for a <see cref="FileDevice"/>, below DirectIo: a test builds the
/// bio, submits it and awaits its end, and the helper checks that the device ends it exactly
/// once. Pages come from the device's pool; dispose the set to put them back.
/// </summary>
internal sealed class FileBios(FileDevice device) : IDisposable
{
    private readonly List<Page> _pages = [];

    /// <summary>A page of the device's pool filled with <paramref name="fill"/>.</summary>
    public Page Page(byte fill = 0)
    {
        Page page = device.BufferPool!.Alloc();
        page.AsSpan().Fill(fill);
        _pages.Add(page);
        return page;
    }

    /// <summary>A bio at byte <paramref name="position"/> over the given (page, offset, length) pieces.</summary>
    public Bio Make(BioOp op, long position, params (Page Page, int Offset, int Length)[] pieces)
    {
        var bio = new Bio(op, position / QueueLimits.SectorSize, device.Limits);
        foreach ((Page page, int offset, int length) in pieces)
        {
            Assert.True(bio.AddPage(page, length, offset), $"the bio refused {length} bytes at {offset}");
        }
        return bio;
    }

    /// <summary>Submits and returns when the device has ended the bio; fails if it is ended twice.</summary>
    public static Task<Bio> SubmitAsync(FileDevice device, Bio bio)
    {
        var ended = new TaskCompletionSource<Bio>(TaskCreationOptions.RunContinuationsAsynchronously);
        int ends = 0;
        bio.EndIo = b =>
        {
            if (Interlocked.Increment(ref ends) == 1)
            {
                ended.SetResult(b);
            }
            else
            {
                ended.TrySetException(new InvalidOperationException($"{b} ended {ends} times"));
            }
        };
        device.Submit(bio);
        return ended.Task;
    }

    public Task<Bio> SubmitAsync(Bio bio) => SubmitAsync(device, bio);

    public void Dispose()
    {
        foreach (Page page in _pages)
        {
            page.Put();
        }
        _pages.Clear();
    }
}
