using PinIo.Block;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>
/// The bio pool hands a bio back with nothing of its last submitter: Bio.Reset keeps EndIo and
/// Private (a request's own bio keeps its request's), so the pool clears them when a bio comes
/// back — a stale EndIo would end a new submitter's bio in the old one's callback.
/// </summary>
public sealed class BioPoolTests : PinBalancedTest
{
    [Fact]
    public void ABioBackFromThePool_HasNoEndIoOrPrivateOfItsLastUse()
    {
        var limits = new QueueLimits();
        // Empties this thread's stack of bios (earlier tests may have filled it), so that the
        // bio given back below goes onto it and is the next one taken.
        Bio[] held = [.. Enumerable.Range(0, ThreadStack.Slots).Select(_ => BioPool.Rent(BioOp.Read, 0, limits))];
        Bio used = BioPool.Rent(BioOp.Write, 8, limits);
        used.EndIo = static _ => throw new InvalidOperationException("the last submitter's callback");
        used.Private = new object();
        BioPool.Return(used);

        Bio again = BioPool.Rent(BioOp.Read, 16, limits);

        Assert.Same(used, again);
        Assert.Null(again.EndIo);
        Assert.Null(again.Private);
        Assert.Equal(BioOp.Read, again.Op);
        Assert.Equal(16, again.Sector);
        BioPool.Return(again);
        foreach (Bio bio in held)
        {
            BioPool.Return(bio);
        }
    }

    [Fact]
    public void SetEndIo_StoresWhatChanged()
    {
        var limits = new QueueLimits();
        Bio bio = BioPool.Rent(BioOp.Read, 0, limits);
        Action<Bio> first = static _ => { };
        Action<Bio> second = static _ => { };
        object owner = new();

        bio.SetEndIo(first, owner);
        bio.SetEndIo(second, owner);

        Assert.Same(second, bio.EndIo);
        Assert.Same(owner, bio.Private);
        bio.SetEndIo(second, null);
        Assert.Null(bio.Private);
        BioPool.Return(bio);
    }
}
