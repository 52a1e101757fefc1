using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

public sealed class OffsetGeneratorTests : PinBalancedTest
{
    [Fact]
    public void Taus88IsTheSameSequenceForTheSameSeedOnEveryRun()
    {
        var a = new Taus88(0x89);
        var b = new Taus88(0x89);
        var c = new Taus88(0x8A);
        uint[] first = [.. Enumerable.Range(0, 64).Select(_ => a.Next())];
        uint[] second = [.. Enumerable.Range(0, 64).Select(_ => b.Next())];
        uint[] other = [.. Enumerable.Range(0, 64).Select(_ => c.Next())];

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.True(first.Distinct().Count() > 60);
    }

    [Fact]
    public void RandomBlocksAreReproducibleWithASeed()
    {
        var a = new OffsetGenerator(10_000, random: true, randomMap: false, seed: 42);
        var b = new OffsetGenerator(10_000, random: true, randomMap: false, seed: 42);
        var c = new OffsetGenerator(10_000, random: true, randomMap: false, seed: 43);
        long[] first = [.. Enumerable.Range(0, 1000).Select(_ => a.NextBlock())];

        Assert.Equal(first, Enumerable.Range(0, 1000).Select(_ => b.NextBlock()));
        Assert.NotEqual(first, Enumerable.Range(0, 1000).Select(_ => c.NextBlock()));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(7L)]
    [InlineData(1000L)]
    [InlineData(5_000_000_000L)]
    public void RandomBlocksStayWithinTheRegion(long blocks)
    {
        var generator = new OffsetGenerator(blocks, random: true, randomMap: false, seed: 1);
        for (int i = 0; i < 10_000; i++)
        {
            long block = generator.NextBlock();
            Assert.InRange(block, 0, blocks - 1);
        }
    }

    [Fact]
    public void WithTheRandomMapEveryPassVisitsEveryBlockOnce()
    {
        const int blocks = 1000;
        var generator = new OffsetGenerator(blocks, random: true, randomMap: true, seed: 0x89);
        for (int pass = 0; pass < 3; pass++)
        {
            long[] visited = [.. Enumerable.Range(0, blocks).Select(_ => generator.NextBlock())];
            Assert.Equal(Enumerable.Range(0, blocks).Select(i => (long)i), visited.Order());
        }
        Assert.Equal(3, generator.Passes);
    }

    [Fact]
    public void WithTheRandomMapEachBlockIsTheDrawOrTheFirstFreeBlockAfterIt()
    {
        // The generator draws one block ahead (to fetch its map word early): the blocks must be
        // those of drawing each when it is wanted, over two passes.
        const int blocks = 1000;
        var generator = new OffsetGenerator(blocks, random: true, randomMap: true, seed: 0x5eed);
        var draws = new Taus88(0x5eed);
        var used = new bool[blocks];
        int free = blocks;
        for (int i = 0; i < 2 * blocks; i++)
        {
            long block = (long)draws.NextBelow(blocks);
            while (used[block])
            {
                block = (block + 1) % blocks;
            }
            used[block] = true;
            if (--free == 0)
            {
                Array.Clear(used);
                free = blocks;
            }
            Assert.Equal(block, generator.NextBlock());
        }
    }

    [Fact]
    public void WithoutTheRandomMapBlocksRepeatWithinAPass()
    {
        var generator = new OffsetGenerator(1000, random: true, randomMap: false, seed: 0x89);
        long[] visited = [.. Enumerable.Range(0, 1000).Select(_ => generator.NextBlock())];
        Assert.True(visited.Distinct().Count() < 1000);
    }

    [Fact]
    public void SequentialBlocksRunInOrderAndWrap()
    {
        var generator = new OffsetGenerator(3, random: false, randomMap: true, seed: 0);
        Assert.Equal([0L, 1, 2, 0, 1], Enumerable.Range(0, 5).Select(_ => generator.NextBlock()));
        Assert.Equal(1, generator.Passes);
    }

    [Fact]
    public void EveryOffsetAJobSubmitsIsAlignedToBsAndInsideItsRegion()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:4m", "--offset=64k", "--size=1m", "--bs=8k", "--rw=randrw", "--iodepth=4", "--runtime=100ms", "--randseed=7");
        var positions = new List<(long Position, int Size)>();
        object gate = new();
        var result = TestJobs.Run(plan, disk => disk.OnSubmit = bio =>
        {
            if (bio.Op != BioOp.Flush)
            {
                lock (gate)
                {
                    positions.Add((bio.Position, bio.Size));
                }
            }
        });

        Assert.True(result.Stats.TotalIos > 0);
        Assert.All(positions, p =>
        {
            Assert.Equal(0, (p.Position - plan.Offset) % plan.BlockSize);
            Assert.InRange(p.Position, plan.Offset, plan.Offset + plan.Size - p.Size);
        });
    }
}
