using Xunit;

namespace PinIo.Tests.Base;

/// <summary>The inline thread id the owner checks use is the managed thread id, on every thread that asks.</summary>
public sealed class CurrentThreadTests
{
    [Fact]
    public void EachThreadGetsItsOwnManagedThreadId_FirstAskAndAfter()
    {
        var seen = new (int First, int Again, int Managed)[8];
        Thread[] threads = [.. Enumerable.Range(0, seen.Length).Select(i => new Thread(() =>
            seen[i] = (CurrentThread.Id, CurrentThread.Id, Environment.CurrentManagedThreadId)))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.All(seen, s => Assert.Equal((s.Managed, s.Managed), (s.First, s.Again)));
        Assert.Equal(seen.Length, seen.Select(s => s.Managed).Distinct().Count());
        Assert.Equal(Environment.CurrentManagedThreadId, CurrentThread.Id);
    }
}
