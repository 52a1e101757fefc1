using CsCheck;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Iov;

/// <summary>
/// Random sequences of Advance, Revert, Truncate, Reexpand, Restart and copies on every kind, checked
/// after each step against <see cref="IterModel"/>: Count, Consumed, the bytes copied, the
/// memory (nothing written outside the segments) and Alignment().
/// </summary>
public sealed class IovIterModelTests : PinBalancedTest
{
    private const int Iterations = 300;

    private static readonly Gen<(int Op, int Arg)[]> s_operations =
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue]).Array[1, 40];

    private static readonly Gen<int> s_segmentLength =
        Gen.Frequency((1, (IGen<int>)Gen.Const(0)), (4, Gen.Int[1, 9000]), (1, Gen.Int[4090, 4100]));

    private static readonly Gen<(int Offset, int Length)[]> s_segments =
        Gen.Select(Gen.Int[0, PageSize.Bytes - 1], s_segmentLength).Array[0, 6];

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void Iovec_RandomOperations_MatchTheModel(IterDirection direction)
    {
        Gen.Select(s_segments, Gen.Bool, Gen.Int[0, 255], s_operations).Sample((segments, pinnedHeap, seed, ops) =>
        {
            using var subject = new UserSubject(direction, segments, pinnedHeap, seed);
            Run(subject, ops, seed);
        }, iter: Iterations, threads: 1);
    }

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void Kvec_RandomOperations_MatchTheModel(IterDirection direction)
    {
        Gen.Select(s_segments, Gen.Int[0, 255], s_operations).Sample((segments, seed, ops) =>
        {
            using var subject = new KernelSubject(direction, segments, seed);
            Run(subject, ops, seed);
        }, iter: Iterations, threads: 1);
    }

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void Bvec_RandomOperations_MatchTheModel(IterDirection direction)
    {
        var specs = Gen.Select(Gen.Int[0, PageSize.Bytes - 1], s_segmentLength, Gen.Bool).Array[0, 6];
        Gen.Select(specs, Gen.Int[0, 255], s_operations).Sample((vecs, seed, ops) =>
        {
            using var subject = new PagesSubject(direction, vecs, seed);
            Run(subject, ops, seed);
        }, iter: Iterations, threads: 1);
    }

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void Pipe_RandomOperations_MatchTheModel(IterDirection direction)
    {
        var prefix = Gen.Select(Gen.Int[0, 3 * PageSize.Bytes + 7], Gen.Frequency((1, (IGen<int>)Gen.Const(0)), (4, Gen.Int[1, 9000])));
        Gen.Select(prefix, Gen.Int[0, int.MaxValue], Gen.Int[0, 255], s_operations).Sample((pre, countSeed, seed, ops) =>
        {
            using var subject = new PipeSubject(direction, pre.Item1, pre.Item2, countSeed, seed);
            Run(subject, ops, seed);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Discard_RandomOperations_MatchTheModel()
    {
        Gen.Select(Gen.Int[0, 100_000], s_operations).Sample((count, ops) =>
        {
            using var subject = new DiscardSubject(count);
            Run(subject, ops, seed: 0);
        }, iter: Iterations, threads: 1);
    }

    /// <summary>Applies each operation to the iterator and the model and compares them after every step.</summary>
    private static void Run(IterSubject subject, (int Op, int Arg)[] ops, int seed)
    {
        IovIter iter = subject.Iter;
        IterModel model = subject.Model;
        for (int step = 0; step < ops.Length; step++)
        {
            (int op, int arg) = ops[step];
            string at = $"step {step} ({op}, {arg})";
            switch (op)
            {
                case 0:
                    Apply(Pick(arg, model.Count, model.Position), model.Count, iter.Advance, model.Advance);
                    break;
                case 1:
                    Apply(Pick(arg, model.Position, -model.Position), model.Position, iter.Revert, model.Revert);
                    break;
                case 2:
                    long truncate = Pick(arg, model.Count, model.Position);
                    iter.Truncate(truncate);
                    model.Truncate(truncate);
                    break;
                case 3:
                    long left = model.Total - model.Position;
                    Apply(Pick(arg, left, model.Position), left, iter.Reexpand, model.Reexpand);
                    break;
                case 4:
                    iter.Restart();
                    model.Restart();
                    break;
                default:
                    Copy(subject, (int)Math.Min(Pick(arg, model.Count, model.Position), 200_000), seed + step);
                    break;
            }
            Assert.True(model.Count == iter.Count, $"{at}: Count {iter.Count}, model {model.Count}");
            Assert.True(model.Position == iter.Consumed, $"{at}: Consumed {iter.Consumed}, model {model.Position}");
            subject.AssertState();
            if (subject.ExpectedAlignment() is (long value, long mask))
            {
                Assert.True(value == (iter.Alignment() & mask), $"{at}: Alignment 0x{iter.Alignment():x}, model 0x{value:x} (mask 0x{mask:x})");
            }
        }
        subject.AssertFinal();
    }

    private static void Copy(IterSubject subject, int length, int seed)
    {
        IovIter iter = subject.Iter;
        if (iter.Direction == IterDirection.Dest)
        {
            byte[] data = TestPattern.Make(length, 0, seed);
            int expected = subject.Model.CopyTo(data);
            Assert.Equal(expected, iter.CopyToIter(data));
        }
        else
        {
            byte[] destination = new byte[length];
            byte[] expected = subject.Model.CopyFrom(length);
            int copied = iter.CopyFromIter(destination);
            Assert.Equal(expected.Length, copied);
            TestPattern.AssertBytes(expected, destination.AsSpan(0, copied), "CopyFromIter");
            Assert.All(destination[copied..], b => Assert.Equal(0, b));
        }
        subject.AssertMemory();
    }

    /// <summary>Runs a checked operation; a value beyond <paramref name="limit"/> must throw and change nothing.</summary>
    private static void Apply(long n, long limit, Action<long> real, Action<long> model)
    {
        if (n > limit)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => real(n));
        }
        else
        {
            real(n);
            model(n);
        }
    }

    /// <summary>
    /// An amount for an operation bounded by <paramref name="limit"/>: sometimes one past it or
    /// beyond (to test the error), the limit itself, zero, an amount that lands next to a page
    /// edge of the flat position <paramref name="from"/>, or any amount in range.
    /// </summary>
    private static long Pick(int arg, long limit, long from)
    {
        int rest = arg >>> 3;
        switch (arg & 7)
        {
            case 0:
                return limit + 1 + (rest % 5000);
            case 1:
                return limit;
            case 2:
                return 0;
            case 3:
                long edge = (Math.Abs(from) / PageSize.Bytes + 1 + (rest % 3)) * PageSize.Bytes - Math.Abs(from) + (rest % 3) - 1;
                return Math.Clamp(edge, 0, limit);
            default:
                return rest % (limit + 1);
        }
    }
}
