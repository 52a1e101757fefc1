// Follows fio's engines/exec.c in meaning: a program runs beside the job for its runtime.
using System.Diagnostics;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Linux;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=exec: no I/O. The first "I/O" starts the program (with %r and %n of its arguments
/// replaced; its stdout and stderr to JOBNAME.stdout and JOBNAME.stderr with std_redirect=1);
/// each one after it waits 50 ms, fio's thinktime for the engine. When the phase ends (the
/// runtime is over, or the job is stopped) the program gets SIGTERM, grace_time seconds to
/// exit, then SIGKILL, as fio stops it. A program that ends early leaves the job running to
/// its runtime, as in fio.
/// </summary>
internal sealed class ExecEngine : IJobEngine, ITimedEngine, IDisposable
{
    private static readonly long s_watchTicks = IoClock.UsToTicks(50_000);
    private static readonly TimeSpan s_outputDrain = TimeSpan.FromSeconds(1);

    private readonly JobPlan _plan;
    private readonly IoClock _clock;
    private Process? _process;
    private bool _launched;
    private Task? _outCopy;
    private Task? _errCopy;
    private FileStream? _out;
    private FileStream? _err;
    private long _deadline = long.MaxValue;
    private CancellationToken _ct;

    public ExecEngine(JobPlan plan, IoClock clock)
    {
        _plan = plan;
        _clock = clock;
    }

    /// <summary>The program's process id once started (tests watch it).</summary>
    public int? ProcessId => _process?.Id;

    public bool Done => false;

    public void BeginPhase(long deadline, CancellationToken ct)
    {
        _deadline = deadline;
        _ct = ct;
    }

    /// <summary>The program is stopped with its phase; a later phase (the measured one after ramp_time) starts it again.</summary>
    public void EndPhase()
    {
        Stop();
        _launched = false;
    }

    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        if (!_launched)
        {
            _launched = true;
            try
            {
                Launch();
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
            {
                // fio's job runs on when its program cannot be executed (the job's notes say so); pinio's does too.
                CloseOutput();
            }
        }
        else
        {
            DisklessEngines.Sleep(s_watchTicks, _deadline, _ct);
        }
        slot.SubmittedAt = _clock.Stamp(slot);
        return IoStart.Completed;
    }

    public long Finish(IoSlot slot) => 0;

    public ValueTask FlushAsync() => ValueTask.CompletedTask;

    public void Dispose()
    {
        Stop();
    }

    private void Launch()
    {
        bool redirect = _plan.Get(Opt.StdRedirect);
        var start = new ProcessStartInfo(ExecCommand.Resolve(_plan.Get(Opt.ExecProgram)!) ?? _plan.Get(Opt.ExecProgram)!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            RedirectStandardInput = false,
        };
        foreach (string argument in ExecCommand.Arguments(_plan.Get(Opt.ExecArguments), _plan.Get(Opt.Runtime), _plan.Name))
        {
            start.ArgumentList.Add(argument);
        }
        if (redirect)
        {
            _out = new FileStream($"{_plan.Name}.stdout", FileMode.Create, FileAccess.Write);
            _err = new FileStream($"{_plan.Name}.stderr", FileMode.Create, FileAccess.Write);
        }
        _process = Process.Start(start) ?? throw new IOException("the process did not start");
        if (redirect)
        {
            _outCopy = _process.StandardOutput.BaseStream.CopyToAsync(_out!);
            _errCopy = _process.StandardError.BaseStream.CopyToAsync(_err!);
        }
    }

    /// <summary>SIGTERM, grace_time seconds to exit, then SIGKILL; the process reaped and its output files closed.</summary>
    private void Stop()
    {
        if (_process is not { } process)
        {
            return;
        }
        _process = null;
        if (!process.HasExited)
        {
            _ = Interop.Kill(process.Id, Interop.SIGTERM);
            if (!process.WaitForExit(TimeSpan.FromSeconds(_plan.Get(Opt.GraceTime))))
            {
                _ = Interop.Kill(process.Id, Interop.SIGKILL);
                process.WaitForExit();
            }
        }
        process.WaitForExit();
        // A child the program left behind may hold its output open: its copy is not waited for long.
        Task.WaitAll([_outCopy ?? Task.CompletedTask, _errCopy ?? Task.CompletedTask], s_outputDrain);
        CloseOutput();
        process.Dispose();
    }

    private void CloseOutput()
    {
        _out?.Dispose();
        _err?.Dispose();
        _outCopy = _errCopy = null;
        _out = _err = null;
    }
}
