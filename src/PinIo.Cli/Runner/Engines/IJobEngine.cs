namespace PinIo.Cli.Runner.Engines;

/// <summary>How <see cref="IJobEngine.Start"/> left an I/O.</summary>
internal enum IoStart
{
    /// <summary>Submitted: its slot's <see cref="IoSlot.OnCompleted"/> runs when it ends.</summary>
    InFlight,

    /// <summary>Ended within the call (a synchronous engine's I/O); <see cref="IJobEngine.Finish"/> takes its result now.</summary>
    Completed,

    /// <summary>Refused before it started; the error says why.</summary>
    Failed,
}

/// <summary>
/// What a job's I/O goes through (fio's ioengine): PinIo's Direct I/O (<see cref="PinIoEngine"/>),
/// a Volume file's page cache (<see cref="BufferedEngine"/>), or plain .NET for the baseline
/// (<see cref="DotnetEngine"/>). The runner hands it a slot — direction, target offset, length,
/// buffer — and takes the result back when the slot completes; which engine it is changes
/// nothing else in the runner.
/// </summary>
internal interface IJobEngine
{
    /// <summary>Starts <paramref name="slot"/>'s I/O and stamps its submission.</summary>
    IoStart Start(IoSlot slot, out Exception? error);

    /// <summary>The bytes the completed I/O moved; throws what it failed with. Leaves the slot ready for its next I/O.</summary>
    long Finish(IoSlot slot);

    /// <summary>fsync of the target (a Volume file: its dirty cached pages and metadata, then a device flush).</summary>
    ValueTask FlushAsync();
}
