namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// An engine whose I/O waits on time or on a peer rather than on a device (cpuio's sleeps,
/// exec's watch, net's connection): told each phase's deadline and stop so that no wait runs
/// past them, and told when the phase ends; it may end the job before its size (a peer that
/// hung up, exit_on_io_done).
/// </summary>
internal interface ITimedEngine
{
    /// <summary>Whether the engine has no more I/O to do: the phase ends as when it is out of work.</summary>
    bool Done { get; }

    void BeginPhase(long deadline, CancellationToken ct);

    /// <summary>The phase ended (out of work, deadline, stop or error) with nothing in flight.</summary>
    void EndPhase();
}
