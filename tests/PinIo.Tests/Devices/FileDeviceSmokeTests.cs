using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Devices;

public sealed class FileDeviceSmokeTests : PinBalancedTest
{
    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
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

    private static unsafe Memory<byte> AlignedSlice(byte[] array, int length)
    {
        fixed (byte* p = array)
        {
            return array.AsMemory((int)((4096 - ((nint)p & 4095)) & 4095), length);
        }
    }
}
