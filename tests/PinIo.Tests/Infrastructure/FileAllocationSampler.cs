using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Names what allocates: listens to the runtime's GCAllocationTick events (one per ~100 KB
/// allocated, with the type of the object that crossed the mark) while it is alive. For
/// diagnosing an allocation test that failed, not for measuring: its own callbacks allocate.
/// </summary>
internal sealed class FileAllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, int> _types = new();

    public string Describe() => _types.IsEmpty
        ? "no allocation tick was sampled"
        : string.Join(", ", _types.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} x{kv.Value}"));

    /// <summary>
    /// Bytes of one instance of an async method's state machine when the compiler made it a
    /// class (Debug builds, for Edit and Continue) — allocated on every call — or 0 when it
    /// is a struct (optimized builds), which pooling builders keep in pooled boxes.
    /// </summary>
    public static long DebugStateMachineBytes(Type owner, string asyncMethod)
    {
        Type? machine = owner.GetNestedTypes(BindingFlags.NonPublic)
            .SingleOrDefault(t => t.Name.StartsWith($"<{asyncMethod}>d__", StringComparison.Ordinal));
        if (machine is null || machine.IsValueType)
        {
            return 0;
        }
        GC.KeepAlive(RuntimeHelpers.GetUninitializedObject(machine)); // the first call also allocates the type's runtime data
        long before = GC.GetAllocatedBytesForCurrentThread();
        object instance = RuntimeHelpers.GetUninitializedObject(machine);
        long size = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(instance);
        return size;
    }

    /// <summary>Whether <paramref name="assembly"/> was compiled without optimizations (a Debug build).</summary>
    public static bool IsDebugBuild(Assembly assembly) =>
        assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null)
        {
            return;
        }
        int index = eventData.PayloadNames.IndexOf("TypeName");
        string type = index >= 0 ? eventData.Payload?[index]?.ToString() ?? "?" : "?";
        _types.AddOrUpdate(type, 1, (_, count) => count + 1);
    }
}
