using System.Diagnostics;
using CsCheck;
using PinIo.Cli.Runner;
using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Cli;

/// <summary>The job clock's stamps are Stopwatch ticks, by the TSC where the kernel keeps time by it.</summary>
public sealed class IoClockTests(ITestOutputHelper output) : PinBalancedTest
{
    [Fact]
    public void StampsRunWithTheStopwatchAndNeverBack()
    {
        output.WriteLine(TscCounter.Available ? "the TSC, scaled to ticks" : "no TSC clocksource: the Stopwatch");
        var clock = new IoClock(reduced: false);
        long previous = clock.Now();
        for (int i = 0; i < 100_000; i++)
        {
            long now = clock.Now();
            Assert.True(now >= previous, $"the clock went back {previous - now} ticks");
            previous = now;
        }
        // Not a timing check: a scale or anchor gone wrong puts the two clocks seconds or ages apart.
        long fromStopwatch = Stopwatch.GetTimestamp();
        long fromClock = clock.Now();
        Assert.True(Math.Abs(fromClock - fromStopwatch) < Stopwatch.Frequency / 20, $"the job clock is {fromClock - fromStopwatch} ticks off the Stopwatch");
        Thread.Sleep(50);
        long elapsedClock = clock.Now() - fromClock;
        long elapsedStopwatch = Stopwatch.GetTimestamp() - fromStopwatch;
        Assert.True(Math.Abs(elapsedClock - elapsedStopwatch) < Stopwatch.Frequency / 100, $"over {elapsedStopwatch} ticks the job clock counted {elapsedClock}");
    }

    [Fact]
    public void TheScaleIsTheHigh64BitsOfThe128BitProductShiftedBy32()
    {
        Gen.Select(Gen.ULong, Gen.ULong).Sample((counted, scale) =>
        {
            ulong expected = (ulong)(((UInt128)counted * scale) >> 32);
            Assert.Equal(expected, IoClock.Scale(counted, scale));
        }, iter: 200_000);
        Assert.Equal(ulong.MaxValue, IoClock.Scale(ulong.MaxValue, 1UL << 32));
        Assert.Equal(((UInt128)ulong.MaxValue * ulong.MaxValue >> 32) & ulong.MaxValue, IoClock.Scale(ulong.MaxValue, ulong.MaxValue));
    }

    [Fact]
    public void AReducedClockStampsTheStart()
    {
        var clock = new IoClock(reduced: true);
        var slot = new IoSlot(0, null!) { StartedAt = 12345 };

        Assert.Equal(12345, clock.Stamp(slot));
    }
}
