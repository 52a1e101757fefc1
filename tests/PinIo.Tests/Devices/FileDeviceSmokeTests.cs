using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Devices;

public sealed class FileDeviceSmokeTests : PinBalancedTest
{
    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task DirectFileRoundTripsPoolAndManagedMemory(IoEngine engine)
    {
        string dir = Directory.CreateTempSubdirectory("pinio-smoke").FullName;
        try
        {
            string path = Path.Combine(dir, "f");
            await using var file = DirectFile.Open(path, new DirectFileOptions { Create = true, Engine = engine, InitialSize = 1 << 20 });
            Assert.Equal(engine, file.Engine);
            using var buffer = file.AllocateBuffer(64 * 1024);
            Random.Shared.NextBytes(buffer.Memory.Span);
            Assert.Equal(65536, await file.WriteAsync(4096, buffer.Memory));
            byte[] managed = GC.AllocateArray<byte>(65536 + 4096, pinned: true);
            Memory<byte> aligned = AlignedSlice(managed, 65536);
            Assert.Equal(65536, await file.ReadAsync(4096, aligned));
            Assert.True(aligned.Span.SequenceEqual(buffer.Memory.Span));
            Assert.Equal(0, await file.ReadAsync(1 << 20, aligned));
            await file.FlushAsync();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task ListOfSeparatePoolBuffers_GoesOutWithoutAPinAndRoundTrips()
    {
        string dir = Directory.CreateTempSubdirectory("pinio-poollist").FullName;
        try
        {
            await using var file = DirectFile.Open(Path.Combine(dir, "f"), new DirectFileOptions { Create = true, InitialSize = 1 << 20 });
            using var a = file.AllocateBuffer(8192);
            using var gap = file.AllocateBuffer(4096);
            using var b = file.AllocateBuffer(8192);
            a.Memory.Span.Fill(0xA1);
            b.Memory.Span.Fill(0xB2);
            long pins = global::PinIo.Mm.PinStats.Acquired;
            Assert.Equal(16384, await file.WriteAsync(0, new ReadOnlyMemory<byte>[] { a.Memory, b.Memory }));
            a.Memory.Span.Clear();
            b.Memory.Span.Clear();
            Assert.Equal(16384, await file.ReadAsync(0, new Memory<byte>[] { b.Memory, a.Memory }));
            Assert.Equal(pins, global::PinIo.Mm.PinStats.Acquired);
            Assert.True(b.Memory.Span.IndexOfAnyExcept((byte)0xA1) < 0);
            Assert.True(a.Memory.Span.IndexOfAnyExcept((byte)0xB2) < 0);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2012", Justification = "A polled device's requests are held and checked before they are awaited once each.")]
    public async Task PolledDeviceEndsBiosOnlyInsidePollOnTheOwnerThread()
    {
        string dir = Directory.CreateTempSubdirectory("pinio-polled").FullName;
        try
        {
            string path = Path.Combine(dir, "f");
            using var device = PinIo.Devices.FileDevice.Open(path, new PinIo.Devices.FileDeviceOptions { Create = true, InitialSize = 1 << 20, PolledCompletions = true, BufferPoolBytes = 1 << 20 });
            Assert.True(device.IsPolled);
            using var buffer = device.BufferPool!.AllocateMemory(8 * 4096);
            buffer.Memory.Span.Fill(0x3C);
            var write = PinIo.Fs.DirectIo.WriteAsync(device, 0, PinIo.Iov.IovIter.User(PinIo.Iov.IterDirection.Source, buffer.Memory));
            Assert.False(write.IsCompleted);
            while (!write.IsCompleted)
            {
                device.Poll(1);
            }
            Assert.Equal(8 * 4096, await write);

            var reads = new ValueTask<long>[8];
            using var back = device.BufferPool.AllocateMemory(8 * 4096);
            for (int i = 0; i < reads.Length; i++)
            {
                reads[i] = PinIo.Fs.DirectIo.ReadAsync(device, i * 4096, PinIo.Iov.IovIter.User(PinIo.Iov.IterDirection.Dest, back.Memory.Slice(i * 4096, 4096)), PinIo.Fs.DirectIoFlags.InlineCompletion);
            }
            int ended = 0;
            while (ended < reads.Length)
            {
                ended += device.Poll(1);
            }
            foreach (var read in reads)
            {
                Assert.True(read.IsCompleted);
                Assert.Equal(4096, await read);
            }
            Assert.True(back.Memory.Span.IndexOfAnyExcept((byte)0x3C) < 0);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2012", Justification = "A polled device's requests are held and checked before they are awaited once each.")]
    public async Task PolledCommit_SubmitsWithoutReaping_TheNextPollEndsTheBios()
    {
        string dir = Directory.CreateTempSubdirectory("pinio-commit").FullName;
        try
        {
            using var device = PinIo.Devices.FileDevice.Open(Path.Combine(dir, "f"), new PinIo.Devices.FileDeviceOptions { Create = true, InitialSize = 1 << 20, PolledCompletions = true, BufferPoolBytes = 1 << 20 });
            using var buffer = device.BufferPool!.AllocateMemory(4 * 4096);
            var reads = new ValueTask<long>[4];
            for (int i = 0; i < reads.Length; i++)
            {
                reads[i] = PinIo.Fs.DirectIo.ReadAsync(device, i * 4096, PinIo.Iov.IovIter.User(PinIo.Iov.IterDirection.Dest, buffer.Memory.Slice(i * 4096, 4096)), PinIo.Fs.DirectIoFlags.InlineCompletion);
            }
            Assert.Equal(4, device.Commit());
            // The reads are in the kernel's hands; give them time to finish there.
            Thread.Sleep(50);
            Assert.All(reads, r => Assert.False(r.IsCompleted));
            Assert.Equal(0, device.Commit());
            int ended = 0;
            while (ended < reads.Length)
            {
                ended += device.Poll(1);
            }
            Assert.Equal(4, ended);
            foreach (var read in reads)
            {
                Assert.Equal(4096, await read);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Commit_OnADeviceWithACompletionThread_IsRefused()
    {
        string dir = Directory.CreateTempSubdirectory("pinio-commit-misuse").FullName;
        try
        {
            using var device = PinIo.Devices.FileDevice.Open(Path.Combine(dir, "f"), new PinIo.Devices.FileDeviceOptions { Create = true, InitialSize = 1 << 20 });
            Assert.False(device.IsPolled);
            Assert.Throws<InvalidOperationException>(() => device.Commit());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static unsafe Memory<byte> AlignedSlice(byte[] array, int length)
    {
        fixed (byte* p = array)
        {
            return array.AsMemory((int)((4096 - ((nint)p & 4095)) & 4095), length);
        }
    }
}
