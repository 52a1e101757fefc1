using CsCheck;
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli.Sched;

public sealed class LfsrTests : PinBalancedTest
{
    [Fact]
    public void EveryNumberComesOnceAPassAndThePassEndsOnTheLast() =>
        Gen.Select(Gen.Long[1, 70_000], Gen.ULong).Sample((count, seed) =>
        {
            var lfsr = new Lfsr((ulong)count, seed);
            for (int pass = 0; pass < 2; pass++)
            {
                var seen = new bool[count];
                for (long i = 0; i < count; i++)
                {
                    ulong value = lfsr.Next(out bool passEnded);
                    Assert.True(value < (ulong)count, $"{value} is not below {count}");
                    Assert.False(seen[value], $"{value} came twice in pass {pass} of {count}");
                    seen[value] = true;
                    Assert.Equal(i == count - 1, passEnded);
                }
            }
        }, iter: 60);

    [Theory]
    [MemberData(nameof(RegisterSizes))]
    public void EachSmallRegisterRunsThroughItsWholePeriod(int bits)
    {
        // A count of 2^bits - 1 fills the register: any shorter cycle than the period repeats a number early.
        ulong count = (1UL << bits) - 1;
        var lfsr = new Lfsr(count, 12345);
        Assert.Equal(bits, lfsr.Bits);
        var seen = new bool[count];
        for (ulong i = 0; i < count; i++)
        {
            ulong value = lfsr.Next(out _);
            Assert.False(seen[value], $"a {bits}-bit register repeated {value} after {i} steps");
            seen[value] = true;
        }
    }

    public static TheoryData<int> RegisterSizes() => [.. Enumerable.Range(2, 21)];

    [Fact]
    public void AnLfsrJobReadsEveryBlockOnceWithoutTheRandomMap()
    {
        // norandommap would let tausworthe repeat blocks; lfsr still visits each once.
        (JobResult result, List<(BioOp Op, long Position, int Size)> bios) = TestJobs.RunRecording(
            "--name=lfsr", "--filename=ram:1m", "--rw=randread", "--bs=4k", "--ioengine=psync", "--norandommap", "--random_generator=lfsr");

        Assert.Equal(0, result.Error);
        Assert.Equal(256, bios.Count);
        Assert.Equal(256, bios.Select(b => b.Position).Distinct().Count());
        Assert.False(bios.Select(b => b.Position).SequenceEqual(bios.Select(b => b.Position).Order()), "the offsets came in order, not scrambled");
    }
}
