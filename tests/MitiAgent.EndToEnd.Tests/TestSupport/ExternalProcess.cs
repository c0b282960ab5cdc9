using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MitiAgent.EndToEnd.Tests.TestSupport;

/// <summary>
/// A child process (dotnet, a published native binary, …) with its output captured line by line. Waiting for a line
/// or for the exit never blocks longer than the given timeout; disposing kills the whole process tree if it still
/// runs, so a failing test leaves nothing behind.
/// </summary>
internal sealed class ExternalProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly StringBuilder _all = new();
    private readonly object _gate = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private event Action<string>? LineWritten;

    private ExternalProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Everything written to stdout and stderr so far, in arrival order.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _all.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="arguments"/> (no shell). <paramref name="environment"/>
    /// adds or replaces variables; a <see langword="null"/> value removes one.
    /// </summary>
    public static ExternalProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // Child dotnet processes must not inherit the test host's MSBuild/runner state.
        foreach (var key in new[] { "MSBuildSDKsPath", "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH", "VSTEST_HOST_DEBUG" })
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        // No MSBuild node or build server may outlive a build: it would keep the redirected output open (and the
        // process tree alive) after the command itself ended.
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                // A null value removes the variable (e.g. credentials the test host may have).
                if (value is null)
                {
                    psi.Environment.Remove(key);
                }
                else
                {
                    psi.Environment[key] = value;
                }
            }
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var wrapper = new ExternalProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.OnLine(e.Data);
        process.Exited += (_, _) => wrapper._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs a command to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Start(fileName, arguments, workingDirectory, environment);
        var exitCode = await process.WaitForExitAsync(timeout);
        return (exitCode, process.Output);
    }

    /// <summary>Waits for the exit and returns the exit code; fails the test (with the output) on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"'{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}' did not exit within {timeout}. Output:\n{Output}");
        }

        await DrainAsync();
        return _process.ExitCode;
    }

    /// <summary>Waits until a line containing <paramref name="fragment"/> was written; returns that line.</summary>
    public Task<string> WaitForLineAsync(string fragment, TimeSpan timeout) => WaitForLineAsync(line => line.Contains(fragment, StringComparison.Ordinal), timeout, fragment);

    /// <summary>Waits until a line matching <paramref name="match"/> was written; returns that line.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string? description = null)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string line)
        {
            if (match(line))
            {
                found.TrySetResult(line);
            }
        }

        LineWritten += OnLine;
        try
        {
            foreach (var line in _lines)
            {
                OnLine(line);
            }

            var winner = await Task.WhenAny(found.Task, _exited.Task, Task.Delay(timeout));
            if (winner == found.Task)
            {
                return await found.Task;
            }

            // The process may have written the line just before exiting.
            if (winner == _exited.Task)
            {
                await DrainAsync();
            }

            foreach (var line in _lines)
            {
                OnLine(line);
            }

            if (found.Task.IsCompleted)
            {
                return await found.Task;
            }

            var why = winner == _exited.Task ? $"the process exited with {_process.ExitCode}" : $"{timeout} passed";
            throw new TimeoutException($"No output line matching '{description ?? "the condition"}': {why}. Output:\n{Output}");
        }
        finally
        {
            LineWritten -= OnLine;
        }
    }

    /// <summary>Writes a line to the process's stdin (UTF-8), as typing it and pressing Enter would.</summary>
    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>
    /// Sends SIGINT to the process and every process it started, as Ctrl+C in a terminal does (it signals the whole
    /// foreground process group). <c>dotnet run</c> does not forward a SIGINT sent to it alone to the app it runs.
    /// </summary>
    public void Interrupt()
    {
        var ids = new List<string> { _process.Id.ToString(CultureInfo.InvariantCulture) };
        ids.AddRange(Descendants(_process.Id).Select(id => id.ToString(CultureInfo.InvariantCulture)));
        using var kill = Process.Start("kill", ["-INT", .. ids]);
        kill.WaitForExit();
    }

    /// <summary>The processes started by <paramref name="processId"/> and by them, from Linux's <c>/proc</c> (none elsewhere).</summary>
    private static IEnumerable<int> Descendants(int processId)
    {
        string tasks = $"/proc/{processId}/task";
        if (!Directory.Exists(tasks))
        {
            yield break;
        }

        var children = new List<int>();
        foreach (string task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                foreach (string id in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    children.Add(int.Parse(id, CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        foreach (int child in children)
        {
            yield return child;
            foreach (int grandchild in Descendants(child))
            {
                yield return grandchild;
            }
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>
    /// Exited fires before the redirected output is read to its end; this waits for that end, bounded: a grandchild
    /// that inherited the output must not hang the test.
    /// </summary>
    private async Task DrainAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            // Output still open after 10 s: use what arrived.
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _all.AppendLine(line);
        }

        _lines.Enqueue(line);
        LineWritten?.Invoke(line);
    }
}
