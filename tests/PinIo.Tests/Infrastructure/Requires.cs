using System.Diagnostics.CodeAnalysis;
using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// How a test that needs something this machine may lack (a loop device, a mount, io_uring, a
/// block device node, a tool) reports its absence: Skipped, with what is missing, never Passed
/// having tested nothing. The conventions (checked by <c>TestConventionsTests</c>):
/// <list type="bullet">
/// <item>Such a test is a <c>[SkippableFact]</c> or <c>[SkippableTheory]</c> (Xunit.SkippableFact:
/// xunit 2 has no skip at run time of its own). Under a plain <c>[Fact]</c> the skip would fail the
/// test instead, so a forgotten attribute is loud, not silent.</item>
/// <item>It takes what it needs through <see cref="Available{T}"/> or <see cref="That"/>, whose
/// reason says what the machine lacks, in the tool's own words where there are some.</item>
/// <item>It never writes "skipped" to the output and returns: that reports Passed.</item>
/// <item>A need known before any test runs (transparent huge pages) is an attribute that sets
/// <c>Skip</c>, as <see cref="TransparentHugePagesFactAttribute"/> does.</item>
/// </list>
/// </summary>
internal static class Requires
{
    /// <summary><paramref name="found"/>, or the test ends Skipped with <paramref name="lacking"/> as the reason.</summary>
    public static T Available<T>([NotNull] T? found, string lacking)
        where T : class
    {
        if (found is null)
        {
            throw new SkipException(lacking);
        }
        return found;
    }

    /// <summary>Goes on when <paramref name="condition"/> holds; otherwise the test ends Skipped with <paramref name="lacking"/> as the reason.</summary>
    public static void That([DoesNotReturnIf(false)] bool condition, string lacking)
    {
        if (!condition)
        {
            throw new SkipException(lacking);
        }
    }
}
