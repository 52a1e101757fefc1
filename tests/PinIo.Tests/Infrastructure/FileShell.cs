using System.Diagnostics;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Runs the system tools that make scratch storage for file tests (losetup, mount, mkfs.ext4).
/// Tests run as root on a Linux machine; where a tool is missing or refuses, the caller skips
/// with the tool's own words.
/// </summary>
internal static class FileShell
{
    /// <summary>Runs <paramref name="program"/> and returns its exit code and combined output (-1 when it cannot start).</summary>
    public static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        ProcessStartInfo start = StartInfo(program, arguments);
        try
        {
            using Process process = Process.Start(start)!;
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, (stdout + stderr.GetAwaiter().GetResult()).Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{program}: {e.Message}");
        }
    }

    /// <summary>How to start <paramref name="program"/> with its arguments passed as they are, both outputs redirected.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    /// <summary>Runs the command and returns its output, or null (with the reason) when it failed.</summary>
    public static string? TryRun(out string failure, string program, params string[] arguments)
    {
        (int exitCode, string output) = Run(program, arguments);
        failure = exitCode == 0 ? string.Empty : $"{program} {string.Join(' ', arguments)} failed ({exitCode}): {output}";
        return exitCode == 0 ? output : null;
    }
}
