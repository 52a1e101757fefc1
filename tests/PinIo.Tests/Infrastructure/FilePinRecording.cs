using PinIo.Mm;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Turns off <see cref="PinStats.RecordPinOwners"/> for a bulk run (a stack trace per pin
/// costs seconds over tens of thousands of pins). The balance check still counts every pin;
/// a leak found then is rerun with recording on to name its owner.
/// </summary>
internal sealed class FilePinRecording : IDisposable
{
    private readonly bool _was;

    private FilePinRecording()
    {
        _was = PinStats.RecordPinOwners;
        PinStats.RecordPinOwners = false;
    }

    public static FilePinRecording Suspend() => new();

    public void Dispose() => PinStats.RecordPinOwners = _was;
}
