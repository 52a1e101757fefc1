using PinIo.Linux;
using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>A fact that needs transparent huge pages ("always" or "madvise" mode): reported Skipped, not Passed, where THP is off or absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TransparentHugePagesFactAttribute : FactAttribute
{
    public TransparentHugePagesFactAttribute()
    {
        if (!HugePageMemory.IsAvailable)
        {
            Skip = $"transparent huge pages are off or absent here ({HugePageMemory.EnabledPath} is not [always] or [madvise])";
        }
    }
}
